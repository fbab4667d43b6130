package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"lianxin/store/storetest"
)

// import_town_owners (migration 017) tells a signed-in importer, as the
// server's role, which town holds the keys it names — and nothing to a
// connection with no user, nothing of keys that do not exist, and nothing
// at all to a role it is not granted to.
func TestImportTownOwners(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL+`
INSERT INTO towns (id, code, name, boundary) VALUES (2, 'T2', '乙镇', ST_Multi(ST_MakeEnvelope(120.1, 32.0, 120.2, 32.1, 4326)));`); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cases := []struct {
		name, role, user, layer string
		keys                    []string
		want                    string // key:town pairs
		wantCode                string // SQLSTATE, when the call must fail
	}{
		{name: "another town's household", role: "lianxin_app", user: "leader-T2", layer: "households", keys: []string{"H1", "H9"}, want: "H1:T1"},
		{name: "another town's member", role: "lianxin_app", user: "leader-T2", layer: "members", keys: []string{"M1"}, want: "M1:T1"},
		{name: "no key asked", role: "lianxin_app", user: "leader-T2", layer: "households", keys: []string{}, want: ""},
		{name: "no signed-in user", role: "lianxin_app", user: "", layer: "households", keys: []string{"H1"}, want: ""},
		{name: "unknown layer", role: "lianxin_app", user: "leader-T2", layer: "users", keys: []string{"admin"}, wantCode: "22023"},
		{name: "a role without the grant", role: "lianxin_integrity", user: "leader-T2", layer: "households", keys: []string{"H1"}, wantCode: "42501"},
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+pgx.Identifier{tc.role}.Sanitize()); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `SELECT set_config('lianxin.user', $1, true), set_config('lianxin.towns', '2', true),
  set_config('lianxin.all_towns', 'false', true)`, tc.user); err != nil {
					return err
				}
				rows, err := tx.Query(ctx, `SELECT key || ':' || town_code FROM import_town_owners($1, $2) ORDER BY 1`, tc.layer, tc.keys)
				if err != nil {
					return err
				}
				got, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
			var pgErr *pgconn.PgError
			gotCode := ""
			if errors.As(err, &pgErr) {
				gotCode = pgErr.Code
			} else if err != nil {
				t.Fatalf("import_town_owners(%q, %q) as %s: %v", tc.layer, tc.keys, tc.role, err)
			}
			if gotCode != tc.wantCode || strings.Join(got, ",") != tc.want {
				t.Fatalf("import_town_owners(%q, %q) as %s, user %q = %q, error %q; want %q, error %q",
					tc.layer, tc.keys, tc.role, tc.user, got, gotCode, tc.want, tc.wantCode)
			}
		})
	}
}
