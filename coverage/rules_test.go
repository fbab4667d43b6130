package coverage_test

import (
	"testing"
	"time"

	"lianxin/coverage"
)

// The one definition of "in gap": rural villages by the one-third rule,
// urban communities by whether they had a visit in the window.
func TestGapReason(t *testing.T) {
	cases := []struct {
		name                    string
		rural                   bool
		visited, pop, visits    int64
		reason                  string
		reached                 bool
		residentsNeeded, needed int64
	}{
		{"rural exactly one-third", true, 3, 9, 1, "", true, 0, 0},
		{"rural one resident short", true, 3, 10, 2, coverage.GapBelowOneThird, false, 1, 1},
		{"rural never visited", true, 0, 9, 0, coverage.GapBelowOneThird, false, 3, 3},
		{"rural no population", true, 2, 0, 1, coverage.GapNoPopulation, false, 0, 0},
		{"community visited, below one-third", false, 1, 30, 1, "", true, 0, 0},
		{"community visited by a meeting only", false, 0, 30, 1, "", true, 0, 0},
		{"community never visited", false, 0, 30, 0, coverage.GapNoVisit, false, 0, 0},
		{"community no population, never visited", false, 0, 0, 0, coverage.GapNoVisit, false, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := coverage.VillageCoverage{Rural: tc.rural, VisitedResidents: tc.visited, ResidentPopulation: tc.pop, Visits: tc.visits}
			if got := v.GapReason(); got != tc.reason {
				t.Errorf("GapReason(%+v) = %q, want %q", tc, got, tc.reason)
			}
			if got := v.Reached(); got != tc.reached {
				t.Errorf("Reached(%+v) = %v, want %v", tc, got, tc.reached)
			}
			if got := v.ResidentsNeeded(); got != tc.residentsNeeded {
				t.Errorf("ResidentsNeeded(%+v) = %d, want %d", tc, got, tc.residentsNeeded)
			}
		})
	}
}

func TestHouseholdsNeededTypical(t *testing.T) {
	cases := []struct {
		name                          string
		needed, residents, households int64
		want                          int64
		ok                            bool
	}{
		{"nothing needed", 0, 10, 4, 0, true},
		{"average 2.75, needs 10 → 3.64 → 4", 10, 11, 4, 4, true},
		{"average exactly 3, needs 9", 9, 30, 10, 3, true},
		{"average 3, needs 10 → 4", 10, 30, 10, 4, true},
		{"no households to average", 5, 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := coverage.HouseholdsNeededTypical(tc.needed, tc.residents, tc.households)
			if got != tc.want || ok != tc.ok {
				t.Errorf("HouseholdsNeededTypical(%d, %d, %d) = %d, %v; want %d, %v", tc.needed, tc.residents, tc.households, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestResolveWindow(t *testing.T) {
	start, now := day("2026-03-01"), day("2026-04-09")
	cases := []struct {
		name, from, to string
		want           string
	}{
		{"default", "", "", "[2026-03-01, 2026-04-10)"},
		{"from before the campaign is clamped", "2025-01-01", "", "[2026-03-01, 2026-04-10)"},
		{"from inside", "2026-03-08", "2026-03-15", "[2026-03-08, 2026-03-15)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var from, to time.Time
			if tc.from != "" {
				from = day(tc.from)
			}
			if tc.to != "" {
				to = day(tc.to)
			}
			w, err := coverage.ResolveWindow(start, now, from, to)
			if err != nil || w.String() != tc.want {
				t.Errorf("ResolveWindow(from %q, to %q) = %v, %v; want %s", tc.from, tc.to, w, err, tc.want)
			}
		})
	}
	if _, err := coverage.ResolveWindow(start, now, time.Time{}, day("2025-06-01")); err == nil {
		t.Errorf("ResolveWindow(to before the campaign) = nil error, want from must be before to")
	}
}

// A suppressed village is listed whether or not it meets its rule: leaving
// it out once reached would say so.
func TestBuildGapsListsSuppressedVillages(t *testing.T) {
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-05-01")}
	cases := []struct {
		name       string
		v          coverage.VillageCoverage
		wantListed bool
	}{
		{"reached, shown", coverage.VillageCoverage{VillageCode: "A", Rural: true, ResidentPopulation: 9, VisitedResidents: 3}, false},
		{"reached, suppressed", coverage.VillageCoverage{VillageCode: "B", Rural: true, ResidentPopulation: 9, VisitedResidents: 3, Suppressed: true}, true},
		{"community visited, suppressed", coverage.VillageCoverage{VillageCode: "C", ResidentPopulation: 9, Visits: 1, Suppressed: true}, true},
		{"below, shown", coverage.VillageCoverage{VillageCode: "D", Rural: true, ResidentPopulation: 9, VisitedResidents: 2}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := coverage.BuildGaps([]coverage.VillageCoverage{tc.v}, w, coverage.GapOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if listed := len(rows) == 1; listed != tc.wantListed {
				t.Fatalf("BuildGaps(%+v) lists it: %v, want %v", tc.v, listed, tc.wantListed)
			}
			if tc.v.Suppressed && (rows[0].Reached || rows[0].GapReason != "" || !rows[0].Suppressed) {
				t.Errorf("suppressed row %+v: want reached false, gap_reason blank, suppressed", rows[0])
			}
		})
	}
}
