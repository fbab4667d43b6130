package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// importsLeader is a team leader of town, with household points and
// personal fields (nothing hidden from them but other towns).
func importsLeader(user string, town int32) lianxin.Scope {
	return lianxin.Scope{User: user, Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town}, HouseholdPoints: true, PersonalFields: true}
}

// importsReader is a scope reading what recordFourImports wrote, and the
// imports (ids) it may see.
type importsReader struct {
	name  string
	scope lianxin.Scope
	want  []int64
}

// fourImportsReaders are the readers of the four imports: each town's
// leaders see their town's, a county-wide scope all four, no scope none.
func fourImportsReaders() []importsReader {
	return []importsReader{
		{"town 1's leader", importsLeader("leader-1", 1), []int64{1, 4}},
		{"another leader of town 1", importsLeader("leader-1b", 1), []int64{1}},
		{"town 2's leader", importsLeader("leader-2", 2), []int64{2}},
		{"a county-wide scope", lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}, []int64{1, 2, 3, 4}},
		{"no scope", lianxin.Scope{}, nil},
	}
}

// recordFourImports records, as the owner, the imports the row-level tests
// read: town 1's leader's (id 1), town 2's (2), a county-wide one (3), and
// a town-scoped upload that had no town (4: its uploader's only). each, if
// set, runs after each record with its id.
func recordFourImports(t *testing.T, conn *pgx.Conn, each func(id int64)) {
	t.Helper()
	for _, imp := range []struct {
		id    int64
		by    string
		towns any
	}{{1, "leader-1", []int32{1}}, {2, "leader-2", []int32{2}}, {3, "admin", nil}, {4, "leader-1", []int32{}}} {
		if _, err := conn.Exec(context.Background(), `INSERT INTO imports (id, layer, source, started_by, file_name, options, status, towns)
			VALUES ($1, 'households', 'api', $2, 'h.csv', '{}', 'succeeded', $3)`, imp.id, imp.by, imp.towns); err != nil {
			t.Fatal(err)
		}
		if each != nil {
			each(imp.id)
		}
	}
}

// idsInScope runs query, which selects ids, in scope through the store's
// connection (the server's role under row-level security).
func idsInScope(t *testing.T, app *store.Store, scope lianxin.Scope, query string) []int64 {
	t.Helper()
	var ids []int64
	err := app.ReadInScope(context.Background(), scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), query)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		t.Fatalf("%s as %s: %v", query, scope.User, err)
	}
	return ids
}

// Import records carry no town_id: migration 026 holds in PostgreSQL the
// rule the store's queries apply (importVisibleSQL), so a query that forgot
// it still does not show a team leader another town's import, who ran it
// and what it counted.
func TestImportsRowLevelSecurity(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	conn := storetest.Connect(t, url)
	recordFourImports(t, conn, nil)
	if _, err := conn.Exec(ctx, `SELECT setval('imports_id_seq', 100)`); err != nil {
		t.Fatal(err)
	}
	app := openApp(t, url, store.Options{MaxConns: 2})
	leader := importsLeader
	county := lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}

	t.Run("read", func(t *testing.T) {
		for _, tc := range fourImportsReaders() {
			t.Run(tc.name, func(t *testing.T) {
				// Directly, without the store's importVisibleSQL.
				got := idsInScope(t, app, tc.scope, `SELECT id FROM imports WHERE id < 100 ORDER BY 1`)
				if !slices.Equal(got, tc.want) {
					t.Errorf("SELECT id FROM imports by the server's role as %s: %v, want %v", tc.name, got, tc.want)
				}
				// The store's own listing agrees with the policy.
				recs, err := app.Imports(ctx, tc.scope, 50)
				if err != nil {
					t.Fatal(err)
				}
				var listed []int64
				for _, r := range recs {
					if r.ID < 100 {
						listed = append(listed, r.ID)
					}
				}
				slices.Sort(listed)
				if !slices.Equal(listed, tc.want) {
					t.Errorf("store.Imports as %s: %v, want %v", tc.name, listed, tc.want)
				}
			})
		}
	})

	// Writes a town-scoped reader may not make: records of other towns or
	// of the whole county, in another's name, or changes to them.
	t.Run("write", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			scope lianxin.Scope
			sql   string
			// rows is what an allowed UPDATE changes; -1 means the
			// statement must fail with row-level security's error.
			rows int64
		}{
			{"record for another town", leader("leader-1", 1),
				`INSERT INTO imports (layer, source, started_by, towns) VALUES ('households', 'api', 'leader-1', '{2}')`, -1},
			{"record county-wide", leader("leader-1", 1),
				`INSERT INTO imports (layer, source, started_by, towns) VALUES ('households', 'api', 'leader-1', NULL)`, -1},
			{"record in another's name", leader("leader-1", 1),
				`INSERT INTO imports (layer, source, started_by, towns) VALUES ('households', 'api', 'leader-1b', '{1}')`, -1},
			{"own record", leader("leader-1", 1),
				`INSERT INTO imports (layer, source, started_by, towns) VALUES ('households', 'api', 'leader-1', '{1}')`, 1},
			{"update another town's record", leader("leader-1", 1),
				`UPDATE imports SET status = 'failed' WHERE id = 2`, 0},
			{"update the county's record", leader("leader-1", 1),
				`UPDATE imports SET status = 'failed' WHERE id = 3`, 0},
			{"update another leader's record of the same town", leader("leader-1b", 1),
				`UPDATE imports SET status = 'failed' WHERE id = 1`, 0},
			{"move own record to another town", leader("leader-1", 1),
				`UPDATE imports SET towns = '{2}' WHERE id = 1`, -1},
			{"update own record", leader("leader-1", 1),
				`UPDATE imports SET message = 'x' WHERE id = 1`, 1},
			{"county-wide update", county,
				`UPDATE imports SET message = 'x' WHERE id IN (1, 2, 3, 4)`, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var rows int64
				var pgErr *pgconn.PgError
				err := app.InScope(ctx, tc.scope, func(tx pgx.Tx) error {
					tag, err := tx.Exec(ctx, tc.sql)
					rows = tag.RowsAffected()
					if err != nil {
						return err
					}
					return errRollback
				})
				switch {
				case tc.rows < 0 && !(errors.As(err, &pgErr) && pgErr.Code == "42501"):
					t.Errorf("%s as %s: error %v, want row-level security's refusal (42501)", tc.sql, tc.scope.User, err)
				case tc.rows >= 0 && err != errRollback:
					t.Errorf("%s as %s: error %v, want none", tc.sql, tc.scope.User, err)
				case tc.rows >= 0 && rows != tc.rows:
					t.Errorf("%s as %s: %d rows, want %d", tc.sql, tc.scope.User, rows, tc.rows)
				}
			})
		}
	})

	// The store's own writes keep working under the policy: a leader's
	// upload is recorded, finished with its rejects file and read back, and
	// a dead one is reaped (the CLI and API tests run the whole paths).
	t.Run("store", func(t *testing.T) {
		scope := leader("leader-1", 1)
		rec := ingest.Record{Layer: "households", Source: "api", StartedBy: scope.User, FileName: "h.csv", Options: map[string]any{}}
		id, release, err := app.StartImport(ctx, scope, rec)
		if err != nil {
			t.Fatalf("StartImport as leader-1: %v", err)
		}
		defer release()
		rec.ID, rec.Status, rec.Inserted, rec.Rejected = id, ingest.StatusSucceeded, 3, 1
		rec.Rejects = []ingest.RowError{{Line: 2, Reason: "bad"}}
		rec.RejectsFile = &ingest.RejectsFile{Name: "h.rejects.csv", Format: "csv", Rows: 1, Complete: true, Content: []byte("x\n")}
		if err := app.FinishImport(ctx, scope, rec); err != nil {
			t.Fatalf("FinishImport as leader-1: %v", err)
		}
		got, err := app.Import(ctx, scope, id)
		if err != nil || got.Status != ingest.StatusSucceeded || got.Inserted != 3 || len(got.Rejects) != 1 || got.RejectsFile == nil {
			t.Fatalf("Import(%d) as leader-1 = %+v, %v; want succeeded, 3 inserted, 1 reject, a rejects file", id, got, err)
		}
		if _, err := app.Import(ctx, leader("leader-2", 2), id); lianxin.ErrorCode(err) != lianxin.ENotFound {
			t.Errorf("Import(%d) as leader-2: error %v, want not found", id, err)
		}
		// A record left running by a process that died is failed by the
		// reaper, whatever its town.
		dead, _, err := app.StartImport(ctx, leader("leader-2", 2), ingest.Record{Layer: "visits", Source: "api", StartedBy: "leader-2", Options: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, dead); err != nil {
			t.Fatal(err)
		}
		// The terminated backend lets go of its lock as it exits: poll.
		var reaped []int64
		for range 250 {
			if reaped, err = app.ReapImports(ctx); err != nil || slices.Contains(reaped, dead) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !slices.Contains(reaped, dead) {
			t.Errorf("ReapImports = %v, %v; want it to hold import %d, whose process is gone", reaped, err, dead)
		}
	})
}
