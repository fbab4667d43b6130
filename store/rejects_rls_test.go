package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/store"
	"lianxin/store/storetest"
)

// The rejects files (migration 021) carry no town_id: migration 024 holds
// in PostgreSQL the rule the store's queries apply, so a query that forgot
// importVisibleSQL would still not hand a team leader another town's file.
func TestRejectsFilesRowLevelSecurity(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	conn := storetest.Connect(t, url)
	recordFourImports(t, conn, func(id int64) {
		if _, err := conn.Exec(ctx, `INSERT INTO import_rejects_files (import_id, file_name, format, rows, complete, personal, content)
			VALUES ($1, 'h.rejects.csv', 'csv', 1, true, true, '\x00'::bytea)`, id); err != nil {
			t.Fatal(err)
		}
	})
	app := openApp(t, url, store.Options{MaxConns: 1})
	for _, tc := range fourImportsReaders() {
		t.Run(tc.name, func(t *testing.T) {
			got := idsInScope(t, app, tc.scope, `SELECT import_id FROM import_rejects_files ORDER BY 1`)
			if !slices.Equal(got, tc.want) {
				t.Errorf("rejects files read by the server's role as %s: imports %v, want %v", tc.name, got, tc.want)
			}
		})
	}
	// The server's role may not prune; the owner, county-wide, may.
	err := app.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM import_rejects_files WHERE import_id = 2`)
		return err
	})
	if err == nil {
		t.Errorf("the server's role deleted a rejects file; want permission denied")
	}
}
