package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
)

const importTotalsSQL = `SELECT coalesce(sum(inserted + updated + unchanged), 0)::bigint,
       coalesce(sum(rejected), 0)::bigint FROM imports`

// ImportTotals sums the rows every recorded import took in and rejected,
// for /metrics: counted by the database, they hold across restarts and
// across every process that imports.
func (s *Store) ImportTotals(ctx context.Context) (rows, rejects int64, err error) {
	err = s.ReadInScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, importTotalsSQL).Scan(&rows, &rejects)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("import totals: %w", err)
	}
	return rows, rejects, nil
}
