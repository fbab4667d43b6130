package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// SummaryNumbers leaves the entries of the villages it is given out of
// every diary total (migration 019), through the server's role, and its
// cache keys the answer by them: the same scope and window with and without
// villages left out are two answers, and the same villages in another order
// or repeated are one.
func TestSummaryNumbersLeaveOut(t *testing.T) {
	ctx := context.Background()
	s, w, planner, vs := newLeaveOutCounty(t)
	// The two villages with the most visits, of different towns.
	var a, b coverage.VillageCoverage
	for _, v := range vs {
		switch {
		case v.Visits > a.Visits:
			if a.TownCode != v.TownCode {
				b = a
			}
			a = v
		case v.Visits > b.Visits && v.TownCode != a.TownCode:
			b = v
		}
	}
	if a.Visits == 0 || b.Visits == 0 {
		t.Fatalf("set-up: villages %s (%d visits) and %s (%d): want two with visits", a.VillageCode, a.Visits, b.VillageCode, b.Visits)
	}
	sum := func(town string, leaveOut []int32) coverage.Summary {
		t.Helper()
		got, err := s.SummaryNumbers(ctx, planner, w, town, leaveOut)
		if err != nil {
			t.Fatalf("SummaryNumbers(%q, leave out %v): %v", town, leaveOut, err)
		}
		return got
	}
	all := sum("", nil)
	for _, tc := range []struct {
		name     string
		town     string
		leaveOut []int32
		out      []coverage.VillageCoverage // the villages whose entries must be gone
	}{
		{"county, nothing", "", nil, nil},
		{"county, one village", "", []int32{a.VillageID}, []coverage.VillageCoverage{a}},
		{"county, two villages", "", []int32{b.VillageID, a.VillageID}, []coverage.VillageCoverage{a, b}},
		{"county, the same two again, reordered and repeated", "", []int32{a.VillageID, b.VillageID, a.VillageID}, []coverage.VillageCoverage{a, b}},
		{"county, nothing again (cached)", "", []int32{}, nil},
		{"town, its village", a.TownCode, []int32{a.VillageID}, []coverage.VillageCoverage{a}},
		{"town, another town's village", a.TownCode, []int32{b.VillageID}, nil},
		{"town, nothing", a.TownCode, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := all
			if tc.town != "" {
				base = sum(tc.town, nil)
			}
			want := [3]int64{base.Visits, base.OpinionsCollected, base.ProblemsResolved}
			for _, v := range tc.out {
				want[0] -= v.Visits
				want[1] -= v.ProblemsCollected
				want[2] -= v.ProblemsResolved
			}
			got := sum(tc.town, tc.leaveOut)
			if g := [3]int64{got.Visits, got.OpinionsCollected, got.ProblemsResolved}; g != want {
				t.Errorf("SummaryNumbers(%q, leave out %v): visits, problems collected, resolved %v; want %v", tc.town, tc.leaveOut, g, want)
			}
			if len(tc.out) > 0 && got.HouseholdVisits >= base.HouseholdVisits {
				t.Errorf("SummaryNumbers(%q, leave out %v): household visits %d, want fewer than %d", tc.town, tc.leaveOut, got.HouseholdVisits, base.HouseholdVisits)
			}
		})
	}
}

// CountyCells leaves the households and entries of the villages it is given
// out of every cell (migration 023), through the server's role: over the
// county's cells, households and visited households drop by exactly those
// villages' figures and visits by at most theirs (entries without a
// location are in no cell); with nothing left out it is CellAggregates. The
// cache keys the answer by the villages: asked again without them, the
// cells are whole again.
func TestCountyCellsLeaveOut(t *testing.T) {
	ctx := context.Background()
	s, w, planner, vs := newLeaveOutCounty(t)
	var leaveOut []int32
	var households, visited, visits int64
	for _, v := range vs[:3] {
		leaveOut = append(leaveOut, v.VillageID)
		households, visited, visits = households+v.Households, visited+v.VisitedHouseholds, visits+v.Visits
	}
	if households == 0 || visits == 0 {
		t.Fatalf("set-up: villages %v have %d households and %d visits: nothing to leave out", leaveOut, households, visits)
	}
	totals := func(cs []coverage.CellAggregate) (h, vh, n int64) {
		for _, c := range cs {
			h, vh, n = h+c.Households, vh+c.VisitedHouseholds, n+c.Visits
		}
		return h, vh, n
	}
	for _, res := range []int{6, 8} {
		whole, err := s.CountyCells(ctx, planner, res, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		exact, err := s.CellAggregates(ctx, lianxin.SystemScope(), res, w, orb.Bound{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(whole, exact) {
			t.Errorf("res %d: CountyCells with nothing left out differs from CellAggregates over the county", res)
		}
		less, err := s.CountyCells(ctx, planner, res, w, []int32{leaveOut[2], leaveOut[0], leaveOut[1]})
		if err != nil {
			t.Fatal(err)
		}
		h0, vh0, n0 := totals(whole)
		h1, vh1, n1 := totals(less)
		if h0-h1 != households || vh0-vh1 != visited || n0-n1 > visits || n0-n1 <= 0 {
			t.Errorf("res %d leaving out villages %v: households %d → %d, visited %d → %d, visits %d → %d; want %d, %d fewer and up to %d fewer",
				res, leaveOut, h0, h1, vh0, vh1, n0, n1, households, visited, visits)
		}
		again, err := s.CountyCells(ctx, planner, res, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again, whole) {
			t.Errorf("res %d: the county's cells asked again with nothing left out are not whole (the cache mixed the answers)", res)
		}
	}
}

// newLeaveOutCounty opens a demo county as the server's role and answers
// the campaign's window to 2026-09-27, a county planner and the villages'
// coverage as the planner sees it over that window: the leave-out tests
// pick the villages to leave out from it.
func newLeaveOutCounty(t *testing.T) (*store.Store, coverage.Window, lianxin.Scope, []coverage.VillageCoverage) {
	t.Helper()
	_, url, _ := demotest.New(t)
	s := openApp(t, url, store.Options{MaxConns: 2})
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	vs, err := s.VillageCoverage(context.Background(), planner, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return s, w, planner, vs
}
