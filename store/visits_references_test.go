package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin/store/storetest"
)

// visitsFixtureSQL adds to fixtureSQL a project and one visit naming every
// parent: member 1, household 1, village 1, project 1, town 1.
const visitsFixtureSQL = fixtureSQL + `
INSERT INTO projects (id, code, name, kind, town_id, geom, cell)
  VALUES (1, 'P1', '甲项目', 'other', 1, ST_SetSRID(ST_MakePoint(120.02, 32.02), 4326), 0);
INSERT INTO visits (external_id, member_id, household_id, village_id, project_id, town_id, occurred_at, kind)
  VALUES ('X1', 1, 1, 1, 1, 1, now(), 'household_visit');`

// insertVisitSQL is a visit naming the given parents (0: none, for the
// columns that may be empty).
func insertVisitSQL(externalID string, member, household, village, project, town int) string {
	null := func(id int) string {
		if id == 0 {
			return "NULL"
		}
		return fmt.Sprint(id)
	}
	return fmt.Sprintf(`INSERT INTO visits (external_id, member_id, household_id, village_id, project_id, town_id, occurred_at, kind)
VALUES ('%s', %d, %s, %s, %s, %d, now(), 'household_visit')`, externalID, member, null(household), null(village), null(project), town)
}

// The diary's references are checked per statement (migration 016), with
// the foreign keys' codes and constraint names, on both sides: a visit
// naming a missing parent, and a parent removed while a visit names it.
func TestVisitReferences(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, visitsFixtureSQL); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cases := []struct {
		name, sql string
		// wantConstraint is the constraint the 23503 error must name; empty:
		// the statement must succeed.
		wantConstraint string
	}{
		{"visit naming every parent", insertVisitSQL("X2", 1, 1, 1, 1, 1), ""},
		{"visit naming no household, village or project", insertVisitSQL("X3", 1, 0, 0, 0, 1), ""},
		{"visit by an unknown member", insertVisitSQL("X4", 99, 1, 1, 1, 1), "visits_member_id_fkey"},
		{"visit of an unknown household", insertVisitSQL("X5", 1, 99, 1, 1, 1), "visits_household_id_fkey"},
		{"visit in an unknown village", insertVisitSQL("X6", 1, 1, 99, 1, 1), "visits_village_id_fkey"},
		{"visit to an unknown project", insertVisitSQL("X7", 1, 1, 1, 99, 1), "visits_project_id_fkey"},
		{"visit in an unknown town", insertVisitSQL("X8", 1, 1, 1, 1, 99), "visits_town_id_fkey"},
		{"many visits, one unknown member among them", `INSERT INTO visits (external_id, member_id, town_id, occurred_at, kind)
			SELECT 'Y' || g, CASE WHEN g = 500 THEN 98 ELSE 1 END, 1, now(), 'village_meeting' FROM generate_series(1, 1000) g`,
			"visits_member_id_fkey"},
		{"visit moved to an unknown household", `UPDATE visits SET household_id = 99 WHERE external_id = 'X1'`, "visits_household_id_fkey"},
		{"deleting a member who has visits", `DELETE FROM members WHERE id = 1`, "visits_member_id_fkey"},
		{"deleting a household that has visits", `DELETE FROM households WHERE id = 1`, "visits_household_id_fkey"},
		{"deleting a project that has visits", `DELETE FROM projects WHERE id = 1`, "visits_project_id_fkey"},
		{"renumbering a project that has visits", `UPDATE projects SET id = 99 WHERE id = 1`, "visits_project_id_fkey"},
		{"truncating projects while visits exist", `TRUNCATE projects`, "visits_project_id_fkey"},
		{"renaming a project that has visits", `UPDATE projects SET name = '乙项目' WHERE id = 1`, ""},
		// The spot check's results hang on visits (migration 037): they go with them.
		{"truncating visits and projects together", `BEGIN; TRUNCATE visits, projects, spot_checks; ROLLBACK`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exec(ctx, dbURL, tc.sql)
			checkOutcome(t, tc.name, err, foreignKeyCode(tc.wantConstraint), tc.wantConstraint)
		})
	}
	// Nothing refused above may have landed or gone.
	var visits, members, households, projects int
	if err := queryRow(ctx, dbURL, `SELECT (SELECT count(*) FROM visits WHERE member_id <> 1 OR household_id = 99 OR town_id <> 1),
       (SELECT count(*) FROM members), (SELECT count(*) FROM households), (SELECT count(*) FROM projects WHERE id = 1)`,
		nil, &visits, &members, &households, &projects); err != nil {
		t.Fatal(err)
	}
	if visits != 0 || members != 1 || households != 1 || projects != 1 {
		t.Fatalf("after the refused statements: %d visits with a bad reference, %d members, %d households, project 1 %d times; want 0, 1, 1, 1",
			visits, members, households, projects)
	}
}

// The checks run as lianxin_integrity, not as the writer: a town-scoped
// clerk and a member whose own diary does not yet include the household
// (the member_rows policy hides it from them) may still write visits of
// it, and an unknown parent is still refused with the foreign key's name.
func TestVisitReferencesUnderRowSecurity(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, visitsFixtureSQL+`
INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents)
  VALUES (2, 'H2', 1, 1, ST_SetSRID(ST_MakePoint(120.02, 32.02), 4326), 0, 2);
INSERT INTO users (username) VALUES ('m-only');
INSERT INTO user_roles (user_id, role, town_id, member_id) SELECT id, 'member', 1, 1 FROM users WHERE username = 'm-only';`); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	scoped := func(user string) string {
		return fmt.Sprintf(`SET ROLE lianxin_app;
SELECT set_config('lianxin.towns', '1', false), set_config('lianxin.user', '%s', false);
`, user)
	}
	cases := []struct {
		name, sql, wantConstraint string
	}{
		{"clerk, known parents", scoped("clerk") + insertVisitSQL("S1", 1, 1, 1, 1, 1), ""},
		{"member, a household not yet in their diary", scoped("m-only") + insertVisitSQL("S2", 1, 2, 1, 0, 1), ""},
		{"member, an unknown household", scoped("m-only") + insertVisitSQL("S3", 1, 99, 1, 0, 1), "visits_household_id_fkey"},
		{"clerk, an unknown project", scoped("clerk") + insertVisitSQL("S4", 1, 1, 1, 99, 1), "visits_project_id_fkey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := exec(ctx, dbURL, tc.sql)
			checkOutcome(t, tc.name, err, foreignKeyCode(tc.wantConstraint), tc.wantConstraint)
		})
	}
}

// A parent's delete and a visit naming it, in two transactions at once, end
// as with a foreign key: whichever comes second waits for the first, then
// fails; no visit is left without its member or project.
func TestVisitParentDeleteRacesInsert(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, fixtureSQL+`
INSERT INTO projects (id, code, name, kind, town_id, geom, cell) VALUES
  (2, 'P2', '乙项目', 'other', 1, ST_SetSRID(ST_MakePoint(120.02, 32.02), 4326), 0),
  (3, 'P3', '丙项目', 'other', 1, ST_SetSRID(ST_MakePoint(120.03, 32.03), 4326), 0);
INSERT INTO members (id, code, name, team_id, town_id, role) VALUES (4, 'M4', '李四', 1, 1, 'cadre'), (5, 'M5', '王五', 1, 1, 'cadre');`); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	cases := []struct {
		name          string
		parent        string // members or projects
		id            int
		first, second string
		// wantParent and wantVisits: what is left once both ended.
		wantParent, wantVisits int
	}{
		{"visit first, then its project's delete", "projects", 2, insertVisitSQL("R2", 1, 0, 0, 2, 1), `DELETE FROM projects WHERE id = 2`, 1, 1},
		{"project's delete first, then a visit to it", "projects", 3, `DELETE FROM projects WHERE id = 3`, insertVisitSQL("R3", 1, 0, 0, 3, 1), 0, 0},
		{"visit first, then its member's delete", "members", 4, insertVisitSQL("R4", 4, 0, 0, 0, 1), `DELETE FROM members WHERE id = 4`, 1, 1},
		{"member's delete first, then a visit by them", "members", 5, `DELETE FROM members WHERE id = 5`, insertVisitSQL("R5", 5, 0, 0, 0, 1), 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refusedAfter(t, ctx, dbURL, tc.first, tc.second)
			col := map[string]string{"members": "member_id", "projects": "project_id"}[tc.parent]
			var parents, visits int
			q := fmt.Sprintf(`SELECT (SELECT count(*) FROM %s WHERE id = $1), (SELECT count(*) FROM visits WHERE %s = $1)`,
				pgx.Identifier{tc.parent}.Sanitize(), pgx.Identifier{col}.Sanitize())
			if err := queryRow(ctx, dbURL, q, []any{tc.id}, &parents, &visits); err != nil {
				t.Fatal(err)
			}
			if parents != tc.wantParent || visits != tc.wantVisits {
				t.Fatalf("after %q then %q: %s %d rows %d, its visits %d; want %d and %d",
					tc.first, tc.second, tc.parent, tc.id, parents, visits, tc.wantParent, tc.wantVisits)
			}
		})
	}
}

// foreignKeyCode is the SQLSTATE a statement refused by the foreign key (or
// its statement-level check) constraint gives: foreign_key_violation, or
// none when constraint is empty.
func foreignKeyCode(constraint string) string {
	if constraint == "" {
		return ""
	}
	return "23503"
}
