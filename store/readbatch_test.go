package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lianxin"
	"lianxin/store"
	"lianxin/store/storetest"
)

// A batched read (a cold tile) sends no BEGIN or COMMIT: it relies on
// PostgreSQL running a pipeline as one implicit transaction. Its statements
// must still see the caller's scope and the settings, be refused any write,
// and leave nothing set on the connection for the next request.
func TestReadBatchIsOneReadOnlyScopedTransaction(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	// One connection, so the check after the batch reads the same session.
	s, err := store.Open(ctx, dbURL, store.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	scope := lianxin.Scope{User: "batch-user", Towns: []int32{3, 5}}
	names := []string{"lianxin.user", "lianxin.towns", "lianxin.all_towns", "transaction_read_only", "jit", "plan_cache_mode"}
	want := []string{"batch-user", "3,5", "false", "on", "off", "force_generic_plan"}
	for round := range 2 {
		got := make([]string, len(names))
		b := &pgx.Batch{}
		// A statement of its own after the settings: they reach it.
		b.Queue(`SELECT current_setting('lianxin.user'), current_setting('lianxin.towns'), current_setting('lianxin.all_towns'),
		  current_setting('transaction_read_only'), current_setting('jit'), current_setting('plan_cache_mode')`).QueryRow(
			func(row pgx.Row) error { return row.Scan(&got[0], &got[1], &got[2], &got[3], &got[4], &got[5]) })
		if err := s.ReadBatchInScopeForTest(ctx, scope, b); err != nil {
			t.Fatalf("round %d: batch: %v", round, err)
		}
		for i := range names {
			if got[i] != want[i] {
				t.Errorf("round %d: in the batch %s = %q, want %q", round, names[i], got[i], want[i])
			}
		}

		w := &pgx.Batch{}
		w.Queue(`UPDATE layer_versions SET version = version`)
		err := s.ReadBatchInScopeForTest(ctx, scope, w)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
			t.Errorf("round %d: a write in the batch: got %v, want read_only_sql_transaction (25006)", round, err)
		}

		for i, name := range names[:3] {
			if v, err := s.SettingForTest(ctx, name); err != nil || v != "" {
				t.Errorf("round %d: after the batch %s = %q (%v), want it unset", round, names[i], v, err)
			}
		}
		if v, err := s.SettingForTest(ctx, "transaction_read_only"); err != nil || v != "off" {
			t.Errorf("round %d: after the batch transaction_read_only = %q (%v), want off", round, v, err)
		}
	}
}
