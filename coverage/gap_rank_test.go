package coverage_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxin/coverage"
)

// rankOf is a rank as text, "null" for none.
func rankOf(r *int) string {
	if r == nil {
		return "null"
	}
	return strconv.Itoa(*r)
}

// A rank says where a village in gap stands among those in gap: listing
// every village (all=true) puts reached villages beside them, each without
// a rank, and the villages in gap keep 1, 2, 3 … in the report's order
// whatever order is asked; a suppressed village's row (blank: not reached
// as published) is ranked as before.
func TestGapRankOnlyForVillagesInGap(t *testing.T) {
	d := func(s string) time.Time { x, _ := coverage.ParseDay("d", s); return x }
	vs := []coverage.VillageCoverage{
		{VillageCode: "A", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 10},
		{VillageCode: "B", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 0},
		{VillageCode: "C", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 30}, // 3 × 30 ≥ 90: reached
		{VillageCode: "E", TownCode: "T", Rural: false, ResidentPopulation: 50, Visits: 1},           // urban, visited: reached
		{VillageCode: "F", TownCode: "T", Rural: false, ResidentPopulation: 50},                      // urban, not visited
		{VillageCode: "G", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 60, Suppressed: true},
	}
	w := coverage.Window{From: d("2026-03-01"), To: d("2026-05-01")}
	for _, tc := range []struct {
		name string
		o    coverage.GapOptions
		want string
	}{
		{"all, by priority", coverage.GapOptions{All: true}, "B:1 F:2 A:3 C:null E:null G:4"},
		{"all, by coverage", coverage.GapOptions{All: true, Sort: "-coverage"}, "C:null A:1 B:2 E:null F:3 G:4"},
		{"in gap only", coverage.GapOptions{}, "B:1 F:2 A:3 G:4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := coverage.BuildGaps(vs, w, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.VillageCode+":"+rankOf(r.Rank))
				if r.Reached != (r.Rank == nil) {
					t.Errorf("%s: reached %v with rank %s; want a rank exactly when in gap", r.VillageCode, r.Reached, rankOf(r.Rank))
				}
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("rows %s, want %s", strings.Join(got, " "), tc.want)
			}
		})
	}
}
