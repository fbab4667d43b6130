package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"lianxin/store/storetest"
)

const fixtureSQL = `
INSERT INTO towns (id, code, name, boundary) VALUES
  (1, 'T1', '甲镇', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.1, 32.1, 4326)));
INSERT INTO villages (id, code, name, town_id, kind, boundary, resident_population, registered_households) VALUES
  (1, 'V1', '甲村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.05, 32.05, 4326)), 10, 3);
INSERT INTO teams (id, code, name, town_id, base) VALUES (1, 'D1', '甲队', 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326));
INSERT INTO members (id, code, name, team_id, town_id, role) VALUES (1, 'M1', '张三', 1, 1, 'cadre');
INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
  VALUES (1, 'H1', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 3);`

// Each bad row must be refused by the schema itself, whatever writes it.
func TestConstraintsRejectBadRows(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cases := []struct {
		name, sql, wantCode string
		// wantConstraint, when set, is the constraint the error must name:
		// the households' references are triggers (migration 013) that
		// report the foreign keys they replace.
		wantConstraint string
	}{
		{"household with no residents", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H2', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 0)`, "23514", ""},
		{"household outside lon range", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H3', 1, 1, ST_SetSRID(ST_MakePoint(200, 32.01), 4326), 0, 1)`, "23514", ""},
		{"household in unknown village", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H4', 99, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 1)`, "23503", "households_village_id_fkey"},
		{"duplicate household id", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H1', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 1)`, "23505", ""},
		{"self-intersecting village", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V2', '乙村', 1, 'village', ST_Multi(ST_GeomFromText('POLYGON((120 32,120.01 32.01,120.01 32,120 32.01,120 32))', 4326)), 1, 1)`, "23514", ""},
		{"village with negative population", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V3', '丙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), -1, 0)`, "23514", ""},
		{"village of unknown kind", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V4', '丁村', 1, 'hamlet', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), 1, 1)`, "23514", ""},
		{"village with point boundary", `INSERT INTO villages (code, name, town_id, kind, boundary, resident_population, registered_households)
			VALUES ('V5', '戊村', 1, 'village', ST_SetSRID(ST_MakePoint(120.05, 32.0), 4326), 1, 1)`, "22023", ""},
		{"member of unknown role", `INSERT INTO members (code, name, team_id, town_id, role) VALUES ('M2', '李四', 1, 1, 'mayor')`, "23514", ""},
		{"second team in a town", `INSERT INTO teams (code, name, town_id, base) VALUES ('D2', '乙队', 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326))`, "23505", ""},
		{"visit of unknown kind", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind) VALUES ('X1', 1, 1, now(), 'party')`, "23514", ""},
		{"visit with negative problems", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind, problems_collected)
			VALUES ('X2', 1, 1, now(), 'household_visit', -1)`, "23514", ""},
		{"visit with location but no cell", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind, location)
			VALUES ('X3', 1, 1, now(), 'household_visit', ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326))`, "23514", ""},
		{"household in unknown town", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
			VALUES ('H5', 1, 99, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 1)`, "23503", "households_town_id_fkey"},
		{"household moved to an unknown village", `UPDATE households SET village_id = 99 WHERE id = 1`, "23503", "households_village_id_fkey"},
		{"deleting a village that has households", `DELETE FROM villages WHERE id = 1`, "23503", "households_village_id_fkey"},
		{"renumbering a village that has households", `UPDATE villages SET id = 99 WHERE id = 1`, "23503", "households_village_id_fkey"},
		{"renumbering a town that has households", `ALTER TABLE villages DROP CONSTRAINT villages_town_id_fkey;
			ALTER TABLE members DROP CONSTRAINT members_town_id_fkey; ALTER TABLE teams DROP CONSTRAINT teams_town_id_fkey;
			UPDATE towns SET id = 99 WHERE id = 1`, "23503", "households_town_id_fkey"},
		{"truncating villages while households exist", `TRUNCATE villages CASCADE`, "23503", "households_village_id_fkey"},
		{"deleting a household that has a personal row", `INSERT INTO household_personal (household_id, town_id, head_name) VALUES (1, 1, '王五');
			DELETE FROM households WHERE id = 1`, "23503", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exec(ctx, dbURL, tc.sql)
			checkOutcome(t, tc.name, err, tc.wantCode, tc.wantConstraint)
		})
	}
}

// Every write bumps its layer's version, which is what keeps caches fresh.
func TestWritesBumpLayerVersion(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	var before, after int64
	if err := queryRow(ctx, dbURL, `SELECT version FROM layer_versions WHERE layer = 'households'`, nil, &before); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ctx, dbURL, fixtureSQL); err != nil {
		t.Fatal(err)
	}
	if err := queryRow(ctx, dbURL, `SELECT version FROM layer_versions WHERE layer = 'households'`, nil, &after); err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("households version %d after insert, was %d: want it to grow", after, before)
	}
}

// The households' references are checked per statement (migration 013), as
// the server's role under row-level security: a town-scoped writer may add
// households to its villages, and an unknown village is still refused with
// the foreign key's code and name, not hidden by a policy.
func TestHouseholdReferencesUnderRowSecurity(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	const scoped = `SET ROLE lianxin_app;
SELECT set_config('lianxin.towns', '1', false), set_config('lianxin.user', 'clerk', false);
`
	cases := []struct {
		name, sql, wantCode, wantConstraint string
	}{
		{"known village", scoped + `INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
			VALUES (11, 'S1', 1, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 2)`, "", ""},
		{"unknown village", scoped + `INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
			VALUES (12, 'S2', 99, 1, ST_SetSRID(ST_MakePoint(120.01, 32.01), 4326), 0, 2)`, "23503", "households_village_id_fkey"},
		{"moved to an unknown village", scoped + `UPDATE households SET village_id = 99 WHERE external_id = 'H1'`,
			"23503", "households_village_id_fkey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exec(ctx, dbURL, tc.sql)
			checkOutcome(t, tc.name, err, tc.wantCode, tc.wantConstraint)
		})
	}
}

// A village's delete and a household insert into it, in two transactions
// at once, end as with a foreign key: whichever comes second waits for the
// first, then fails; no household is left without its village.
func TestHouseholdParentDeleteRacesInsert(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL+`
INSERT INTO villages (id, code, name, town_id, kind, boundary, resident_population, registered_households) VALUES
  (2, 'V2', '乙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), 10, 3),
  (3, 'V3', '丙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.05, 32.05, 120.1, 32.1, 4326)), 10, 3);`); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	// Each case has its own village.
	insert := func(village int) string {
		return fmt.Sprintf(`INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
VALUES (%[1]d, 'R%[1]d', %[1]d, 1, ST_SetSRID(ST_MakePoint(120.06, 32.01), 4326), 0, 2)`, village)
	}
	del := func(village int) string { return fmt.Sprintf(`DELETE FROM villages WHERE id = %d`, village) }
	cases := []struct {
		name          string
		village       int
		first, second string
		// wantVillage and wantHousehold: what is left once both ended.
		wantVillage, wantHousehold int
	}{
		{"insert first, then delete", 2, insert(2), del(2), 1, 1},
		{"delete first, then insert", 3, del(3), insert(3), 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refusedAfter(t, ctx, dbURL, tc.first, tc.second)
			var villages, households int
			if err := queryRow(ctx, dbURL, `SELECT (SELECT count(*) FROM villages WHERE id = $1), (SELECT count(*) FROM households WHERE village_id = $1)`,
				[]any{tc.village}, &villages, &households); err != nil {
				t.Fatal(err)
			}
			if villages != tc.wantVillage || households != tc.wantHousehold {
				t.Fatalf("after %q then %q: village %d rows %d, its households %d; want %d and %d",
					tc.first, tc.second, tc.village, villages, households, tc.wantVillage, tc.wantHousehold)
			}
		})
	}
}

// refusedAfter runs first in a transaction on one connection, then second
// on another, which must wait for the first's locks; once the first commits,
// second must fail with SQLSTATE 23503 (a reference check, as a foreign key
// would raise it).
func refusedAfter(t *testing.T, ctx context.Context, dbURL, first, second string) {
	t.Helper()
	one := storetest.Connect(t, dbURL)
	two := storetest.Connect(t, dbURL)
	tx, err := one.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, first); err != nil {
		t.Fatalf("first statement %q: %v", first, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := two.Exec(ctx, second)
		done <- err
	}()
	waitUntilBlocked(t, ctx, dbURL, two.PgConn().PID())
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit first statement: %v", err)
	}
	err = <-done
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23503" {
		t.Fatalf("second statement %q after the first committed: error %v, want SQLSTATE 23503", second, err)
	}
}

// waitUntilBlocked returns once the backend pid waits for a lock.
func waitUntilBlocked(t *testing.T, ctx context.Context, dbURL string, pid uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn := storetest.Connect(t, dbURL)
	for {
		var waiting bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)`, int32(pid)).Scan(&waiting)
		if err != nil {
			t.Fatalf("backend %d never waited for a lock: %v", pid, err)
		}
		if waiting {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkOutcome fails t unless err is what the statement called name should
// give: none when wantCode is empty, else a PostgreSQL error with SQLSTATE
// wantCode naming wantConstraint (any constraint when that is empty).
func checkOutcome(t *testing.T, name string, err error, wantCode, wantConstraint string) {
	t.Helper()
	if wantCode == "" {
		if err != nil {
			t.Fatalf("%s: error %v, want none", name, err)
		}
		return
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("%s: error = %v, want PostgreSQL error %s", name, err, wantCode)
	}
	if pgErr.Code != wantCode {
		t.Fatalf("%s: SQLSTATE %s (%s), want %s", name, pgErr.Code, pgErr.Message, wantCode)
	}
	if wantConstraint != "" && pgErr.ConstraintName != wantConstraint {
		t.Fatalf("%s: constraint %q (%s), want %q", name, pgErr.ConstraintName, pgErr.Message, wantConstraint)
	}
}
