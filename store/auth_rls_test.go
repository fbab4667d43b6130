package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// Every table with a town_id is held to a FORCEd row-level security policy,
// and every view runs as its caller: a table added later without a policy
// fails here, not in production.
func TestEveryTownTableHasForcedRLS(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	conn := storetest.Connect(t, dbURL)
	rows, err := conn.Query(ctx, `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
	       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
	   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'town_id' AND NOT a.attisdropped)
	   AND c.relname <> 'user_roles' -- an account's grant names a town; it is not a row of that town
	 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var name string
		var rls, force bool
		var policies int
		if err := rows.Scan(&name, &rls, &force, &policies); err != nil {
			t.Fatal(err)
		}
		n++
		if !rls || !force || policies == 0 {
			t.Errorf("table %s has town_id but row security enabled=%v forced=%v policies=%d; want a FORCEd policy (see migrations/004)",
				name, rls, force, policies)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 9 {
		t.Fatalf("found %d tables with town_id, want at least the 9 of the base schema", n)
	}
	var views []string
	vrows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE n.nspname = 'public' AND c.relkind = 'v'
	   AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
	   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') -- PostGIS's own`)
	if err != nil {
		t.Fatal(err)
	}
	if views, err = pgx.CollectRows(vrows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(views) > 0 {
		t.Errorf("views %v are not security_invoker: they would read as their owner and skip row-level security", views)
	}
}

// The server's role owns nothing, bypasses nothing and cannot rewrite the audit log.
func TestAppRoleIsUnprivileged(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	var super, bypass, createRole bool
	if err := queryRow(ctx, dbURL, `SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = $1`,
		[]any{store.AppRole}, &super, &bypass, &createRole); err != nil {
		t.Fatalf("role %s: %v", store.AppRole, err)
	}
	if super || bypass || createRole {
		t.Fatalf("role %s: superuser=%v bypassrls=%v createrole=%v, want all false", store.AppRole, super, bypass, createRole)
	}
	var owned int
	if err := queryRow(ctx, dbURL, `SELECT count(*) FROM pg_tables WHERE tableowner = $1`, []any{store.AppRole}, &owned); err != nil || owned != 0 {
		t.Fatalf("role %s owns %d tables (err %v), want 0", store.AppRole, owned, err)
	}
	app := openApp(t, dbURL, store.Options{MaxConns: 1})
	forbidden := []string{
		`UPDATE audit_log SET actor = 'x'`,
		`DELETE FROM audit_log`,
		`DELETE FROM households`,
		`TRUNCATE visits`,
		`DROP TABLE visits`,
		`ALTER TABLE households DISABLE ROW LEVEL SECURITY`,
		`SET ROLE postgres`,
		`SET SESSION AUTHORIZATION postgres`,
		`SELECT set_config('role', 'postgres', false)`,
	}
	for _, q := range forbidden {
		err := app.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, q)
			return err
		})
		if err == nil {
			t.Errorf("as %s, %q succeeded; want permission denied", store.AppRole, q)
		}
	}
}

// Row-level security alone (no WHERE clause in the query) keeps each scope
// to its towns, and personal fields to scopes granted them.
func TestRowLevelSecurityByScope(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2})
	perTown := map[int32]int64{}
	for _, h := range county.Households {
		perTown[h.TownID]++
	}
	townA, townB := county.Towns[0].ID, county.Towns[1].ID
	total := int64(len(county.Households))
	cases := []struct {
		name                       string
		scope                      lianxin.Scope
		wantHouseholds, wantPerson int64
		wantTowns                  int64
	}{
		{"anonymous", lianxin.Scope{}, 0, 0, 0},
		{"town A leader", lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA},
			HouseholdPoints: true, PersonalFields: true}, perTown[townA], perTown[townA], int64(len(county.Towns))},
		{"town A member (no personal fields)", lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{townA}},
			perTown[townA], 0, int64(len(county.Towns))},
		{"towns A and B", lianxin.Scope{User: "ab", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA, townB}},
			perTown[townA] + perTown[townB], 0, int64(len(county.Towns))},
		{"planner", lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}, total, 0, int64(len(county.Towns))},
		{"system", lianxin.SystemScope(), total, total, int64(len(county.Towns))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var households, personal, towns, otherTown int64
			err := app.ReadInScope(ctx, tc.scope, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM household_personal),
				        (SELECT count(*) FROM towns),
				        (SELECT count(*) FROM visits WHERE NOT (town_id = ANY ($1::int[])))`, tc.scope.Towns).
					Scan(&households, &personal, &towns, &otherTown)
			})
			if err != nil {
				t.Fatal(err)
			}
			if households != tc.wantHouseholds || personal != tc.wantPerson || towns != tc.wantTowns {
				t.Fatalf("scope %+v sees %d households, %d personal rows, %d towns; want %d, %d, %d",
					tc.scope, households, personal, towns, tc.wantHouseholds, tc.wantPerson, tc.wantTowns)
			}
			if !tc.scope.AllTowns && otherTown != 0 {
				t.Fatalf("scope %+v sees %d visits of other towns, want 0", tc.scope, otherTown)
			}
		})
	}
	// Writes outside the scope's towns are refused by the policy's WITH CHECK.
	leaderA := lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA}}
	err := app.InScope(ctx, leaderA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE households SET residents = residents WHERE town_id = $1`, townB)
		return err
	})
	if err != nil {
		t.Fatalf("updating another town's households should touch 0 rows, not fail: %v", err)
	}
	err = app.InScope(ctx, leaderA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE households SET town_id = $2 WHERE id = (SELECT min(id) FROM households WHERE town_id = $1)`, townA, townB)
		return err
	})
	if err == nil {
		t.Fatal("moving a household of town A into town B as A's leader succeeded; want a row-level security error")
	}
}

// One pooled connection serves two towns' requests interleaved 10,000
// times, some failing mid-transaction: no request ever sees the other
// town's rows, and nothing of a scope outlives its transaction.
func TestInterleavedScopesOnOneConnection(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 1})
	towns := []int32{county.Towns[0].ID, county.Towns[1].ID}
	const total = 10000
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	for g, town := range towns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scope := lianxin.Scope{User: fmt.Sprintf("leader-%d", town), Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town}}
			for i := g; i < total; i += 2 {
				var foreign, seen int64
				err := app.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
					if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE town_id <> $1), count(*)
					          FROM (SELECT town_id FROM households ORDER BY id LIMIT 20 OFFSET $2) h`,
						town, (i*37)%2000).Scan(&foreign, &seen); err != nil {
						return err
					}
					if i%10 == 0 {
						// A failing statement: the transaction rolls back with its settings.
						_, err := tx.Exec(ctx, `SELECT 1/0`)
						if err == nil {
							return errors.New("division by zero succeeded")
						}
						return errRollback
					}
					return nil
				})
				if err != nil && !errors.Is(err, errRollback) {
					errc <- fmt.Errorf("request %d (town %d): %w", i, town, err)
					return
				}
				if foreign != 0 {
					errc <- fmt.Errorf("request %d in town %d saw %d rows of another town", i, town, foreign)
					return
				}
				if err == nil && seen == 0 {
					errc <- fmt.Errorf("request %d in town %d saw no rows at all: the test proves nothing", i, town)
					return
				}
				if i%500 == g {
					n, left, err := app.RawTownsSeen(ctx)
					if err != nil || n != 0 || left != "" {
						errc <- fmt.Errorf("after request %d, a query outside any scope saw %d households and lianxin.towns=%q (err %v); want 0 and empty", i, n, left, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

var errRollback = errors.New("roll back")

// Exports and finished imports leave a line in the audit log whoever wrote
// them, the server's role included.
func TestExportsAndImportsAreAudited(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 1})
	err := app.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO exports (actor, layer, format, crs, filter, rows) VALUES ('gis', 'villages', 'csv', 'EPSG:4326', '{"town":"321299101"}', 42)`); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO imports (layer, source, started_by) VALUES ('visits', 'api', 'leader-1') RETURNING id`).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE imports SET status = 'succeeded', inserted = 7, updated = 3 WHERE id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	conn := storetest.Connect(t, dbURL)
	rows, err := conn.Query(ctx, `SELECT format('%s %s %s %s %s', actor, action, target, rows, detail->'filter'->>'town') FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	want := []string{"gis export villages 42 321299101", "leader-1 import visits 10 "}
	if !slices.Equal(got, want) {
		t.Fatalf("audit log = %q, want %q", got, want)
	}
}
