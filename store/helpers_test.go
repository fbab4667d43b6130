package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin/store"
)

// exec and queryRow talk to a test database directly, as an admin would,
// to set up states the store itself would never write.
func exec(ctx context.Context, url, sql string, args ...any) (int64, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func queryRow(ctx context.Context, url, sql string, args []any, dest ...any) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql, args...).Scan(dest...)
}

// openApp opens the database at url as the server's role, so row-level
// security applies as it does to the server, with opt's pool and cache;
// it is closed when the test ends.
func openApp(t testing.TB, url string, opt store.Options) *store.Store {
	t.Helper()
	opt.Role = store.AppRole
	app, err := store.Open(context.Background(), url, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}
