package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"lianxin"
)

// Hooks for readbatch_test.go, which is an outside test (it needs
// storetest, which imports this package).

// ReadBatchInScopeForTest runs readBatchInScope with the villages tiles'
// plan mode.
func (s *Store) ReadBatchInScopeForTest(ctx context.Context, scope lianxin.Scope, b *pgx.Batch) error {
	return s.readBatchInScope(ctx, scope, planGeneric, b)
}

// SettingForTest reads a setting on a pooled connection, outside any
// transaction of the caller's.
func (s *Store) SettingForTest(ctx context.Context, name string) (string, error) {
	var v *string
	err := s.pool.QueryRow(ctx, `SELECT current_setting($1, true)`, name).Scan(&v)
	if v == nil {
		return "", err
	}
	return *v, err
}
