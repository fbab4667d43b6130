package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// Issue 8: aggregates are county-wide for every signed-in scope (a team
// leader sees other towns' aggregates, a planner the county's), through the
// server's unprivileged role; the per-household rows behind them stay held
// to the scope's towns; a connection with no scope sums nothing.
func TestCoverageAggregatesAreCountyWide(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2, CoverageCache: -1})
	townA, townB := county.Towns[0], county.Towns[1]
	var villageB string
	for _, v := range county.Villages {
		if v.TownID == townB.ID {
			villageB = v.Code
			break
		}
	}
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}

	// What the system scope (the owner, every town in scope) sees.
	wantVillages, err := owner.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{WithSizes: true})
	if err != nil {
		t.Fatal(err)
	}
	wantCells, err := owner.CellAggregates(ctx, lianxin.SystemScope(), 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	wantSummary, err := owner.SummaryNumbers(ctx, lianxin.SystemScope(), w, townB.Code, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantWeeks, err := owner.VillageWeeklyVisits(ctx, lianxin.SystemScope(), villageB, w)
	if err != nil {
		t.Fatal(err)
	}
	if wantSummary.Visits == 0 || len(wantCells) == 0 {
		t.Fatalf("town %s has %d visits, the county %d cells: the check would prove nothing", townB.Code, wantSummary.Visits, len(wantCells))
	}
	summaryNumbers := func(s coverage.Summary) string {
		return fmt.Sprint(s.Visits, s.HouseholdVisits, s.EnterpriseVisits, s.ProjectSiteVisits, s.VillageMeetings, s.PublicityEvents,
			s.PublicityParticipants, s.AssistanceDeliveries, s.OpinionsCollected, s.ProblemsResolved, s.PetitionCasesResolved,
			s.DisputesResolved, s.HouseholdsVisited, s.HouseholdsAssisted, s.EnterprisesVisited, s.HouseholdVisitEntries)
	}

	scopes := []struct {
		name  string
		scope lianxin.Scope
	}{
		{"town A leader", lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA.ID},
			HouseholdPoints: true, PersonalFields: true}},
		{"town A member", lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{townA.ID}}},
		{"planner", lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			got, err := app.VillageCoverage(ctx, sc.scope, w, coverage.Filter{WithSizes: true})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantVillages) {
				t.Errorf("VillageCoverage as %s differs from the system scope's (%d villages, want %d)", sc.name, len(got), len(wantVillages))
			}
			cells, err := app.CellAggregates(ctx, sc.scope, 8, w, orb.Bound{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(cells) != fmt.Sprint(wantCells) {
				t.Errorf("CellAggregates(8) as %s differs from the system scope's (%d cells, want %d)", sc.name, len(cells), len(wantCells))
			}
			sum, err := app.SummaryNumbers(ctx, sc.scope, w, townB.Code, nil)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := summaryNumbers(sum), summaryNumbers(wantSummary); g != w {
				t.Errorf("SummaryNumbers(town %s) as %s = %s, want %s", townB.Code, sc.name, g, w)
			}
			weeks, err := app.VillageWeeklyVisits(ctx, sc.scope, villageB, w)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(weeks) != fmt.Sprint(wantWeeks) {
				t.Errorf("VillageWeeklyVisits(%s) as %s = %v, want %v", villageB, sc.name, weeks, wantWeeks)
			}
			// Filter.Town still narrows what is summed.
			inB, err := app.VillageCoverage(ctx, sc.scope, w, coverage.Filter{Town: townB.Code})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range inB {
				if v.TownCode != townB.Code {
					t.Fatalf("VillageCoverage(town %s) as %s holds village %s of town %s", townB.Code, sc.name, v.VillageCode, v.TownCode)
				}
			}
			// The rows of single households stay in the scope's towns.
			if sc.scope.AllTowns {
				return
			}
			var days, visits int64
			err = app.ReadInScope(ctx, sc.scope, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM coverage_household_days WHERE NOT (town_id = ANY ($1::int[]))),
				                               (SELECT count(*) FROM visits WHERE NOT (town_id = ANY ($1::int[])))`, sc.scope.Towns).Scan(&days, &visits)
			})
			if err != nil {
				t.Fatal(err)
			}
			if days != 0 || visits != 0 {
				t.Errorf("as %s, %d household-day rows and %d visits of other towns are readable; want 0", sc.name, days, visits)
			}
		})
	}

	t.Run("no scope", func(t *testing.T) {
		var n int64
		err := app.ReadInScope(ctx, lianxin.Scope{}, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM coverage_village_visited('2026-03-01', '2026-11-02', NULL))
			  + (SELECT count(*) FROM coverage_village_sizes(NULL))
			  + (SELECT count(*) FROM coverage_village_visits('2026-03-01', '2026-11-02', NULL))
			  + (SELECT count(*) FROM coverage_cell_sums(8, '2026-03-01', '2026-11-02', NULL, NULL, NULL))
			  + (SELECT count(*) FROM coverage_summary('2026-03-01', '2026-11-02', NULL, now() - interval '1 year', now(), NULL))
			  + (SELECT count(*) FROM coverage_active_towns('2026-03-01', '2026-11-02', NULL))`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("a transaction with no scope got %d aggregate rows; want 0", n)
		}
	})
}

// The cache of village coverage never serves an answer older than its
// inputs, and a caller changing the rows it got cannot change the cache.
func TestVillageCoverageCache(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
	scope := lianxin.SystemScope()
	first, err := s.VillageCoverage(ctx, scope, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(first)
	first[0].VisitedResidents = -1
	first[0].VillageName = "changed"
	again, err := s.VillageCoverage(ctx, scope, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(again); got != want {
		t.Fatalf("second answer differs from the first after the caller changed its copy:\n got %.300s\nwant %.300s", got, want)
	}
	cases := []struct {
		name  string
		sql   string
		check func(before, after coverage.VillageCoverage) bool
	}{
		{"a visit", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT 'cache-1', (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1), h.id, h.village_id, h.town_id,
       timestamptz '2026-06-01 10:00+08', 'household_visit'
FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = $1 ORDER BY h.id LIMIT 1`,
			func(b, a coverage.VillageCoverage) bool { return a.Visits == b.Visits+1 }},
		{"a renamed village", `UPDATE villages SET name = name || '*' WHERE code = $1`,
			func(b, a coverage.VillageCoverage) bool { return a.VillageName == b.VillageName+"*" }},
		{"a village outline moved", `UPDATE villages SET boundary = ST_Translate(boundary, 0.01, 0) WHERE code = $1`,
			func(b, a coverage.VillageCoverage) bool {
				return a.Centre[0] > b.Centre[0]+0.009 && a.Centre[0] < b.Centre[0]+0.011
			}},
		{"a new household", `INSERT INTO households (external_id, village_id, town_id, location, cell, residents)
SELECT 'cache-h', h.village_id, h.town_id, h.location, h.cell, 4
FROM households h JOIN villages v ON v.id = h.village_id WHERE v.code = $1 ORDER BY h.id LIMIT 1`,
			func(b, a coverage.VillageCoverage) bool {
				return a.Households == b.Households+1 && a.Residents == b.Residents+4
			}},
	}
	code := again[0].VillageCode
	for _, tc := range cases {
		before, err := s.VillageCoverage(ctx, scope, w, coverage.Filter{Villages: []string{code}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exec(ctx, url, tc.sql, code); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		after, err := s.VillageCoverage(ctx, scope, w, coverage.Filter{Villages: []string{code}})
		if err != nil {
			t.Fatal(err)
		}
		if len(before) != 1 || len(after) != 1 || !tc.check(before[0], after[0]) {
			t.Errorf("after %s, village %s: before %+v, after %+v; the cache served a stale answer", tc.name, code, before, after)
		}
	}
}

// The cache of summary numbers serves each scope its own answer, never one
// older than its inputs (a diary entry, a new key project, a new member), and
// a caller changing the lists it got cannot change the cache.
func TestSummaryNumbersCache(t *testing.T) {
	ctx := context.Background()
	_, url, _ := demotest.New(t)
	// The server's role: row-level security applies to it.
	s := openApp(t, url, store.Options{MaxConns: 2})
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
	county := lianxin.Scope{User: "planner-county", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	var townID int32
	var town string
	var otherID int32
	if err := queryRow(ctx, url, `SELECT min(id) FILTER (WHERE code = (SELECT min(code) FROM towns)), min(code),
  min(id) FILTER (WHERE code = (SELECT max(code) FROM towns)) FROM towns`, nil, &townID, &town, &otherID); err != nil {
		t.Fatal(err)
	}
	oneTown := lianxin.Scope{User: "planner-one-town", Roles: []lianxin.Role{lianxin.RolePlanner}, Towns: []int32{townID}}
	otherTown := lianxin.Scope{User: "planner-other-town", Roles: []lianxin.Role{lianxin.RolePlanner}, Towns: []int32{otherID}}

	first, err := s.SummaryNumbers(ctx, county, w, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(first)
	if len(first.Checks.VillagesWithoutVisit) > 0 {
		first.Checks.VillagesWithoutVisit[0] = "changed"
	}
	first.Checks.MembersBelowTarget = append(first.Checks.MembersBelowTarget, "changed")
	again, err := s.SummaryNumbers(ctx, county, w, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(again); got != want {
		t.Fatalf("second summary differs after the caller changed its copy:\n got %.300s\nwant %.300s", got, want)
	}

	cases := []struct {
		name  string
		sql   string
		check func(before, after coverage.Summary) bool
	}{
		{"a diary entry", `INSERT INTO visits (external_id, member_id, village_id, town_id, occurred_at, kind)
SELECT 'SUM-CACHE-V', m.id, NULL, m.town_id, timestamptz '2026-06-01 10:00+08', 'publicity_event'
FROM members m JOIN towns t ON t.id = m.town_id WHERE t.code = $1 ORDER BY m.id LIMIT 1`,
			func(b, a coverage.Summary) bool {
				return a.Visits == b.Visits+1 && a.PublicityEvents == b.PublicityEvents+1
			}},
		{"a key project never visited", `INSERT INTO projects (code, name, kind, town_id, geom, cell)
SELECT 'SUM-CACHE-P', 'cache test', 'key_enterprise', t.id, ST_PointOnSurface(t.boundary), 0 FROM towns t WHERE t.code = $1`,
			func(b, a coverage.Summary) bool {
				return len(a.Checks.ProjectsWithoutVisit) == len(b.Checks.ProjectsWithoutVisit)+1
			}},
		{"a member without a contact point", `INSERT INTO members (code, name, team_id, town_id, role)
SELECT 'SUM-CACHE-M', 'cache test', tm.id, t.id, 'cadre' FROM towns t JOIN teams tm ON tm.town_id = t.id WHERE t.code = $1`,
			func(b, a coverage.Summary) bool {
				return len(a.Checks.MembersWithoutContactPoint) == len(b.Checks.MembersWithoutContactPoint)+1
			}},
	}
	for _, tc := range cases {
		for _, sc := range []lianxin.Scope{county, oneTown} {
			before, err := s.SummaryNumbers(ctx, sc, w, town, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec(ctx, url, strings.ReplaceAll(tc.sql, "SUM-CACHE", "SUM-CACHE-"+sc.User), town); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			after, err := s.SummaryNumbers(ctx, sc, w, town, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(before, after) {
				t.Errorf("scope %s, after %s: before %+v\nafter %+v\nthe cache served a stale summary", sc.User, tc.name, before, after)
			}
		}
	}
	// Projects are detail rows: the county lists the new ones, a planner of
	// another town must not get the county's cached answer.
	for _, sc := range []lianxin.Scope{county, otherTown} {
		sum, err := s.SummaryNumbers(ctx, sc, w, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		listed := slices.ContainsFunc(sum.Checks.ProjectsWithoutVisit, func(c string) bool { return strings.HasPrefix(c, "SUM-CACHE-") })
		if listed != (sc.User == county.User) {
			t.Errorf("scope %s: new projects listed = %t in %v", sc.User, listed, sum.Checks.ProjectsWithoutVisit)
		}
	}
}

// County-wide cell aggregates are cached (every hexagon tile of a role
// without household access protects them) but never served after a write
// to their inputs, nor to a caller changing its copy, nor to a scope that is
// not signed in.
func TestCountyCellAggregatesCache(t *testing.T) {
	ctx := context.Background()
	_, url, _ := demotest.New(t)
	s := openApp(t, url, store.Options{MaxConns: 2})
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
	visitsIn := func(cs []coverage.CellAggregate) (n int64) {
		for _, c := range cs {
			n += c.Visits
		}
		return n
	}
	first, err := s.CellAggregates(ctx, planner, 8, w, orb.Bound{}, "")
	if err != nil || len(first) == 0 {
		t.Fatalf("county cells: %d, %v", len(first), err)
	}
	before := visitsIn(first)
	first[0].Visits = -1000
	again, err := s.CellAggregates(ctx, planner, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := visitsIn(again); got != before {
		t.Fatalf("second answer counts %d visits, the first %d: the caller's change reached the cache", got, before)
	}
	if none, err := s.CellAggregates(ctx, lianxin.Scope{}, 8, w, orb.Bound{}, ""); err != nil || len(none) != 0 {
		t.Errorf("a scope not signed in got %d cells (%v); want none, not the cached answer", len(none), err)
	}
	if _, err := exec(ctx, url, `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT 'cells-cache', (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1), h.id, h.village_id,
       h.town_id, timestamptz '2026-06-01 10:00+08', 'household_visit' FROM households h ORDER BY h.id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	after, err := s.CellAggregates(ctx, planner, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := visitsIn(after); got != before+1 {
		t.Errorf("after one more visit the county's cells count %d visits; want %d (a stale cached answer?)", got, before+1)
	}
}
