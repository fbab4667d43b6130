package coverage

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
	"lianxin/privacy"
)

// HouseholdsNeeded is the fewest unvisited households whose residents reach
// residentsNeeded: taking the largest households first is optimal, since any
// k households hold at most as many residents as the k largest. sizes is the
// village's histogram of unvisited households (any order). ok is false when
// even every unvisited household would not be enough; then households is
// all of them and residents their total.
func HouseholdsNeeded(sizes []SizeCount, residentsNeeded int64) (households, residents int64, ok bool) {
	if residentsNeeded <= 0 {
		return 0, 0, true
	}
	sorted := slices.Clone(sizes)
	slices.SortFunc(sorted, func(a, b SizeCount) int { return cmp.Compare(b.Residents, a.Residents) })
	for _, s := range sorted {
		if s.Residents <= 0 || s.Households <= 0 {
			continue
		}
		left := residentsNeeded - residents
		take := min(s.Households, (left+s.Residents-1)/s.Residents)
		households += take
		residents += take * s.Residents
		if residents >= residentsNeeded {
			return households, residents, true
		}
	}
	return households, residents, false
}

// HouseholdsNeededTypical is how many households of the village's average
// size hold residentsNeeded residents: ceil(residentsNeeded / (residents /
// households)), in integers. HouseholdsNeeded is the fewest (largest
// households first); this is what a team should expect to visit. ok is
// false when the village has no households to average.
func HouseholdsNeededTypical(residentsNeeded, residents, households int64) (n int64, ok bool) {
	if residentsNeeded <= 0 {
		return 0, true
	}
	if residents <= 0 || households <= 0 {
		return 0, false
	}
	return (residentsNeeded*households + residents - 1) / residents, true
}

// GapRow is one line of the gap report.
type GapRow struct {
	// Rank orders the villages in gap (not Reached), from 1 by the report's
	// order; null for a village that has reached its rule, which listing
	// every village (all=true) shows beside them: it is not "behind" at
	// any place.
	Rank               *int     `json:"rank"`
	VillageCode        string   `json:"village_code"`
	VillageName        string   `json:"village_name"`
	TownCode           string   `json:"town_code"`
	TownName           string   `json:"town_name"`
	Rural              bool     `json:"rural"` // false: an urban community
	ResidentPopulation int64    `json:"resident_population"`
	VisitedResidents   int64    `json:"visited_residents"`
	Coverage           *float64 `json:"coverage"` // null: no population
	// Reached: the village meets its rule (VillageCoverage.GapReason);
	// GapReason names the rule it fails, "" when reached.
	Reached         bool   `json:"reached"`
	GapReason       string `json:"gap_reason"`
	NoPopulation    bool   `json:"no_population"`
	ResidentsNeeded int64  `json:"residents_needed"` // 0 for an urban community
	// HouseholdsNeeded is the fewest households (largest first) that reach
	// one-third: a minimum. It is null when the village's recorded unvisited
	// households cannot reach one-third (its population figure exceeds what
	// the register holds).
	HouseholdsNeeded *int64 `json:"households_needed"`
	// HouseholdsNeededTypical is the households of the village's average
	// size that reach one-third (HouseholdsNeededTypical); null when the
	// village has no households to average.
	HouseholdsNeededTypical *int64        `json:"households_needed_typical"`
	SpecialUnvisited        SpecialCounts `json:"special_unvisited"`
	// SpecialWaiting sums the groups' waiting households: a household in
	// two groups counts twice. Kept for compatibility; SpecialWaitingHouseholds
	// counts each household once.
	SpecialWaiting           privacy.Count `json:"special_waiting"`
	SpecialWaitingHouseholds privacy.Count `json:"special_waiting_households"`
	Households               int64         `json:"households"`
	VisitedHouseholds        int64         `json:"visited_households"`
	Visits                   int64         `json:"visits"`
	ProblemsCollected        int64         `json:"problems_collected"`
	ProblemsResolved         int64         `json:"problems_resolved"`
	LastVisitOn              *string       `json:"last_visit_on"`
	// DaysSinceLastVisit counts from the last visit day to the report day
	// (the window's last day, or today if earlier); null: never visited.
	DaysSinceLastVisit *int     `json:"days_since_last_visit"`
	DistanceKm         *float64 `json:"distance_km"` // from the town's team base; null: no team
	Priority           float64  `json:"priority"`
	// CoverageIfVisited is the coverage the village reaches once its needed
	// households are visited.
	CoverageIfVisited *float64 `json:"coverage_if_visited"`
	Lon               float64  `json:"lon"`
	Lat               float64  `json:"lat"`
	// Suppressed: the village has 1 to 4 households and the caller's role
	// has no household access, so every figure drawn from its households
	// and visits is blank (privacy rule 2).
	Suppressed bool `json:"suppressed,omitempty"`
	// residentsIfVisited is the residents the needed households add.
	residentsAdded int64
}

// Priority weights, documented in the API: need dominates, then special
// groups waiting, then how long the village has gone without a visit.
const (
	PriorityNeedWeight    = 0.5
	PrioritySpecialWeight = 0.3
	PriorityStaleWeight   = 0.2
	// SpecialSaturation special-group households waiting give the full
	// special score; StaleSaturationDays days without a visit the full
	// staleness score (never visited counts as saturated).
	SpecialSaturation   = 10
	StaleSaturationDays = 28
	// HiddenSpecialWaiting is what a hidden special_waiting counts as in the
	// priority and in sorting, so neither reveals the hidden value; one
	// published as a bound ("≥n", n > 10) counts as n, which its shown
	// groups prove.
	HiddenSpecialWaiting = 5
)

// rankingValue is the special waiting a ranking may use: the count, or
// when it is hidden its published bound or HiddenSpecialWaiting.
func rankingValue(c privacy.Count) int64 {
	if c.Hidden {
		return max(HiddenSpecialWaiting, c.Bound())
	}
	return c.N
}

// NoVisitPriority scores an urban community with no visit in the window as
// Priority scores a rural village with nothing visited: 0.5 (the whole need
// missing) + 0.3 × min(1, special households waiting / 10) + 0.2 × the
// staleness (1 when never visited); a visited community scores 0.
func NoVisitPriority(visited bool, specialWaiting int64, daysSince *int) float64 {
	if visited {
		return 0
	}
	special := math.Min(1, float64(specialWaiting)/SpecialSaturation)
	stale := 1.0
	if daysSince != nil {
		stale = math.Min(1, float64(*daysSince)/StaleSaturationDays)
	}
	return round4(PriorityNeedWeight + PrioritySpecialWeight*special + PriorityStaleWeight*stale)
}

// Priority scores a village in 0..1: 0.5 × the share of the one-third target
// still missing + 0.3 × min(1, special households waiting / 10) + 0.2 ×
// min(1, days since last visit / 28; never visited = 1). Reached villages
// and villages with no population score 0.
func Priority(visitedResidents, population, specialWaiting int64, daysSince *int) float64 {
	if population <= 0 || Reached(visitedResidents, population) {
		return 0
	}
	target := float64(population) / 3
	need := math.Max(0, math.Min(1, 1-float64(visitedResidents)/target))
	special := math.Min(1, float64(specialWaiting)/SpecialSaturation)
	stale := 1.0
	if daysSince != nil {
		stale = math.Min(1, float64(*daysSince)/StaleSaturationDays)
	}
	return round4(PriorityNeedWeight*need + PrioritySpecialWeight*special + PriorityStaleWeight*stale)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// GapOptions say how to build the report.
type GapOptions struct {
	All   bool                 // every village, not only those below one-third
	Bases map[string]orb.Point // team base per town code
	// Today is the report day's upper bound; days since the last visit count
	// to min(window's last day, Today).
	Today time.Time
	Sort  string // "" (priority) or a column, "-" prefix for descending
}

// BuildGaps turns village coverage (with UnvisitedSizes) into gap rows:
// the villages in gap (VillageCoverage.GapReason: rural villages below
// one-third or with no population, urban communities with no visit) unless
// All, sorted by priority or o.Sort, ranked from 1.
func BuildGaps(villages []VillageCoverage, w Window, o GapOptions) ([]GapRow, error) {
	less, err := gapOrder(o.Sort)
	if err != nil {
		return nil, err
	}
	ref := w.LastDay()
	if !o.Today.IsZero() && Day(o.Today).Before(ref) {
		ref = Day(o.Today)
	}
	rows := make([]GapRow, 0, len(villages))
	for _, v := range villages {
		reason := v.GapReason()
		reached := reason == ""
		// A suppressed village is always listed: leaving it out once
		// reached would say it reached its rule (its row is blank).
		if reached && !o.All && !v.Suppressed {
			continue
		}
		r := GapRow{
			VillageCode: v.VillageCode, VillageName: v.VillageName, TownCode: v.TownCode, TownName: v.TownName,
			Rural: v.Rural, ResidentPopulation: v.ResidentPopulation, VisitedResidents: v.VisitedResidents,
			Coverage: v.Coverage(), Reached: reached, GapReason: reason, NoPopulation: NoPopulation(v.ResidentPopulation),
			ResidentsNeeded:  v.ResidentsNeeded(),
			SpecialUnvisited: v.SpecialUnvisited, SpecialWaiting: v.SpecialWaiting(),
			SpecialWaitingHouseholds: v.SpecialWaitingHouseholds(),
			Households:               v.Households, VisitedHouseholds: v.VisitedHouseholds, Visits: v.Visits,
			ProblemsCollected: v.ProblemsCollected, ProblemsResolved: v.ProblemsResolved,
			Lon: v.Centre[0], Lat: v.Centre[1],
		}
		n, added, ok := HouseholdsNeeded(v.UnvisitedSizes, r.ResidentsNeeded)
		if ok {
			r.HouseholdsNeeded = &n
		}
		r.residentsAdded = added
		typical, ok := HouseholdsNeededTypical(r.ResidentsNeeded, v.Residents, v.Households)
		if !ok { // no household recorded: the official figures' average
			typical, ok = HouseholdsNeededTypical(r.ResidentsNeeded, v.ResidentPopulation, v.RegisteredHouseholds)
		}
		if ok {
			r.HouseholdsNeededTypical = &typical
		}
		if s, ok := Share(v.VisitedResidents+added, v.ResidentPopulation); ok {
			s = round4(s)
			r.CoverageIfVisited = &s
		}
		if r.Coverage != nil {
			c := round4(*r.Coverage)
			r.Coverage = &c
		}
		if v.LastVisitOn != nil {
			s := v.LastVisitOn.Format(DayLayout)
			r.LastVisitOn = &s
			d := max(0, int(math.Round(ref.Sub(Day(*v.LastVisitOn)).Hours()/24)))
			r.DaysSinceLastVisit = &d
		}
		if base, ok := o.Bases[v.TownCode]; ok {
			km := math.Round(geo.DistanceMetres(base, v.Centre)/10) / 100
			r.DistanceKm = &km
		}
		if v.Rural {
			r.Priority = Priority(r.VisitedResidents, r.ResidentPopulation, rankingValue(r.SpecialWaiting), r.DaysSinceLastVisit)
		} else {
			r.Priority = NoVisitPriority(reached, rankingValue(r.SpecialWaiting), r.DaysSinceLastVisit)
		}
		if v.Suppressed {
			r = blankGap(r)
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, less)
	rankGaps(rows)
	return rows, nil
}

// rankGaps numbers the rows in gap from 1 in their order (GapRow.Rank),
// leaving the reached ones without a rank.
func rankGaps(rows []GapRow) {
	n := 0
	for i := range rows {
		rows[i].Rank = nil
		if !rows[i].Reached {
			n++
			rank := n
			rows[i].Rank = &rank
		}
	}
}

// blankGap empties every figure of a suppressed village's row, keeping what
// is public context: the village, its town, its official population and
// its place.
func blankGap(r GapRow) GapRow {
	sp := SpecialCounts{}
	sp.hidden = 0x3f
	return GapRow{VillageCode: r.VillageCode, VillageName: r.VillageName, TownCode: r.TownCode, TownName: r.TownName,
		Rural: r.Rural, ResidentPopulation: r.ResidentPopulation, NoPopulation: r.NoPopulation, SpecialUnvisited: sp,
		SpecialWaiting: privacy.Withhold(0, 0), SpecialWaitingHouseholds: privacy.Withhold(0, 0),
		DistanceKm: r.DistanceKm, Lon: r.Lon, Lat: r.Lat, Suppressed: true}
}

// GapColumns are the columns sort= accepts.
var GapColumns = []string{"priority", "village_code", "village_name", "town_code", "resident_population",
	"visited_residents", "coverage", "residents_needed", "households_needed", "households_needed_typical", "special_waiting",
	"days_since_last_visit", "distance_km", "visits"}

// nullSorts reports whether r's value in col is null.
func nullSorts(col string, r GapRow) bool {
	switch col {
	case "coverage":
		return r.Coverage == nil
	case "households_needed":
		return r.HouseholdsNeeded == nil
	case "households_needed_typical":
		return r.HouseholdsNeededTypical == nil
	case "days_since_last_visit":
		return r.DaysSinceLastVisit == nil
	case "distance_km":
		return r.DistanceKm == nil
	}
	return false
}

func cmpPtr[T cmp.Ordered](a, b *T) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1 // nulls last
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}

// gapOrder returns the comparator for sort: the documented priority order
// (priority descending, then residents needed descending, then village code)
// by default, else the column ascending ("-column" descending), ties broken
// by village code.
func gapOrder(sort string) (func(a, b GapRow) int, error) {
	desc := strings.HasPrefix(sort, "-")
	col := strings.TrimPrefix(sort, "-")
	if col == "" || col == "priority" {
		return func(a, b GapRow) int {
			c := cmp.Compare(b.Priority, a.Priority)
			if col == "priority" && !desc && sort != "" {
				c = -c
			}
			return cmp.Or(c, cmp.Compare(b.ResidentsNeeded, a.ResidentsNeeded), cmp.Compare(a.VillageCode, b.VillageCode))
		}, nil
	}
	var by func(a, b GapRow) int
	switch col {
	case "village_code":
		by = func(a, b GapRow) int { return cmp.Compare(a.VillageCode, b.VillageCode) }
	case "village_name":
		by = func(a, b GapRow) int { return cmp.Compare(a.VillageName, b.VillageName) }
	case "town_code":
		by = func(a, b GapRow) int { return cmp.Compare(a.TownCode, b.TownCode) }
	case "resident_population":
		by = func(a, b GapRow) int { return cmp.Compare(a.ResidentPopulation, b.ResidentPopulation) }
	case "visited_residents":
		by = func(a, b GapRow) int { return cmp.Compare(a.VisitedResidents, b.VisitedResidents) }
	case "coverage":
		by = func(a, b GapRow) int { return cmpPtr(a.Coverage, b.Coverage) }
	case "residents_needed":
		by = func(a, b GapRow) int { return cmp.Compare(a.ResidentsNeeded, b.ResidentsNeeded) }
	case "households_needed":
		by = func(a, b GapRow) int { return cmpPtr(a.HouseholdsNeeded, b.HouseholdsNeeded) }
	case "households_needed_typical":
		by = func(a, b GapRow) int { return cmpPtr(a.HouseholdsNeededTypical, b.HouseholdsNeededTypical) }
	case "special_waiting":
		by = func(a, b GapRow) int {
			return cmp.Compare(rankingValue(a.SpecialWaiting), rankingValue(b.SpecialWaiting))
		}
	case "days_since_last_visit":
		by = func(a, b GapRow) int { return cmpPtr(a.DaysSinceLastVisit, b.DaysSinceLastVisit) }
	case "distance_km":
		by = func(a, b GapRow) int { return cmpPtr(a.DistanceKm, b.DistanceKm) }
	case "visits":
		by = func(a, b GapRow) int { return cmp.Compare(a.Visits, b.Visits) }
	default:
		return nil, refuse(lianxin.EInvalid, "sort", ReportReasonBadSort, map[string]any{"value": sort, "allowed": GapColumns},
			"sort: %q is not a column (one of %s, optionally prefixed with -)", sort, strings.Join(GapColumns, ", "))
	}
	return func(a, b GapRow) int {
		c := by(a, b)
		// nulls (no population, never visited, no team) stay last either way
		if desc && !nullSorts(col, a) && !nullSorts(col, b) {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.VillageCode, b.VillageCode))
	}, nil
}
