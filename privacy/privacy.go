// Package privacy holds the statistical disclosure rules every aggregate
// obeys when it goes to someone who may not see households: which cells and
// villages are too small to show, which special-group counts are hidden and
// how they read, and the complementary suppression that stops a hidden value
// from being recovered by subtraction — parent minus children (a town minus its
// villages, an H3 cell minus its children), or one time window minus another.
//
// It is a package of its own because the rules are shared by reports, tiles,
// exports and the API, must be the same everywhere, and are easiest to trust
// as small pure functions with their own tests. It knows nothing of the
// database or HTTP: the coverage package applies them to its village and
// cell figures (coverage.PublishVillages, coverage.PublishCells), and every
// report, export and tile a role without household access can ask for is
// built from those published figures.
//
// # The rules
//
//  1. Rules apply to a scope without household access (Applies): planners,
//     admins, gis staff without the household_points grant, members.
//     Holders of the grant see exact figures. A team leader has household
//     access in their own towns only (Partial): aggregates are county-wide
//     for every role, and those of other towns reach a leader under these
//     rules (Without), over a planner's whole weeks, with the complements
//     of rule 4 chosen knowing that the leader can count their own towns
//     (Tree.Known); only the leader's own villages, towns and their share of
//     each hexagon are exact, and hexagons finer than a planner may see
//     cover the leader's towns alone.
//  2. Small areas: a cell or village with 1 to 4 households (fewer than
//     MinHouseholds) is suppressed whole — every figure of the row is hidden
//     (villages stay in lists, flagged "suppressed"; cells are left out of
//     tiles and exports). A row with 0 households shows 0: it describes
//     nobody (and "a village with no population" must stay visible as such).
//  3. Small counts: a special-group count (poor, seriously ill, disabled,
//     empty-nest elderly, left-behind children, community correction — the
//     households of each group, and those of them not visited in the
//     window) from 1 to 10 is hidden: a string in JSON and CSV, null in
//     exports' typed files, omitted from tiles. 0 and 11+ are shown
//     exactly, unless rule 4 hides them. Because an area's households of a
//     group are shown and visited + unvisited = households, an unvisited
//     count is also hidden when the visited count it implies is 1 to 10.
//     A hidden count's label says where it sits, never what it is (Count):
//     "hidden", or "≥n" for a sum whose shown parts add up to n > 10 —
//     the same for a count hidden for being small and for its complement,
//     so that no label is false and none tells the two apart. (A "<11"
//     for a count hidden by value alone went with its last use: members'
//     households contacted read in the ten-household rule's bands,
//     coverage.MemberCount.)
//  4. Differencing by hierarchy (Complement, Protect): every published total
//     is assumed known — the county, a town (summary?town=), a coarser H3
//     cell. Under each parent, the hidden children are either none, or at
//     least two whose total is not itself small; Complement hides the
//     smallest shown children until that holds. A parent hidden only to
//     protect a sibling must not be recoverable as the sum of its children
//     either, so its two smallest children are hidden too (Protect walks the
//     hierarchy top-down: county → towns → villages; county → H3 res 6 → 7 →
//     8). Within a village the groups' sum (special_waiting) is a parent of
//     the six group counts in the same way. The villages' sums and a town's
//     group counts are two margins of one villages × groups table, adding
//     up to one town total; wherever either margin makes that total public
//     (all of it shown, or the county's total less the other towns'), it is
//     a parent of each margin in the same way (coverage's margins); the
//     county's total likewise of the county's group counts. Roles without household access
//     may ask for H3 cells at resolution 6 to 8 only, and not for one town's
//     share of a cell (that would be a second, crossing hierarchy).
//  5. Differencing by window (Weeks): for roles without household access
//     every window is widened to whole campaign weeks (from back to the
//     start of its week, to forward to the end of its week, weeks counted
//     from the campaign's first day), and the answer names the window used.
//     [Mar 1, Jun 1) and [Mar 1, Jun 2) are then the same window with the
//     same figures, so subtracting one from the other yields nothing.
//     Windows a week apart do differ; the differences are counts of
//     households first visited in that week, which are not additive over
//     windows (a household visited in both halves counts once), so no
//     suppressed figure of either window follows from them. Windows, the
//     neighbouring-window check, remains for callers that publish a series.
//
// No personal field (name, phone, ID number) ever enters an aggregate: rows
// are built from households and visits only, never household_personal.
package privacy

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"lianxin"
)

// MinHouseholds is the fewest households a shown cell or village may hold.
const MinHouseholds = 5

// SmallCountMax is the largest special-group count rule 3 hides.
const SmallCountMax = 10

// Applies reports whether scope's aggregates must be suppressed: every scope
// without household access.
func Applies(s lianxin.Scope) bool { return !s.HouseholdPoints }

// Partial reports whether scope has household access in some towns only (a
// team leader): exact figures for those towns, the rules everywhere else.
func Partial(s lianxin.Scope) bool { return s.HouseholdPoints && !s.AllTowns }

// Without is scope without household access: how a Partial scope sees the
// aggregates of towns outside its own.
func Without(s lianxin.Scope) lianxin.Scope {
	s.HouseholdPoints, s.PersonalFields = false, false
	return s
}

// TooFewHouseholds reports whether an area with n households is suppressed.
func TooFewHouseholds(n int64) bool { return n > 0 && n < MinHouseholds }

// SmallCount reports whether a special-group count n is hidden by rule 3.
func SmallCount(n int64) bool { return n >= 1 && n <= SmallCountMax }

// HiddenLabel is how a hidden count reads when its shown parts prove no
// bound: hidden, without a claim about its size (see Count).
const HiddenLabel = "hidden"

// AtLeastPrefix starts the label of a hidden sum whose shown parts already
// exceed SmallCountMax: "≥" and their sum (see Count.AtLeast).
const AtLeastPrefix = "≥"

// Count is a figure as published: its value, or hidden. It marshals to a
// JSON number, or when hidden to a label chosen by where the count sits,
// never by its hidden value:
//
//   - "≥n" where the count is a sum whose shown parts add up to n > 10
//     (AtLeast): a bound the reader can add up already;
//   - "hidden" (HiddenLabel) for every other hidden count: each count of a
//     hierarchy that complementary suppression protects (a village's or a
//     cell's special-group counts, a town's, the county's, a change between
//     snapshots).
//
// Why one label for a small count and its complement: under a shown total,
// the hidden children are a small count (1 to 10) and the complements
// hidden to protect it, which may hold any value. "<11" on a complement of
// 15 is false. A label by kind — "<11" on the small count, "hidden" on the
// complement — tells them apart, and then the total pins the small one: a
// town of 23 whose villages read 11 shown, "<11" and "hidden" has 12 hidden
// between the last two; a complement is never 1 to 10 (it would have been
// hidden as small) nor, here, 0 (the other would be 12), so "hidden" is 11
// or more and "<11" exactly 1. One label for both, claiming nothing,
// leaves 1+11, 2+10, …, 10+2 and 11+1 open, and is true.
type Count struct {
	N      int64
	Hidden bool
	// AtLeast is, for a hidden sum (a village's special_waiting over its
	// groups, a town's or the county's count over its villages), the sum
	// of its parts that are shown. The reader can add those up already, so
	// publishing it reveals nothing; once it exceeds SmallCountMax the
	// count reads "≥AtLeast".
	AtLeast int64
}

// Shown returns n as a visible Count.
func Shown(n int64) Count { return Count{N: n} }

// Withhold returns n hidden where it sits in a protected hierarchy (rules
// 3 and 4), with atLeast the lower bound the reader can already compute
// (the sum of the shown parts, 0 for a count without parts; published only
// above SmallCountMax). It reads "hidden" or "≥atLeast", whatever n is.
func Withhold(n, atLeast int64) Count {
	return Count{N: n, Hidden: true, AtLeast: atLeast}
}

// Bound returns the lower bound a hidden count publishes: AtLeast when it
// reads "≥AtLeast", else 0.
func (c Count) Bound() int64 {
	if c.Hidden && c.AtLeast > SmallCountMax {
		return c.AtLeast
	}
	return 0
}

// Label is how c reads when hidden (see Count): "≥" and its bound, else
// HiddenLabel. It depends on what the reader knows already (the shown
// parts), never on the hidden value.
func (c Count) Label() string {
	if b := c.Bound(); b > 0 {
		return AtLeastPrefix + strconv.FormatInt(b, 10)
	}
	return HiddenLabel
}

// MarshalJSON writes the number, or when hidden its Label. A hidden
// count's value never leaves the process.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden {
		return []byte(`"` + c.Label() + `"`), nil
	}
	return strconv.AppendInt(nil, c.N, 10), nil
}

// UnmarshalJSON reads what MarshalJSON writes (a hidden count reads back
// with N = 0: its value was never written).
func (c *Count) UnmarshalJSON(b []byte) error {
	bad := fmt.Errorf("privacy.Count: %s is neither a whole number, %q nor %q and a number", b, HiddenLabel, AtLeastPrefix)
	if len(b) > 0 && b[0] == '"' {
		var label string
		if err := json.Unmarshal(b, &label); err != nil {
			return bad
		}
		if label == HiddenLabel {
			*c = Count{Hidden: true}
			return nil
		}
		digits, ok := strings.CutPrefix(label, AtLeastPrefix)
		n, err := strconv.ParseInt(digits, 10, 64)
		if !ok || err != nil || n <= SmallCountMax {
			return bad
		}
		*c = Count{Hidden: true, AtLeast: n}
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return bad
	}
	*c = Count{N: n}
	return nil
}

// String is the CSV form: the number, or when hidden its Label (as in
// JSON).
func (c Count) String() string {
	if c.Hidden {
		return c.Label()
	}
	return strconv.FormatInt(c.N, 10)
}

// Value returns the number and whether it may be shown (tiles omit hidden
// attributes rather than writing a string into a numeric field).
func (c Count) Value() (int64, bool) { return c.N, !c.Hidden }

// Complement applies rule 4 to one metric of a parent and its children,
// given whether each child is already hidden (by rules 2 and 3). It returns
// the children's hidden flags after complementary suppression and whether
// the parent must be hidden too. small says which totals may not be
// recoverable (SmallCount for special groups; TooFewHouseholds for
// household counts).
//
// A hidden parent hides nothing more: without its total, no subtraction
// recovers a child.
func Complement(parent int64, parentHidden bool, children []int64, hidden []bool, small func(int64) bool) ([]bool, bool) {
	return complement(parent, parentHidden, children, hidden, nil, small)
}

// complement is Complement for a reader who knows some children's values
// (known[i]; nil: none): those count as shown, whatever the rules would
// hide, and are never chosen to protect another, since subtracting them is
// open to that reader.
func complement(parent int64, parentHidden bool, children []int64, hidden, known []bool, small func(int64) bool) ([]bool, bool) {
	out := slices.Clone(hidden)
	for i := range known {
		if known[i] {
			out[i] = false
		}
	}
	if parentHidden {
		return out, true
	}
	for {
		var nHidden int
		var hiddenSum int64
		for i, h := range out {
			if h {
				nHidden++
				hiddenSum += children[i]
			}
		}
		// Parent minus the shown children is the hidden children's total:
		// safe when nothing is hidden, or when at least two are hidden and
		// their total is not itself small.
		if nHidden == 0 || (nHidden >= 2 && !small(parent-shownSum(children, out))) {
			return out, false
		}
		next := -1
		for i, h := range out {
			if !h && (known == nil || !known[i]) && (next < 0 || children[i] < children[next]) {
				next = i
			}
		}
		if next < 0 {
			return out, true // every child hidden (or known) and still recoverable: hide the parent
		}
		out[next] = true
	}
}

func shownSum(children []int64, hidden []bool) int64 {
	var sum int64
	for i, v := range children {
		if !hidden[i] {
			sum += v
		}
	}
	return sum
}

// Windows applies rule 5 to one metric: current holds the figure of each key
// for the requested window, each of neighbours the same figure for a window
// one step away. It returns the keys to hide because some neighbour's figure
// differs from the current one by a small amount (a difference of 0 reveals
// nothing; a key missing from a neighbour counts as 0 there). A key absent
// here but present next door is that request's to hide: it checks its own
// neighbours, this window among them.
func Windows[K comparable](current map[K]int64, neighbours []map[K]int64, small func(int64) bool) map[K]bool {
	hide := map[K]bool{}
	for k, v := range current {
		for _, nb := range neighbours {
			d := v - nb[k]
			if d < 0 {
				d = -d
			}
			if small(d) {
				hide[k] = true
				break
			}
		}
	}
	return hide
}

// Weeks applies rule 5: it widens the window [from, to) to whole campaign
// weeks, weeks counted from startsOn (all three are midnights of campaign
// days). from moves back to the first day of its week, to forward to the
// day after the last day of its week.
func Weeks(from, to, startsOn time.Time) (time.Time, time.Time) {
	day := func(t time.Time) int { return int(math.Round(t.Sub(startsOn).Hours() / 24)) }
	floorWeek := func(d int) int {
		w := d / 7
		if d%7 != 0 && d < 0 {
			w--
		}
		return w
	}
	f := floorWeek(day(from))
	t := floorWeek(day(to) + 6)
	if t <= f {
		t = f + 1
	}
	return startsOn.AddDate(0, 0, 7*f), startsOn.AddDate(0, 0, 7*t)
}

// Tree is one metric over a hierarchy: the roots (whose sum is the whole,
// itself a published total), each node's children in a stable order, each
// node's value, and the nodes rules 2 and 3 hide before any complement.
type Tree[K comparable] struct {
	Roots    []K
	Children map[K][]K
	Value    map[K]int64
	Primary  map[K]bool
	// Known marks the nodes whose value the reader knows already (a team
	// leader's own town and its villages): shown to them, never hidden, and
	// never relied on to protect another node. Optional.
	Known map[K]bool
}

// Protect applies rule 4 to a whole hierarchy, top-down: under every parent
// (the whole, then each node) Complement leaves no hidden child, or at least
// two whose total is not small; a parent that is hidden while none of its
// children is gets its two smallest children hidden, so it is not
// recoverable as their sum. It returns the hidden nodes and whether the
// whole's total must be hidden too. Every parent is assumed published (a
// hidden parent only adds protection), which is what makes the rule safe
// whichever totals a caller shows.
func Protect[K comparable](t Tree[K], small func(int64) bool) (map[K]bool, bool) {
	primary := make(map[K]bool, len(t.Primary))
	for k, v := range t.Primary {
		if v {
			primary[k] = true
		}
	}
	for {
		hidden := map[K]bool{}
		var total int64
		for _, r := range t.Roots {
			total += t.Value[r]
		}
		var late []K // parents that must be hidden and were not
		topHidden := protectLevel(t, total, false, t.Roots, primary, hidden, small, &late)
		if len(late) == 0 {
			return hidden, topHidden
		}
		for _, k := range late {
			primary[k] = true
		}
	}
}

func protectLevel[K comparable](t Tree[K], parent int64, parentHidden bool, kids []K, primary, hidden map[K]bool,
	small func(int64) bool, late *[]K) bool {
	if len(kids) == 0 {
		return false
	}
	vals := make([]int64, len(kids))
	prim := make([]bool, len(kids))
	var known []bool
	for i, k := range kids {
		vals[i], prim[i] = t.Value[k], primary[k]
		if t.Known[k] {
			if known == nil {
				known = make([]bool, len(kids))
			}
			known[i], prim[i] = true, false
		}
	}
	if parentHidden && !slices.Contains(prim, true) {
		// Hide the two smallest children: the parent is not their sum then.
		for range min(2, len(kids)) {
			next := -1
			for i := range kids {
				if !prim[i] && (known == nil || !known[i]) && (next < 0 || vals[i] < vals[next]) {
					next = i
				}
			}
			if next < 0 {
				break // the rest is known to the reader: nothing to hide
			}
			prim[next] = true
		}
	}
	out, mustHide := complement(parent, false, vals, prim, known, small)
	for i, k := range kids {
		if out[i] {
			hidden[k] = true
		}
	}
	for i, k := range kids {
		if protectLevel(t, vals[i], out[i], t.Children[k], primary, hidden, small, late) && !out[i] {
			*late = append(*late, k)
		}
	}
	return mustHide
}
