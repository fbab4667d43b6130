package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store"
)

// communityFixture is coverageFixture with two urban communities:
//
//	VD community pop 30: D1 4 residents, visited once → 3*4 = 12 < 30, below
//	   one-third, but visited: it meets the community rule.
//	VE community pop 20: E1 3 residents, never visited → in gap, no visit.
func communityFixture(t *testing.T) *store.Store {
	t.Helper()
	s, url := coverageFixture(t)
	var cells [2]int64
	for i, lon := range []float64{120.06, 120.08} {
		c, err := geo.CellIDOf(orb.Point{lon, 32.07}, geo.FineResolution)
		if err != nil {
			t.Fatal(err)
		}
		cells[i] = c
	}
	_, err := exec(context.Background(), url, fmt.Sprintf(`
INSERT INTO villages (id, code, name, town_id, kind, rural, boundary, resident_population, registered_households) VALUES
  (4, 'VD', '丁社区', 1, 'community', false, ST_Multi(ST_MakeEnvelope(120.05, 32.05, 120.075, 32.1, 4326)), 30, 8),
  (5, 'VE', '戊社区', 1, 'community', false, ST_Multi(ST_MakeEnvelope(120.075, 32.05, 120.1, 32.1, 4326)), 20, 6);
INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents) VALUES
  (9, 'H9', 4, 1, ST_SetSRID(ST_MakePoint(120.06, 32.07), 4326), %d, 4),
  (10, 'H10', 5, 1, ST_SetSRID(ST_MakePoint(120.08, 32.07), 4326), %d, 3);
INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind) VALUES
  ('v8', 1, 9, 4, 1, '2026-03-15 10:00+08', 'household_visit');
`, cells[0], cells[1]))
	if err != nil {
		t.Fatalf("community fixture: %v", err)
	}
	return s
}

// The one-third rule judges rural villages; an urban community is in gap
// only while it has no visit in the window. The gap report, the route and
// the forecast follow the one definition (VillageCoverage.GapReason).
func TestUrbanCommunitiesGapRule(t *testing.T) {
	ctx := context.Background()
	s := communityFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-04-10") })
	gaps, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true, Sort: "village_code"})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]coverage.GapRow{}
	for _, g := range gaps {
		byCode[g.VillageCode] = g
	}
	inGap, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Sort: "village_code"})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, g := range inGap {
		listed[g.VillageCode] = true
	}
	plan, err := r.Next(ctx, lianxin.SystemScope(), coverage.NextQuery{Query: coverage.Query{Team: "D1"}, N: 10})
	if err != nil {
		t.Fatal(err)
	}
	stops := map[string]bool{}
	for _, st := range plan.Stops {
		stops[st.VillageCode] = true
	}
	forecast, _, err := r.Forecast(ctx, lianxin.SystemScope(), coverage.Query{})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, f := range forecast {
		status[f.VillageCode] = f.Status
	}
	cases := []struct {
		code          string
		rural         bool
		reason        string
		needed        int64
		listed, route bool
		status        string
	}{
		{"VA", true, "", 0, false, false, "reached"},
		{"VB", true, coverage.GapBelowOneThird, 1, true, true, "not_at_this_pace"}, // nothing new in the last four weeks
		{"VC", true, coverage.GapNoPopulation, 0, true, false, "no_population"},
		{"VD", false, "", 0, false, false, "not_judged"}, // below one-third, but a visited community: not judged by it
		{"VE", false, coverage.GapNoVisit, 0, true, true, "no_visit"},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			g, ok := byCode[tc.code]
			if !ok {
				t.Fatalf("Gaps(all) has no row for %s", tc.code)
			}
			if g.Rural != tc.rural || g.GapReason != tc.reason || g.Reached != (tc.reason == "") || g.ResidentsNeeded != tc.needed {
				t.Errorf("gap row %s: rural %v gap_reason %q reached %v residents_needed %d; want %v %q %v %d",
					tc.code, g.Rural, g.GapReason, g.Reached, g.ResidentsNeeded, tc.rural, tc.reason, tc.reason == "", tc.needed)
			}
			if listed[tc.code] != tc.listed {
				t.Errorf("gap report lists %s: %v, want %v", tc.code, listed[tc.code], tc.listed)
			}
			if stops[tc.code] != tc.route {
				t.Errorf("next plan stops at %s: %v, want %v", tc.code, stops[tc.code], tc.route)
			}
			if status[tc.code] != tc.status {
				t.Errorf("forecast status of %s = %q, want %q", tc.code, status[tc.code], tc.status)
			}
		})
	}
	if ve := byCode["VE"]; ve.Priority < coverage.PriorityNeedWeight {
		t.Errorf("VE (community, no visit) priority %v, want at least the whole need's %v", ve.Priority, coverage.PriorityNeedWeight)
	}
	// The summary counts reached villages by the same rule: VA, and VD (a visited community).
	sum, err := r.Summary(ctx, lianxin.SystemScope(), coverage.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(sum.Villages, sum.VillagesReached, sum.RuralVillages, sum.RuralVillagesReached); got != "5 2 3 1" {
		t.Errorf("summary villages, reached, rural, rural reached = %s, want 5 2 3 1 (VA; VD a visited community)", got)
	}
}

// Only entries that are a contact with the household count toward its
// coverage (migration 027): a publicity event or an enterprise visit that
// names a household leaves it unvisited; an assistance delivery visits it.
// Inserting, and changing an entry's kind, both keep the aggregates right.
func TestHouseholdContactKinds(t *testing.T) {
	ctx := context.Background()
	s, url := coverageFixture(t)
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-12-01")}
	// Base (coverageFixture): household visits v1 (H1), v3, v4 (H4), v6 (H8) in
	// the window; visited households H1 (VA, 3), H4 (VB, 3), H8 (VC, 2).
	cases := []struct {
		name            string
		sql             string
		visitedVA       int64 // visited residents
		visitedVB       int64
		visitedVC       int64
		householdVisits int64
		households      int64 // summary households_visited
	}{
		{"fixture", ``, 3, 3, 2, 4, 3},
		{"publicity event naming H2", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind, participants)
VALUES ('p1', 1, 2, 1, 1, '2026-03-15 10:00+08', 'publicity_event', 40)`, 3, 3, 2, 4, 3},
		{"enterprise visit naming H5", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
VALUES ('e1', 1, 5, 2, 1, '2026-03-16 10:00+08', 'enterprise_visit')`, 3, 3, 2, 4, 3},
		{"village meeting naming H3", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
VALUES ('m1', 1, 3, 1, 1, '2026-03-16 11:00+08', 'village_meeting')`, 3, 3, 2, 4, 3},
		{"assistance delivery to H7", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
VALUES ('a1', 1, 7, 2, 1, '2026-03-17 10:00+08', 'assistance_delivery')`, 3, 5, 2, 5, 4},
		{"H8's visit changed to a publicity event", `UPDATE visits SET kind = 'publicity_event' WHERE external_id = 'v6'`, 3, 5, 0, 4, 3},
		{"the publicity event at H2 changed to a household visit", `UPDATE visits SET kind = 'household_visit' WHERE external_id = 'p1'`, 5, 5, 0, 5, 4},
	}
	for _, tc := range cases { // cumulative: each case adds to the last
		t.Run(tc.name, func(t *testing.T) {
			if tc.sql != "" {
				if _, err := exec(ctx, url, tc.sql); err != nil {
					t.Fatalf("%s: %v", tc.sql, err)
				}
			}
			vs, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, v := range vs {
				got[v.VillageCode] = v.VisitedResidents
			}
			if got["VA"] != tc.visitedVA || got["VB"] != tc.visitedVB || got["VC"] != tc.visitedVC {
				t.Errorf("visited residents VA %d VB %d VC %d, want %d %d %d", got["VA"], got["VB"], got["VC"], tc.visitedVA, tc.visitedVB, tc.visitedVC)
			}
			sum, err := s.SummaryNumbers(ctx, lianxin.SystemScope(), w, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.HouseholdVisits != tc.householdVisits || sum.HouseholdsVisited != tc.households {
				t.Errorf("summary household_visits %d households_visited %d, want %d %d", sum.HouseholdVisits, sum.HouseholdsVisited, tc.householdVisits, tc.households)
			}
		})
	}
}

// The gap rows carry households_needed_typical: residents needed over the
// village's average household size, rounded up.
func TestGapHouseholdsNeededTypical(t *testing.T) {
	ctx := context.Background()
	s := communityFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-04-10") })
	rows, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true, Sort: "village_code"})
	if err != nil {
		t.Fatal(err)
	}
	// VA 9 residents / 3 households, needs 0; VB 11 / 4 needs 1 → ceil(4/11) = 1,
	// fewest 1 (the 5); VC no population; VD, VE communities need none.
	want := map[string]string{"VA": "0 0", "VB": "1 1", "VC": "0 0", "VD": "0 0", "VE": "0 0"}
	for _, g := range rows {
		got := fmt.Sprint(orNull(g.HouseholdsNeeded), orNull(g.HouseholdsNeededTypical))
		if got != want[g.VillageCode] {
			t.Errorf("%s households_needed, households_needed_typical = %s, want %s", g.VillageCode, got, want[g.VillageCode])
		}
	}
}

func orNull(p *int64) any {
	if p == nil {
		return "null"
	}
	return *p
}

// A team leader's summary judges towns, villages and special groups over
// the county, as a planner does, and projects and members, detail rows
// row-level security shows them in their own towns only, over those towns
// (five_coverages.towns names them).
func TestSummaryFiveCoveragesOneScope(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2, CoverageCache: -1})
	townA := county.Towns[0]
	townOf := map[string]string{} // village and project code → town code
	townCode := map[int32]string{}
	for _, tw := range county.Towns {
		townCode[tw.ID] = tw.Code
	}
	for _, v := range county.Villages {
		townOf[v.Code] = townCode[v.TownID]
	}
	for _, p := range county.Projects {
		townOf[p.Code] = townCode[p.TownID]
	}
	now := func() time.Time { return day("2026-03-14") }
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-03-08")} // one week: much is still unvisited
	county1, err := coverage.NewReports(owner, now).Summary(ctx, lianxin.SystemScope(), q)
	if err != nil {
		t.Fatal(err)
	}
	outside := 0
	for _, c := range append(slices.Clone(county1.Checks.VillagesWithoutVisit), county1.Checks.ProjectsWithoutVisit...) {
		if townOf[c] != townA.Code {
			outside++
		}
	}
	if outside == 0 {
		t.Fatalf("no unvisited village or project outside town %s in the week: the check would prove nothing", townA.Code)
	}
	cases := []struct {
		name      string
		scope     lianxin.Scope
		wantTowns []string // projects and members judged over these; nil: the county
	}{
		{"town A leader", lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA.ID},
			HouseholdPoints: true, PersonalFields: true}, []string{townA.Code}},
		{"system", lianxin.SystemScope(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := coverage.NewReports(app, now).Summary(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			c := sum.Checks
			if fmt.Sprint(c.Towns) != fmt.Sprint(tc.wantTowns) || (c.Towns == nil) != (tc.wantTowns == nil) {
				t.Errorf("five_coverages.towns = %v, want %v", c.Towns, tc.wantTowns)
			}
			for _, code := range c.ProjectsWithoutVisit {
				if tc.wantTowns != nil && !slices.Contains(tc.wantTowns, townOf[code]) {
					t.Errorf("projects_without_visit lists %s of town %s, outside the judged towns %v", code, townOf[code], tc.wantTowns)
				}
			}
			// Villages over the county, as the planner sees them: the
			// system's list less the villages the caller's gap report
			// suppresses, which are other towns' (a leader reads their own
			// towns' households).
			gaps, _, err := coverage.NewReports(app, now).Gaps(ctx, tc.scope, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			suppressed := map[string]bool{}
			for _, g := range gaps {
				if g.Suppressed {
					suppressed[g.VillageCode] = true
					if tc.wantTowns != nil && slices.Contains(tc.wantTowns, townOf[g.VillageCode]) {
						t.Errorf("the gap report suppresses %s of the caller's own town %s", g.VillageCode, townOf[g.VillageCode])
					}
				}
			}
			want := slices.DeleteFunc(slices.Clone(county1.Checks.VillagesWithoutVisit), func(code string) bool { return suppressed[code] })
			if got := slices.Sorted(slices.Values(c.VillagesWithoutVisit)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
				t.Errorf("villages_without_visit = %v\nwant the system's less the %d suppressed: %v", got, len(suppressed), want)
			}
			outside := 0
			for _, code := range c.VillagesWithoutVisit {
				if townOf[code] != townA.Code {
					outside++
				}
			}
			if outside == 0 {
				t.Errorf("villages_without_visit lists no village outside town %s: %v", townA.Code, c.VillagesWithoutVisit)
			}
			if fmt.Sprint(c.TownsWithoutActivity) != fmt.Sprint(county1.Checks.TownsWithoutActivity) {
				t.Errorf("towns_without_activity = %v, want the county's %v", c.TownsWithoutActivity, county1.Checks.TownsWithoutActivity)
			}
			for _, g := range coverage.Groups {
				if !c.SpecialUnvisited.Hidden(g) && c.SpecialUnvisited.Get(g) != county1.Checks.SpecialUnvisited.Get(g) {
					t.Errorf("special_unvisited %s = %d, want the county's %d", g, c.SpecialUnvisited.Get(g), county1.Checks.SpecialUnvisited.Get(g))
				}
			}
		})
	}
}

// Snapshots answer who took them; report windows start no earlier than the
// campaign; diary-sample and members cover the same window as the gap report.
func TestReportWindowsAndSnapshotAuthor(t *testing.T) {
	ctx := context.Background()
	s := communityFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-04-09") }) // a Thursday
	leader := lianxin.Scope{User: "lead", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1}, HouseholdPoints: true}
	cases := []struct {
		name     string
		scope    lianxin.Scope
		q        coverage.Query
		from, to string
	}{
		{"default", lianxin.SystemScope(), coverage.Query{}, "2026-03-01", "2026-04-10"},
		{"from before the campaign is clamped", lianxin.SystemScope(), coverage.Query{From: day("2025-01-01"), To: day("2026-03-20")}, "2026-03-01", "2026-03-20"},
		{"leader default, whole weeks", leader, coverage.Query{}, "2026-03-01", "2026-04-12"},
		{"leader from before the campaign", leader, coverage.Query{From: day("2025-01-01")}, "2026-03-01", "2026-04-12"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := "[" + tc.from + ", " + tc.to + ")"
			_, gw, err := r.Gaps(ctx, tc.scope, coverage.GapQuery{Query: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			_, dw, err := r.DiarySample(ctx, tc.scope, coverage.DiaryQuery{Query: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			_, mw, err := r.Members(ctx, tc.scope, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := r.Summary(ctx, tc.scope, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{gw.String(), dw.String(), mw.String(), "[" + sum.From + ", " + sum.To + ")"}
			if strings.Join(got, " ") != strings.Repeat(want+" ", 3)+want {
				t.Errorf("windows of gaps, diary-sample, members, summary for %+v = %v, want %s each", tc.q, got, want)
			}
		})
	}
	snap, err := r.TakeSnapshot(ctx, lianxin.Scope{User: "planner1", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true,
		HouseholdPoints: true}, s, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if snap.CreatedBy != "planner1" {
		t.Errorf("TakeSnapshot as planner1: created_by %q, want planner1", snap.CreatedBy)
	}
}
