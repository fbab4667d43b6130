package coverage_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin/coverage"
	"lianxin/geo"
)

func TestReached(t *testing.T) {
	cases := []struct {
		name           string
		visited, pop   int64
		reached, noPop bool
		needed         int64
	}{
		{"exactly one-third", 3, 9, true, false, 0},
		{"one resident short", 3, 10, false, false, 1},
		{"one-third of a population not divisible by three", 4, 10, true, false, 0},
		{"nobody visited", 0, 10, false, false, 4},
		{"everyone visited", 10, 10, true, false, 0},
		{"more visited than registered", 12, 10, true, false, 0},
		{"no population", 0, 0, false, true, 0},
		{"no population but visits", 5, 0, false, true, 0},
		{"large county in integers", 333_333_333_333, 1_000_000_000_000, false, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := coverage.Reached(tc.visited, tc.pop); got != tc.reached {
				t.Errorf("Reached(%d, %d) = %v, want %v", tc.visited, tc.pop, got, tc.reached)
			}
			if got := coverage.NoPopulation(tc.pop); got != tc.noPop {
				t.Errorf("NoPopulation(%d) = %v, want %v", tc.pop, got, tc.noPop)
			}
			if got := coverage.ResidentsNeeded(tc.visited, tc.pop); got != tc.needed {
				t.Errorf("ResidentsNeeded(%d, %d) = %d, want %d", tc.visited, tc.pop, got, tc.needed)
			}
			// Needing n more means visited + n reaches and visited + n - 1 does not.
			if n := coverage.ResidentsNeeded(tc.visited, tc.pop); tc.pop > 0 && n > 0 &&
				(!coverage.Reached(tc.visited+n, tc.pop) || coverage.Reached(tc.visited+n-1, tc.pop)) {
				t.Errorf("ResidentsNeeded(%d, %d) = %d is not the smallest that reaches", tc.visited, tc.pop, n)
			}
		})
	}
}

func TestShareNeverAboveOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		pop := rng.Int64N(5000)
		visited := rng.Int64N(8000)
		s, ok := coverage.Share(visited, pop)
		if ok != (pop > 0) || s < 0 || s > 1 {
			t.Fatalf("Share(%d, %d) = %v, %v; want within [0, 1], ok iff population > 0", visited, pop, s, ok)
		}
		if more, _ := coverage.Share(visited+rng.Int64N(10), pop); more < s {
			t.Fatalf("Share(%d, %d) = %v fell to %v with more visited", visited, pop, s, more)
		}
	}
}

func TestHouseholdsNeeded(t *testing.T) {
	cases := []struct {
		name                  string
		sizes                 []coverage.SizeCount
		needed                int64
		households, residents int64
		ok                    bool
	}{
		{"nothing needed", []coverage.SizeCount{{Residents: 3, Households: 2}}, 0, 0, 0, true},
		{"one large household", []coverage.SizeCount{{Residents: 1, Households: 5}, {Residents: 5, Households: 1}}, 4, 1, 5, true},
		{"largest first, any order given", []coverage.SizeCount{{Residents: 2, Households: 3}, {Residents: 4, Households: 2}}, 9, 3, 10, true},
		{"exact fit", []coverage.SizeCount{{Residents: 3, Households: 3}}, 6, 2, 6, true},
		{"not enough households", []coverage.SizeCount{{Residents: 2, Households: 2}}, 7, 2, 4, false},
		{"no households", nil, 1, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, r, ok := coverage.HouseholdsNeeded(tc.sizes, tc.needed)
			if h != tc.households || r != tc.residents || ok != tc.ok {
				t.Errorf("HouseholdsNeeded(%v, %d) = %d, %d, %v; want %d, %d, %v", tc.sizes, tc.needed, h, r, ok, tc.households, tc.residents, tc.ok)
			}
		})
	}
}

// Greedy largest-first is optimal: no subset of fewer households reaches
// the need (checked by brute force on small random villages).
func TestHouseholdsNeededIsFewest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		n := 1 + rng.IntN(9)
		sizes := make([]int64, n)
		var hist []coverage.SizeCount
		var total int64
		for i := range sizes {
			sizes[i] = 1 + rng.Int64N(6)
			total += sizes[i]
			hist = append(hist, coverage.SizeCount{Residents: sizes[i], Households: 1})
		}
		need := 1 + rng.Int64N(total)
		got, _, ok := coverage.HouseholdsNeeded(hist, need)
		best := int64(math.MaxInt64)
		for mask := 1; mask < 1<<n; mask++ {
			var sum, k int64
			for i := range n {
				if mask&(1<<i) != 0 {
					sum += sizes[i]
					k++
				}
			}
			if sum >= need && k < best {
				best = k
			}
		}
		if !ok || got != best {
			t.Fatalf("sizes %v need %d: greedy %d (ok %v), brute force %d", sizes, need, got, ok, best)
		}
	}
}

func TestPriorityOrder(t *testing.T) {
	never := (*int)(nil)
	days := func(d int) *int { return &d }
	cases := []struct {
		name string
		a, b float64
	}{
		{"more need first", coverage.Priority(0, 100, 0, days(0)), coverage.Priority(30, 100, 0, days(0))},
		{"special groups waiting first", coverage.Priority(10, 100, 8, days(5)), coverage.Priority(10, 100, 0, days(5))},
		{"never visited before visited yesterday", coverage.Priority(10, 100, 0, never), coverage.Priority(10, 100, 0, days(1))},
		{"below before reached", coverage.Priority(33, 100, 0, days(1)), coverage.Priority(34, 100, 50, never)},
	}
	for _, tc := range cases {
		if !(tc.a > tc.b) {
			t.Errorf("%s: priority %v should exceed %v", tc.name, tc.a, tc.b)
		}
	}
	if p := coverage.Priority(0, 0, 10, never); p != 0 {
		t.Errorf("no population: priority %v, want 0", p)
	}
}

func TestBuildGapsSortsAndRanks(t *testing.T) {
	d := func(s string) time.Time { x, _ := coverage.ParseDay("d", s); return x }
	last := d("2026-04-01")
	vs := []coverage.VillageCoverage{
		{VillageCode: "A", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 10, LastVisitOn: &last,
			UnvisitedSizes: []coverage.SizeCount{{Residents: 4, Households: 10}}},
		{VillageCode: "B", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 0,
			UnvisitedSizes: []coverage.SizeCount{{Residents: 3, Households: 30}}},
		{VillageCode: "C", TownCode: "T", Rural: true, ResidentPopulation: 90, VisitedResidents: 30},
		{VillageCode: "D", TownCode: "T", Rural: true, ResidentPopulation: 0},
	}
	w := coverage.Window{From: d("2026-03-01"), To: d("2026-05-01")}
	rows, err := coverage.BuildGaps(vs, w, coverage.GapOptions{Bases: map[string]orb.Point{"T": {120, 32}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.VillageCode)
	}
	if strings.Join(got, ",") != "B,A,D" {
		t.Errorf("gap order = %v, want [B A D] (C is reached)", got)
	}
	if a := rows[1]; *a.HouseholdsNeeded != 5 || a.ResidentsNeeded != 20 || *a.DaysSinceLastVisit != 29 || a.Rank == nil || *a.Rank != 2 {
		t.Errorf("A: households needed %d, residents needed %d, days since %d, rank %s; want 5, 20, 29, 2",
			*a.HouseholdsNeeded, a.ResidentsNeeded, *a.DaysSinceLastVisit, rankOf(a.Rank))
	}
	rows, err = coverage.BuildGaps(vs, w, coverage.GapOptions{All: true, Sort: "-coverage"})
	if err != nil || rows[0].VillageCode != "C" || rows[3].VillageCode != "D" {
		t.Errorf("sort=-coverage: first %s last %s err %v; want C first, D (null) last", rows[0].VillageCode, rows[3].VillageCode, err)
	}
	if _, err := coverage.BuildGaps(vs, w, coverage.GapOptions{Sort: "drop table"}); err == nil || !strings.Contains(err.Error(), "sort:") {
		t.Errorf("sort=drop table: error %v, want one naming sort", err)
	}
}

func TestRoute(t *testing.T) {
	base := orb.Point{120, 32}
	// Points on a line east of the base, given shuffled: the best tour goes
	// out along the line and back.
	stops := []orb.Point{{120.03, 32}, {120.01, 32}, {120.05, 32}, {120.02, 32}, {120.04, 32}}
	order, total := coverage.Route(base, stops)
	if len(order) != len(stops) {
		t.Fatalf("Route order %v: want every stop once", order)
	}
	want := 2 * geo.DistanceMetres(base, orb.Point{120.05, 32})
	if math.Abs(total-want) > 1 {
		t.Errorf("Route total %.1f m, want %.1f (out and back)", total, want)
	}
	// 2-opt never leaves a tour longer than nearest neighbour's, and on
	// random villages stays within the length of visiting in given order.
	rng := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		pts := make([]orb.Point, 12)
		for i := range pts {
			pts[i] = orb.Point{120 + rng.Float64()*0.3, 32 + rng.Float64()*0.3}
		}
		order, total := coverage.Route(base, pts)
		seen := map[int]bool{}
		naive, prev := 0.0, base
		for _, p := range pts {
			naive += geo.DistanceMetres(prev, p)
			prev = p
		}
		naive += geo.DistanceMetres(prev, base)
		for _, i := range order {
			seen[i] = true
		}
		if len(seen) != len(pts) || total > naive+1e-6 {
			t.Fatalf("Route: %d distinct stops of %d, total %.0f m vs given order %.0f m", len(seen), len(pts), total, naive)
		}
	}
	if order, total := coverage.Route(base, nil); order != nil || total != 0 {
		t.Errorf("Route with no stops = %v, %v", order, total)
	}
}

func TestChildRangeHoldsExactlyTheChildren(t *testing.T) {
	p := orb.Point{120.05, 32.17}
	for res := coverage.MinCellResolution; res <= coverage.MaxCellResolution; res++ {
		parent, err := geo.CellIDOf(p, res)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := coverage.ChildRange(parent, res)
		// Cells at resolution 10 around the point: inside the range iff
		// their parent is this cell.
		for dx := -30; dx <= 30; dx++ {
			for dy := -30; dy <= 30; dy++ {
				c, err := geo.CellIDOf(orb.Point{p[0] + float64(dx)*0.0007, p[1] + float64(dy)*0.0007}, 10)
				if err != nil {
					t.Fatal(err)
				}
				in := c >= lo && c <= hi
				if is := geo.ParentCellBits(c, res) == parent; in != is {
					t.Fatalf("res %d: cell %x in range %v, child %v", res, c, in, is)
				}
			}
		}
	}
}

func TestForecast(t *testing.T) {
	d := func(s string) time.Time { x, _ := coverage.ParseDay("d", s); return x }
	w := coverage.Window{From: d("2026-03-01"), To: d("2026-06-01")}
	now := []coverage.VillageCoverage{
		{VillageID: 1, VillageCode: "A", Rural: true, ResidentPopulation: 300, VisitedResidents: 72},  // +28 in 4 weeks: 1/day, needs 28
		{VillageID: 2, VillageCode: "B", Rural: true, ResidentPopulation: 300, VisitedResidents: 50},  // no progress
		{VillageID: 3, VillageCode: "C", Rural: true, ResidentPopulation: 300, VisitedResidents: 100}, // reached
		{VillageID: 4, VillageCode: "D", Rural: true},
		// Urban communities: the one-third rule does not judge them, visited
		// or not, far below one-third or above it.
		{VillageID: 5, VillageCode: "E", ResidentPopulation: 1000, VisitedResidents: 115, Visits: 9},
		{VillageID: 6, VillageCode: "F", ResidentPopulation: 300, VisitedResidents: 120, Visits: 30},
		{VillageID: 7, VillageCode: "G", ResidentPopulation: 1000},
	}
	recent := []coverage.VillageCoverage{{VillageID: 1, VisitedResidents: 44}, {VillageID: 2, VisitedResidents: 50}}
	rows := coverage.Forecast(now, recent, w)
	got := map[string]string{}
	for _, r := range rows {
		got[r.VillageCode] = r.Status
		if r.ReachesOn != nil {
			got[r.VillageCode] += " " + *r.ReachesOn
		}
	}
	want := map[string]string{"A": "on_pace 2026-06-28", "B": "not_at_this_pace", "C": "reached", "D": "no_population",
		"E": "not_judged", "F": "not_judged", "G": "no_visit"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("forecast %s = %q, want %q", k, got[k], v)
		}
	}
	for _, r := range coverage.JudgeByEnd(rows, w, d("2026-09-30")) {
		if !r.Rural && (r.OnTrack != nil || r.ResidentsPerWeekNeeded != nil) {
			t.Errorf("community %s judged against the end: on_track %v, per week %v, want both nil", r.VillageCode, r.OnTrack, r.ResidentsPerWeekNeeded)
		}
	}
}

func TestDiaryFlags(t *testing.T) {
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, coverage.Zone)
	far, near := 800.0, 20.0
	cases := []struct {
		name string
		e    coverage.DiaryEntry
		want string
	}{
		{"clean", coverage.DiaryEntry{HasLocation: true, MetresFromHousehold: &near, NotesChars: 30, OccurredAt: at, RecordedAt: at.Add(time.Hour), SameDayEntries: 1}, ""},
		{"no location", coverage.DiaryEntry{NotesChars: 3, OccurredAt: at, RecordedAt: at, SameDayEntries: 1}, "no_location"},
		{"far", coverage.DiaryEntry{HasLocation: true, MetresFromHousehold: &far, NotesChars: 3, OccurredAt: at, RecordedAt: at, SameDayEntries: 1}, "far_from_household"},
		{"everything", coverage.DiaryEntry{OccurredAt: at, RecordedAt: at.Add(8 * 24 * time.Hour), SameDayEntries: 2}, "no_location,no_notes,late_write_up,duplicate"},
		{"written a week later exactly", coverage.DiaryEntry{HasLocation: true, NotesChars: 1, OccurredAt: at, RecordedAt: at.Add(7 * 24 * time.Hour), SameDayEntries: 1}, ""},
	}
	for _, tc := range cases {
		tc.e.Check()
		if got := strings.Join(tc.e.Flags, ","); got != tc.want {
			t.Errorf("%s: flags %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	c := 0.25
	rows := []coverage.GapRow{{VillageCode: "V1", VillageName: "甲村", Coverage: &c, SpecialUnvisited: coverage.SpecialCounts{Poor: 2}}}
	var b bytes.Buffer
	if err := coverage.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	// A row without a rank (not numbered by BuildGaps) leaves the cell empty.
	if !strings.HasPrefix(s, "\xEF\xBB\xBFrank,village_code,village_name,") || !strings.Contains(s, "\n,V1,甲村,") {
		t.Errorf("CSV = %q; want BOM, header, row with the Chinese name", s)
	}
	if !strings.Contains(s, "special_unvisited.poor") || !strings.Contains(s, ",0.25,") {
		t.Errorf("CSV = %q; want flattened special_unvisited.poor and coverage 0.25", s)
	}
	g, err := coverage.GeoJSON(rows, func(r coverage.GapRow) (float64, float64) { return 120, 32 })
	var fc map[string]any
	if err != nil || json.Unmarshal(g, &fc) != nil || fc["type"] != "FeatureCollection" {
		t.Errorf("GeoJSON = %s, %v", g, err)
	}
}
