package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/store/storetest"
)

// coverageFixture is a county small enough to compute by hand.
//
//	VA pop 9:  A1 3 residents (empty-nest, visited) , A2 2, A3 4; one village meeting (no household)
//	           → visited 3, 3*3 = 9 ≥ 9: exactly one-third, reached.
//	VB pop 10: B1 3 (visited twice), B2 5 (poor, disabled), B3 1 (visited 2026-02-15, before the
//	           window), B4 2 → visited 3, 9 < 10: one resident short; needs 1 resident = 1 household (B2).
//	VC pop 0:  C1 2 (visited) → no population, never covered.
//	One visit outside every village (no household, no village).
func coverageFixture(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	s, url := storetest.New(t)
	type hh struct {
		id, village int
		residents   int
		lon, lat    float64
		flags       string
	}
	hhs := []hh{
		{1, 1, 3, 120.01, 32.01, "empty_nest"}, {2, 1, 2, 120.011, 32.01, ""}, {3, 1, 4, 120.012, 32.01, ""},
		{4, 2, 3, 120.06, 32.01, ""}, {5, 2, 5, 120.061, 32.01, "poor,disabled"}, {6, 2, 1, 120.062, 32.01, ""}, {7, 2, 2, 120.063, 32.01, ""},
		{8, 3, 2, 120.01, 32.06, ""},
	}
	var b strings.Builder
	b.WriteString(`
INSERT INTO campaign (name, starts_on, synthetic) VALUES ('test', '2026-03-01', true);
INSERT INTO towns (id, code, name, boundary) VALUES
  (1, 'T1', '甲镇', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.1, 32.1, 4326)));
INSERT INTO villages (id, code, name, town_id, kind, boundary, resident_population, registered_households) VALUES
  (1, 'VA', '甲村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.05, 32.05, 4326)), 9, 3),
  (2, 'VB', '乙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.05, 32.0, 120.1, 32.05, 4326)), 10, 4),
  (3, 'VC', '丙村', 1, 'village', ST_Multi(ST_MakeEnvelope(120.0, 32.05, 120.05, 32.1, 4326)), 0, 1);
INSERT INTO teams (id, code, name, town_id, base) VALUES (1, 'D1', '甲队', 1, ST_SetSRID(ST_MakePoint(120.05, 32.05), 4326));
INSERT INTO members (id, code, name, team_id, town_id, role) VALUES (1, 'M1', '张三', 1, 1, 'cadre');
`)
	for _, h := range hhs {
		cell, err := geo.CellIDOf(orb.Point{h.lon, h.lat}, geo.FineResolution)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents, poor, disabled, empty_nest)
VALUES (%d, 'H%d', %d, 1, ST_SetSRID(ST_MakePoint(%f, %f), 4326), %d, %d, %t, %t, %t);
`, h.id, h.id, h.village, h.lon, h.lat, cell, h.residents,
			strings.Contains(h.flags, "poor"), strings.Contains(h.flags, "disabled"), strings.Contains(h.flags, "empty_nest"))
	}
	b.WriteString(`
INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind, problems_collected, problems_resolved) VALUES
  ('v1', 1, 1, 1, 1, '2026-03-10 10:00+08', 'household_visit', 2, 1),
  ('v2', 1, NULL, 1, 1, '2026-03-11 10:00+08', 'village_meeting', 3, 0),
  ('v3', 1, 4, 2, 1, '2026-03-12 10:00+08', 'household_visit', 0, 0),
  ('v4', 1, 4, 2, 1, '2026-04-02 10:00+08', 'household_visit', 1, 1),
  ('v5', 1, 6, 2, 1, '2026-02-15 10:00+08', 'household_visit', 0, 0),
  ('v6', 1, 8, 3, 1, '2026-03-20 10:00+08', 'household_visit', 0, 0),
  ('v7', 1, NULL, NULL, 1, '2026-03-21 10:00+08', 'enterprise_visit', 4, 0);
`)
	if _, err := exec(ctx, url, b.String()); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return s, url
}

func day(s string) time.Time {
	d, err := coverage.ParseDay("test", s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestVillageCoverageFixture(t *testing.T) {
	ctx := context.Background()
	s, _ := coverageFixture(t)
	type want struct {
		visitedHH, visitedRes, visits, collected int64
		reached                                  bool
		needed                                   int64
		last                                     string
		special                                  coverage.SpecialCounts
	}
	cases := []struct {
		name     string
		from, to string
		want     map[string]want
	}{
		{"campaign window", "2026-03-01", "2026-12-01", map[string]want{
			"VA": {1, 3, 2, 5, true, 0, "2026-03-11", coverage.SpecialCounts{}},
			"VB": {1, 3, 2, 1, false, 1, "2026-04-02", coverage.SpecialCounts{Poor: 1, Disabled: 1}},
			"VC": {1, 2, 1, 0, false, 0, "2026-03-20", coverage.SpecialCounts{}},
		}},
		{"window including the February visit", "2026-02-01", "2026-12-01", map[string]want{
			"VA": {1, 3, 2, 5, true, 0, "2026-03-11", coverage.SpecialCounts{}},
			"VB": {2, 4, 3, 1, true, 0, "2026-04-02", coverage.SpecialCounts{Poor: 1, Disabled: 1}},
			"VC": {1, 2, 1, 0, false, 0, "2026-03-20", coverage.SpecialCounts{}},
		}},
		{"window excluding the second visit to B1", "2026-03-01", "2026-04-01", map[string]want{
			"VA": {1, 3, 2, 5, true, 0, "2026-03-11", coverage.SpecialCounts{}},
			"VB": {1, 3, 1, 0, false, 1, "2026-03-12", coverage.SpecialCounts{Poor: 1, Disabled: 1}},
			"VC": {1, 2, 1, 0, false, 0, "2026-03-20", coverage.SpecialCounts{}},
		}},
		{"window with only the second visit to B1", "2026-04-01", "2026-05-01", map[string]want{
			"VA": {0, 0, 0, 0, false, 3, "", coverage.SpecialCounts{EmptyNest: 1}},
			"VB": {1, 3, 1, 1, false, 1, "2026-04-02", coverage.SpecialCounts{Poor: 1, Disabled: 1}},
			"VC": {0, 0, 0, 0, false, 0, "", coverage.SpecialCounts{}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := coverage.NewWindow(day(tc.from), day(tc.to))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{WithSizes: true})
			if err != nil {
				t.Fatalf("VillageCoverage(%v): %v", w, err)
			}
			if len(got) != 3 {
				t.Fatalf("VillageCoverage(%v): %d villages, want 3", w, len(got))
			}
			for _, v := range got {
				wt := tc.want[v.VillageCode]
				last := ""
				if v.LastVisitOn != nil {
					last = v.LastVisitOn.Format(coverage.DayLayout)
				}
				g := want{v.VisitedHouseholds, v.VisitedResidents, v.Visits, v.ProblemsCollected, v.Reached(),
					coverage.ResidentsNeeded(v.VisitedResidents, v.ResidentPopulation), last, v.SpecialUnvisited}
				if g != wt {
					t.Errorf("village %s over %v: got %+v, want %+v", v.VillageCode, w, g, wt)
				}
			}
		})
	}
}

func TestGapReportFixture(t *testing.T) {
	ctx := context.Background()
	s, _ := coverageFixture(t)
	now := func() time.Time { return day("2026-04-10") }
	r := coverage.NewReports(s, now)
	rows, w, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Query: coverage.Query{Team: "D1"}})
	if err != nil {
		t.Fatalf("Gaps: %v", err)
	}
	if w.From != day("2026-03-01") || w.To != day("2026-04-11") {
		t.Errorf("default window = %v, want [2026-03-01, 2026-04-11)", w)
	}
	// VA is reached so it is left out; VB first (need), VC (no population) last.
	var codes []string
	for _, g := range rows {
		codes = append(codes, g.VillageCode)
	}
	if strings.Join(codes, ",") != "VB,VC" {
		t.Fatalf("gap villages = %v, want [VB VC]", codes)
	}
	vb, vc := rows[0], rows[1]
	if vb.HouseholdsNeeded == nil || *vb.HouseholdsNeeded != 1 || vb.ResidentsNeeded != 1 {
		t.Errorf("VB needs %v households / %d residents, want 1 / 1", vb.HouseholdsNeeded, vb.ResidentsNeeded)
	}
	if vb.DaysSinceLastVisit == nil || *vb.DaysSinceLastVisit != 8 {
		t.Errorf("VB days since last visit = %v, want 8 (2026-04-02 → 2026-04-10)", vb.DaysSinceLastVisit)
	}
	if vb.CoverageIfVisited == nil || *vb.CoverageIfVisited != 0.8 {
		t.Errorf("VB coverage if visited = %v, want 0.8 ((3+5)/10)", vb.CoverageIfVisited)
	}
	if !vc.NoPopulation || vc.Coverage != nil || vc.Reached {
		t.Errorf("VC: no_population %v coverage %v reached %v, want true, nil, false", vc.NoPopulation, vc.Coverage, vc.Reached)
	}
	// distance: VB's point on surface to the base at (120.05, 32.05)
	if vb.DistanceKm == nil || *vb.DistanceKm <= 0 || *vb.DistanceKm > 6 {
		t.Errorf("VB distance = %v km, want within the 5 km box", vb.DistanceKm)
	}
	all, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true, Sort: "village_code"})
	if err != nil || len(all) != 3 || all[0].VillageCode != "VA" || !all[0].Reached {
		t.Errorf("Gaps(all, sort=village_code) = %d rows, err %v; want VA (reached) first of 3", len(all), err)
	}
	if _, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Query: coverage.Query{Town: "NOPE"}}); lianxin.ErrorCode(err) != lianxin.ENotFound {
		t.Errorf("Gaps(town=NOPE) error %v, want not_found", err)
	}
	if _, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Sort: "nope"}); lianxin.ErrorCode(err) != lianxin.EInvalid {
		t.Errorf("Gaps(sort=nope) error %v, want invalid", err)
	}
}

func TestCellAggregatesFixture(t *testing.T) {
	ctx := context.Background()
	s, _ := coverageFixture(t)
	w, _ := coverage.NewWindow(day("2026-03-01"), day("2026-12-01"))
	for res := coverage.MinCellResolution; res <= coverage.MaxCellResolution; res++ {
		cells, err := s.CellAggregates(ctx, lianxin.SystemScope(), res, w, orb.Bound{}, "")
		if err != nil {
			t.Fatalf("CellAggregates(res %d): %v", res, err)
		}
		var hh, res_, vhh, vres, visits, special, specialUnvisited, open int64
		for _, c := range cells {
			hh += c.Households
			res_ += c.Residents
			vhh += c.VisitedHouseholds
			vres += c.VisitedResidents
			visits += c.Visits
			special += c.SpecialHouseholds
			specialUnvisited += c.SpecialUnvisited
			open += c.OpenProblems
			if p, _ := geo.ParentCell(c.Cell, res); p != c.Cell {
				t.Errorf("res %d: cell %s is not at resolution %d", res, c.H3, res)
			}
		}
		// 8 households, 22 residents; visited in window: A1, B1, C1 (3+3+2);
		// visits with a place: v1..v4, v6 (v2 and v7 have no location and v7 no
		// household: v2 counts through nothing, so 4 located visits — v1, v3, v4, v6).
		got := []int64{hh, res_, vhh, vres, visits, special, specialUnvisited}
		want := []int64{8, 22, 3, 8, 4, 2, 1}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("res %d totals (households, residents, visited households, visited residents, visits, special, special unvisited) = %v, want %v", res, got, want)
		}
		if open != 1 {
			t.Errorf("res %d open problems = %d, want 1 (v1 collected 2 resolved 1; v4 1/1)", res, open)
		}
	}
	// A bound around VB's households keeps VB's cell and drops VA's and VC's.
	cells, err := s.CellAggregates(ctx, lianxin.SystemScope(), 10, w, orb.Bound{Min: orb.Point{120.0595, 32.0095}, Max: orb.Point{120.0635, 32.0105}}, "T1")
	if err != nil {
		t.Fatal(err)
	}
	var hh int64
	for _, c := range cells {
		hh += c.Households
	}
	if hh != 4 {
		t.Errorf("bounded res 10 around VB: %d households in %d cells, want 4", hh, len(cells))
	}
	if _, err := s.CellAggregates(ctx, lianxin.SystemScope(), 5, w, orb.Bound{}, ""); lianxin.ErrorCode(err) != lianxin.EInvalid {
		t.Errorf("res 5: error %v, want invalid", err)
	}
}

func TestMembersSummaryDiaryFixture(t *testing.T) {
	ctx := context.Background()
	s, _ := coverageFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-11-30") })
	q := coverage.Query{Team: "D1"}
	members, _, err := r.Members(ctx, lianxin.SystemScope(), q)
	if err != nil || len(members) != 1 {
		t.Fatalf("Members = %d rows, %v; want 1", len(members), err)
	}
	m := members[0]
	// v1..v4, v6, v7 in the window (v5 is in February); households H1, H4, H8.
	if m.DiaryEntries != 6 || m.HouseholdsContacted.N != 3 || m.ProblemsCollected != 10 || m.ProblemsResolved != 2 ||
		m.MeetsTarget || m.HasContact || !m.NeedsAttention || fmt.Sprint(m.WeeklyVisits[:5]) != "[0 3 2 0 1]" {
		t.Errorf("member M1 = %+v; want 6 entries, 3 households, 10/2 problems, below target, no contact point, weeks [0 3 2 0 1] (Mar 10, 11, 12 | 20, 21 | Apr 2)", m)
	}
	sum, err := r.Summary(ctx, lianxin.SystemScope(), coverage.Query{})
	if err != nil {
		t.Fatal(err)
	}
	got := []int64{sum.Visits, sum.VillagesVisited, sum.HouseholdsVisited, sum.VillagesReached, sum.VillagesNoPopulation,
		sum.EnterpriseVisits, sum.VillageMeetings, sum.OpinionsCollected, sum.ProblemsResolved, sum.Checks.SpecialUnvisited.Poor}
	want := []int64{6, 3, 3, 1, 1, 1, 1, 10, 2, 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summary (visits villages_visited households_visited reached no_population enterprise meetings opinions resolved poor_unvisited) = %v, want %v", got, want)
	}
	if fmt.Sprint(sum.Checks.MembersWithoutContactPoint) != "[M1]" || len(sum.Checks.TownsWithoutActivity) != 0 {
		t.Errorf("five coverages = %+v; want M1 without contact point, no town without activity", sum.Checks)
	}
	entries, _, err := r.DiarySample(ctx, lianxin.SystemScope(), coverage.DiaryQuery{Query: q, N: 10, Seed: 1})
	if err != nil || len(entries) != 6 {
		t.Fatalf("DiarySample = %d entries, %v; want the window's 6", len(entries), err)
	}
	again, _, _ := r.DiarySample(ctx, lianxin.SystemScope(), coverage.DiaryQuery{Query: q, N: 3, Seed: 1})
	again2, _, _ := r.DiarySample(ctx, lianxin.SystemScope(), coverage.DiaryQuery{Query: q, N: 3, Seed: 1})
	if fmt.Sprint(again) != fmt.Sprint(again2) || len(again) != 3 {
		t.Errorf("DiarySample with one seed drew %v then %v; want the same 3", again, again2)
	}
	for _, e := range entries {
		// no entry has a location or notes, and all were recorded on loading (months later)
		if f := strings.Join(e.Flags, ","); f != "no_location,no_notes,late_write_up" {
			t.Errorf("entry %s flags %q, want no_location,no_notes,late_write_up", e.VisitID, f)
		}
	}
}
