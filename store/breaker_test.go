package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/store/storetest"
)

// Terminating every backend of the server's pool must not fail reads: each
// read whose connection died runs once more on a new one.
func TestReadsSurviveTerminatedBackends(t *testing.T) {
	ctx := context.Background()
	s, dbURL := storetest.New(t)
	read := func() error {
		return s.ReadInScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
			var n int
			return tx.QueryRow(ctx, `SELECT count(*) FROM towns`).Scan(&n)
		})
	}
	for round := 0; round < 5; round++ {
		// Warm the pool so there are idle connections to kill.
		for i := 0; i < 4; i++ {
			if err := read(); err != nil {
				t.Fatalf("round %d: warm-up read: %v", round, err)
			}
		}
		killed := terminateServerBackends(t, ctx, dbURL, round)
		for i := 0; i < 4; i++ {
			if err := read(); err != nil {
				t.Fatalf("round %d: read %d after terminating %d backends: %v", round, i, killed, err)
			}
		}
	}
}

// terminateServerBackends ends every backend of the store's pool (they run
// as application "lianxin") and fails the test if there was none to end:
// a retry that never met a lost connection proves nothing. It returns how
// many it ended.
func terminateServerBackends(t *testing.T, ctx context.Context, dbURL string, round int) int {
	t.Helper()
	var killed int
	if err := queryRow(ctx, dbURL, `
		SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'lianxin') k`,
		nil, &killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatalf("round %d: no backend was terminated: the test proves nothing", round)
	}
	return killed
}
