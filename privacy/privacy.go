// Package privacy holds the statistical disclosure rules every aggregate
// obeys when it goes to someone who may not see households: which cells and
// villages are too small to show, which special-group counts are shown only
// as "<11", and the complementary suppression that stops a hidden value from
// being recovered by subtraction — parent minus children (a town minus its
// villages, an H3 cell minus its children), or one time window minus another.
//
// It is a package of its own because the rules are shared by reports, tiles,
// exports and the API, must be the same everywhere, and are easiest to trust
// as small pure functions with their own tests. It knows nothing of the
// database or HTTP: callers compute their aggregate rows, then pass them
// through these functions before answering.
//
// # The rules
//
//  1. Rules apply to a scope without household access (Applies): planners,
//     admins, gis staff without the household_points grant, members. Team
//     leaders in their own town and holders of the grant see exact figures.
//  2. Small areas: a cell or village with 1 to 4 households (fewer than
//     MinHouseholds) is suppressed whole — every figure of the row is hidden,
//     its geometry may stay. A row with 0 households shows 0: it describes
//     nobody (and "a village with no population" must stay visible as such).
//  3. Small counts: a special-group count (poor, seriously ill, disabled,
//     empty-nest elderly, left-behind children, community correction,
//     petition case — and "not visited" counts of those groups) from 1 to 10
//     is shown as the string "<11" in JSON and CSV, and omitted from tiles.
//     0 and 11+ are shown exactly.
//  4. Differencing by hierarchy (Complement): when a parent total is shown
//     and some of its children are hidden, the hidden total is parent minus
//     the shown children. If exactly one child of a parent is hidden, or the
//     hidden children's total would itself be small, the smallest shown
//     children are hidden too until neither holds; if no child is left to
//     hide, the parent is hidden.
//  5. Differencing by window (Windows): for windowed aggregates the caller
//     also computes the request's neighbouring windows (one step shorter at
//     either end, the step being the window grid, a day); any key whose
//     figure differs from a neighbour's by a small amount is hidden, since
//     the difference counts households in the step between them.
//
// No personal field (name, phone, ID number) ever enters an aggregate: rows
// are built from households and visits only, never household_personal.
package privacy

import (
	"slices"
	"strconv"

	"lianxin"
)

// MinHouseholds is the fewest households a shown cell or village may hold.
const MinHouseholds = 5

// SmallCountMax is the largest special-group count shown only as SmallLabel.
const SmallCountMax = 10

// SmallLabel is how a hidden special-group count reads in JSON and CSV.
const SmallLabel = "<11"

// Applies reports whether scope's aggregates must be suppressed: every scope
// without household access.
func Applies(s lianxin.Scope) bool { return !s.HouseholdPoints }

// TooFewHouseholds reports whether an area with n households is suppressed.
func TooFewHouseholds(n int64) bool { return n > 0 && n < MinHouseholds }

// SmallCount reports whether a special-group count n is shown only as SmallLabel.
func SmallCount(n int64) bool { return n >= 1 && n <= SmallCountMax }

// Count is a figure as published: its value, or hidden. It marshals to a
// JSON number, or to SmallLabel when hidden.
type Count struct {
	N      int64
	Hidden bool
}

// Shown returns n as a visible Count.
func Shown(n int64) Count { return Count{N: n} }

// Special returns a special-group count under rule 3 when apply is set.
func Special(n int64, apply bool) Count { return Count{N: n, Hidden: apply && SmallCount(n)} }

// MarshalJSON writes the number, or "<11" when hidden. A hidden count's
// value never leaves the process.
func (c Count) MarshalJSON() ([]byte, error) {
	if c.Hidden {
		return []byte(`"` + SmallLabel + `"`), nil
	}
	return strconv.AppendInt(nil, c.N, 10), nil
}

// String is the CSV form: the number, or "<11" when hidden.
func (c Count) String() string {
	if c.Hidden {
		return SmallLabel
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
	out := slices.Clone(hidden)
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
			if !h && (next < 0 || children[i] < children[next]) {
				next = i
			}
		}
		if next < 0 {
			return out, true // every child hidden and still recoverable: hide the parent
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
