package store_test

import (
	"context"
	"testing"

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
	_, url, _ := demotest.New(t)
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2, Role: store.AppRole})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	vs, err := s.VillageCoverage(ctx, planner, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
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
