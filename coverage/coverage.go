package coverage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/privacy"
)

// Zone is campaign time: the county keeps China Standard Time (UTC+8).
var Zone = time.FixedZone("UTC+8", 8*60*60)

// DayLayout is how days are written in URLs, flags and JSON.
const DayLayout = "2006-01-02"

// Reached is the campaign's one-third rule: visits must reach at least a
// third of a village's resident population. It compares integers, so exactly
// one-third is reached and one resident short is not. A village with no
// population is never reached: report it with NoPopulation instead.
func Reached(visitedResidents, residentPopulation int64) bool {
	if residentPopulation <= 0 {
		return false
	}
	return 3*visitedResidents >= residentPopulation
}

// NoPopulation reports a village whose resident population is zero: its
// coverage is undefined, shown as "no population", never as covered.
func NoPopulation(residentPopulation int64) bool { return residentPopulation <= 0 }

// ResidentsNeeded is how many more residents must be visited to reach
// one-third: the smallest n with 3*(visited+n) >= population; 0 once reached
// or when the village has no population.
func ResidentsNeeded(visitedResidents, residentPopulation int64) int64 {
	if residentPopulation <= 0 {
		return 0
	}
	target := (residentPopulation + 2) / 3 // ceil(population / 3)
	return max(0, target-visitedResidents)
}

// Share is visited residents over the resident population, capped at 1 (a
// village's registered population can lag behind the households found in
// it), and 0 with ok false when there is no population.
func Share(visitedResidents, residentPopulation int64) (share float64, ok bool) {
	if residentPopulation <= 0 {
		return 0, false
	}
	return min(1, float64(visitedResidents)/float64(residentPopulation)), true
}

// Window is a range of whole campaign days, [From, To): From is the first
// day's midnight and To the midnight after the last day, both in Zone.
type Window struct {
	From time.Time
	To   time.Time
}

// Day returns midnight of t's calendar day in campaign time.
func Day(t time.Time) time.Time {
	t = t.In(Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)
}

// ParseDay reads a YYYY-MM-DD day; param names the parameter in the error.
func ParseDay(param, s string) (time.Time, error) {
	d, err := time.ParseInLocation(DayLayout, s, Zone)
	if err != nil {
		return time.Time{}, refuse(lianxin.EInvalid, param, ReportReasonBadDay, map[string]any{"value": s},
			"%s: %q is not a day (want YYYY-MM-DD)", param, s)
	}
	return d, nil
}

// NewWindow checks a window: from before to, both whole days.
func NewWindow(from, to time.Time) (Window, error) {
	w := Window{From: Day(from), To: Day(to)}
	if !w.From.Before(w.To) {
		from, to := w.From.Format(DayLayout), w.To.Format(DayLayout)
		return Window{}, refuse(lianxin.EInvalid, "from", ReportReasonWindowOrder, map[string]any{"from": from, "to": to},
			"from (%s) must be before to (%s)", from, to)
	}
	return w, nil
}

// DefaultWindow is the campaign from its start until the end of today.
func DefaultWindow(startsOn, now time.Time) Window {
	return Window{From: Day(startsOn), To: Day(now).AddDate(0, 0, 1)}
}

// ResolveWindow is the one way a report's window is read from its from and
// to (zero: the default, DefaultWindow): a from before the campaign's first
// day is clamped to that day (nothing happened before it, and whole weeks
// are counted from it), then the window is checked (NewWindow).
func ResolveWindow(startsOn, now, from, to time.Time) (Window, error) {
	w := DefaultWindow(startsOn, now)
	if !from.IsZero() && Day(from).After(w.From) {
		w.From = Day(from)
	}
	if !to.IsZero() {
		w.To = Day(to)
	}
	return NewWindow(w.From, w.To)
}

// Days is the number of days in the window.
func (w Window) Days() int { return int(w.To.Sub(w.From).Hours()+0.5) / 24 }

// LastDay is the window's last day (To minus one day).
func (w Window) LastDay() time.Time { return w.To.AddDate(0, 0, -1) }

func (w Window) String() string {
	return fmt.Sprintf("[%s, %s)", w.From.Format(DayLayout), w.To.Format(DayLayout))
}

// Group is one of the special groups the "five full coverages" name.
type Group string

const (
	Poor                Group = "poor"
	SeriouslyIll        Group = "seriously_ill"
	Disabled            Group = "disabled"
	EmptyNest           Group = "empty_nest"
	LeftBehindChildren  Group = "left_behind_children"
	CommunityCorrection Group = "community_correction"
)

// Groups lists the special groups in report order; bit i of a household's
// flags (SQL special_flags) is Groups[i].
var Groups = []Group{Poor, SeriouslyIll, Disabled, EmptyNest, LeftBehindChildren, CommunityCorrection}

// ParseGroup checks a group name of the special-households list: a
// special group, or Petition.
func ParseGroup(s string) (Group, error) {
	for _, g := range Groups {
		if string(g) == s {
			return g, nil
		}
	}
	if s == string(Petition) {
		return Petition, nil
	}
	allowed := []string{"poor", "seriously_ill", "disabled", "empty_nest", "left_behind_children", "community_correction", "petition"}
	return "", refuse(lianxin.EInvalid, "group", ReportReasonBadGroup, map[string]any{"value": s, "allowed": allowed},
		"group: %q is not one of %s", s, strings.Join(allowed, ", "))
}

// SpecialCounts counts households per special group. A household in two
// groups counts in both.
type SpecialCounts struct {
	Poor                int64 `json:"poor"`
	SeriouslyIll        int64 `json:"seriously_ill"`
	Disabled            int64 `json:"disabled"`
	EmptyNest           int64 `json:"empty_nest"`
	LeftBehindChildren  int64 `json:"left_behind_children"`
	CommunityCorrection int64 `json:"community_correction"`
	// hidden has bit i set when Groups[i]'s count is hidden (privacy rules
	// 3 and 4); figures the store computes never have it.
	hidden uint8
	// atLeast[i] is, for a town's or the county's counts (PublishVillages),
	// the sum of Groups[i]'s village counts shown beneath: a hidden count
	// reads "≥" it once it passes 10, else "hidden" (privacy.Count).
	atLeast [6]int64
}

// Hide marks group g's count as hidden.
func (s *SpecialCounts) Hide(g Group) { s.hidden |= 1 << groupIndex(g) }

// Hidden reports whether group g's count is hidden.
func (s SpecialCounts) Hidden(g Group) bool { return s.hidden&(1<<groupIndex(g)) != 0 }

// AnyHidden reports whether any group's count is hidden.
func (s SpecialCounts) AnyHidden() bool { return s.hidden != 0 }

func groupIndex(g Group) int {
	for i, x := range Groups {
		if x == g {
			return i
		}
	}
	return 7
}

// Published returns group g's count as it may be shown.
// A hidden count reads "hidden" (or "≥n" for a town's or the county's),
// whether it is small or hidden to protect another.
func (s SpecialCounts) Published(g Group) privacy.Count {
	if s.Hidden(g) {
		return privacy.Withhold(s.Get(g), s.atLeast[groupIndex(g)])
	}
	return privacy.Shown(s.Get(g))
}

// MarshalJSON writes each group's count, its label where hidden.
func (s SpecialCounts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, g := range Groups {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, g...)
		b = append(b, '"', ':')
		v, _ := s.Published(g).MarshalJSON()
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *SpecialCounts) UnmarshalJSON(b []byte) error {
	var m map[string]privacy.Count
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*s = SpecialCounts{}
	for _, g := range Groups {
		c := m[string(g)]
		s.AddGroup(g, c.N)
		if c.Hidden {
			s.Hide(g)
			s.atLeast[groupIndex(g)] = c.AtLeast
		}
	}
	return nil
}

// AddGroup adds n to group g's count.
func (s *SpecialCounts) AddGroup(g Group, n int64) { s.AddFlags(1<<groupIndex(g), n) }

// Get returns the count of group g.
func (s SpecialCounts) Get(g Group) int64 {
	switch g {
	case Poor:
		return s.Poor
	case SeriouslyIll:
		return s.SeriouslyIll
	case Disabled:
		return s.Disabled
	case EmptyNest:
		return s.EmptyNest
	case LeftBehindChildren:
		return s.LeftBehindChildren
	case CommunityCorrection:
		return s.CommunityCorrection
	}
	return 0
}

// Total is the sum over groups (a household in two groups counts twice).
func (s SpecialCounts) Total() int64 {
	return s.Poor + s.SeriouslyIll + s.Disabled + s.EmptyNest + s.LeftBehindChildren + s.CommunityCorrection
}

// Minus returns s - o per group.
func (s SpecialCounts) Minus(o SpecialCounts) SpecialCounts {
	return SpecialCounts{
		Poor: s.Poor - o.Poor, SeriouslyIll: s.SeriouslyIll - o.SeriouslyIll, Disabled: s.Disabled - o.Disabled,
		EmptyNest: s.EmptyNest - o.EmptyNest, LeftBehindChildren: s.LeftBehindChildren - o.LeftBehindChildren,
		CommunityCorrection: s.CommunityCorrection - o.CommunityCorrection,
	}
}

// Plus returns s + o per group.
func (s SpecialCounts) Plus(o SpecialCounts) SpecialCounts {
	return s.Minus(SpecialCounts{}.Minus(o))
}

// AddFlags adds n households whose special_flags bits are flags.
func (s *SpecialCounts) AddFlags(flags int, n int64) {
	if flags&1 != 0 {
		s.Poor += n
	}
	if flags&2 != 0 {
		s.SeriouslyIll += n
	}
	if flags&4 != 0 {
		s.Disabled += n
	}
	if flags&8 != 0 {
		s.EmptyNest += n
	}
	if flags&16 != 0 {
		s.LeftBehindChildren += n
	}
	if flags&32 != 0 {
		s.CommunityCorrection += n
	}
}

// SizeCount is a bin of a household-size histogram: Households households of
// Residents residents each.
type SizeCount struct {
	Residents  int64 `json:"residents"`
	Households int64 `json:"households"`
}

// VillageCoverage is one village's coverage over a window.
type VillageCoverage struct {
	VillageID   int32  `json:"village_id"`
	VillageCode string `json:"village_code"`
	VillageName string `json:"village_name"`
	VillageKind string `json:"village_kind"` // village | community
	TownID      int32  `json:"town_id"`
	TownCode    string `json:"town_code"`
	TownName    string `json:"town_name"`
	Rural       bool   `json:"rural"`
	// PetitionCase: the village has a standing petition case (信访).
	PetitionCase bool `json:"petition_case"`
	// ResidentPopulation (常住人口) and RegisteredHouseholds are the village's
	// official figures; Households and Residents count the households recorded
	// in the database.
	ResidentPopulation   int64 `json:"resident_population"`
	RegisteredHouseholds int64 `json:"registered_households"`
	Households           int64 `json:"households"`
	Residents            int64 `json:"residents"`
	// Visited*: households with at least one diary entry in the window, and
	// their residents.
	VisitedHouseholds int64 `json:"visited_households"`
	VisitedResidents  int64 `json:"visited_residents"`
	// Visits are diary entries in the window whose village (the entry's own,
	// else its household's) is this one, of any kind.
	Visits            int64 `json:"visits"`
	ProblemsCollected int64 `json:"problems_collected"`
	ProblemsResolved  int64 `json:"problems_resolved"`
	// SpecialHouseholds counts the village's households per special group;
	// SpecialUnvisited those with no visit in the window.
	SpecialHouseholds SpecialCounts `json:"special_households"`
	SpecialUnvisited  SpecialCounts `json:"special_unvisited"`
	// SpecialDistinct counts the village's households in at least one
	// special group, each once; SpecialDistinctUnvisited those of them with
	// no visit in the window. The group counts above add a household once
	// per group it is in.
	SpecialDistinct          int64 `json:"special_households_distinct"`
	SpecialDistinctUnvisited int64 `json:"special_waiting_households"`
	// LastVisitOn is the last day in the window with a visit, nil when none.
	LastVisitOn *time.Time `json:"last_visit_on"`
	// Centre is a point inside the village (PostGIS ST_PointOnSurface), lon/lat.
	Centre orb.Point `json:"centre"`
	// UnvisitedSizes is the size histogram of households not visited in the
	// window, largest first; filled only when the filter asks for it.
	UnvisitedSizes []SizeCount `json:"-"`
	// Suppressed: published to a role without household access, the
	// village has 1 to 4 households and every figure drawn from them is
	// hidden (privacy rule 2). SpecialWaitingHidden: the sum over groups of
	// SpecialUnvisited is hidden (rules 3 and 4). Both are set only by
	// PublishVillages.
	Suppressed           bool `json:"-"`
	SpecialWaitingHidden bool `json:"-"`
	// SpecialDistinctHidden: SpecialDistinctUnvisited is hidden (rules 3
	// and 4); set only by PublishVillages.
	SpecialDistinctHidden bool `json:"-"`
}

// SpecialWaitingHouseholds is SpecialDistinctUnvisited, the special-group
// households not visited counted once each, as it may be shown: hidden, it
// reads "hidden" (it is no sum of shown parts).
func (v VillageCoverage) SpecialWaitingHouseholds() privacy.Count {
	if v.SpecialDistinctHidden || v.Suppressed {
		return privacy.Withhold(v.SpecialDistinctUnvisited, 0)
	}
	return privacy.Shown(v.SpecialDistinctUnvisited)
}

// SpecialWaiting is the sum of SpecialUnvisited over groups as it may be
// shown. Hidden, it carries the sum of the groups that are shown: the total
// is at least that (a household in two groups counts in both), and once that
// passes 10 it reads "≥n", else "hidden" (privacy.Count).
func (v VillageCoverage) SpecialWaiting() privacy.Count {
	total := v.SpecialUnvisited.Total()
	if !v.SpecialWaitingHidden && !v.Suppressed {
		return privacy.Shown(total)
	}
	var shown int64
	for _, g := range Groups {
		if !v.Suppressed && !v.SpecialUnvisited.Hidden(g) {
			shown += v.SpecialUnvisited.Get(g)
		}
	}
	return privacy.Withhold(total, shown)
}

// Gap reasons: the rule a village fails, "" when it meets it.
const (
	// GapBelowOneThird: a rural village whose visited residents are below
	// one-third of its resident population (the one-third rule is written
	// for the rural resident population, 农村常住人口).
	GapBelowOneThird = "below_one_third"
	// GapNoPopulation: a rural village with no resident population, whose
	// one-third cannot be judged; listed so it is seen.
	GapNoPopulation = "no_population"
	// GapNoVisit: an urban community (villages.rural false) with no diary
	// entry at all in the window. The one-third rule does not apply to
	// communities; the five full coverages (#3, every village and community)
	// ask only that each is visited.
	GapNoVisit = "no_visit"
)

// GapReason is the one definition of a village in gap: a rural village is
// judged by the one-third rule, an urban community by whether it had any
// visit in the window. "" when the village meets its rule.
func (v VillageCoverage) GapReason() string {
	if !v.Rural {
		if v.Visits > 0 {
			return ""
		}
		return GapNoVisit
	}
	switch {
	case NoPopulation(v.ResidentPopulation):
		return GapNoPopulation
	case !Reached(v.VisitedResidents, v.ResidentPopulation):
		return GapBelowOneThird
	}
	return ""
}

// Reached reports whether the village meets its rule (GapReason): the
// one-third rule for a rural village, a visit in the window for an urban
// community. Reports, tiles and exports all judge "reached" here.
func (v VillageCoverage) Reached() bool { return v.GapReason() == "" }

// ResidentsNeeded is how many more residents the village must visit to
// reach one-third; 0 for an urban community, which the one-third rule does
// not judge.
func (v VillageCoverage) ResidentsNeeded() int64 {
	if !v.Rural {
		return 0
	}
	return ResidentsNeeded(v.VisitedResidents, v.ResidentPopulation)
}

// Coverage is visited residents over resident population, capped at 1; nil
// when the village has no population.
func (v VillageCoverage) Coverage() *float64 {
	s, ok := Share(v.VisitedResidents, v.ResidentPopulation)
	if !ok {
		return nil
	}
	return &s
}

// Filter narrows a coverage query. Town is a town code ("" for every town);
// Villages, when set, lists village codes. WithSizes fills UnvisitedSizes.
type Filter struct {
	Town      string
	Villages  []string
	WithSizes bool
}

// CellAggregate is one H3 cell's numbers over a window. Cell is the H3 index
// as a 64-bit integer (H3 is its hexadecimal form).
type CellAggregate struct {
	Cell              int64  `json:"-"`
	H3                string `json:"h3"`
	Resolution        int    `json:"resolution"`
	Households        int64  `json:"households"`
	Residents         int64  `json:"residents"`
	VisitedHouseholds int64  `json:"visited_households"`
	VisitedResidents  int64  `json:"visited_residents"`
	Visits            int64  `json:"visits"`
	// SpecialHouseholds are households in at least one special group;
	// SpecialUnvisited those of them with no visit in the window.
	SpecialHouseholds int64 `json:"special_households"`
	SpecialUnvisited  int64 `json:"special_unvisited"`
	ProblemsCollected int64 `json:"problems_collected"`
	ProblemsResolved  int64 `json:"problems_resolved"`
	// OpenProblems is problems collected minus resolved in the window (not
	// below zero).
	OpenProblems int64 `json:"open_problems"`
	// SpecialHouseholdsHidden and SpecialUnvisitedHidden: the count is
	// published as hidden (privacy rules 3 and 4); set only by PublishCells.
	SpecialHouseholdsHidden bool `json:"-"`
	SpecialUnvisitedHidden  bool `json:"-"`
}

// VisitedShare is visited residents over residents in the cell (0 when the
// cell has no households).
func (c CellAggregate) VisitedShare() float64 {
	if c.Residents <= 0 {
		return 0
	}
	return min(1, float64(c.VisitedResidents)/float64(c.Residents))
}

// MinCellResolution and MaxCellResolution bound CellAggregates.
const (
	MinCellResolution = 6
	MaxCellResolution = 10
)
