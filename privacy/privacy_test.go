package privacy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"lianxin"
)

func TestThresholds(t *testing.T) {
	cases := []struct {
		n             int64
		tooFew, small bool
		// hidden is how the count reads hidden where it sits in a
		// protected hierarchy (Withhold).
		hidden string
	}{
		{0, false, false, HiddenLabel},
		{1, true, true, HiddenLabel},
		{4, true, true, HiddenLabel},
		{5, false, true, HiddenLabel},
		{10, false, true, HiddenLabel},
		{11, false, false, HiddenLabel},
		{536, false, false, HiddenLabel},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if got := TooFewHouseholds(tc.n); got != tc.tooFew {
				t.Errorf("TooFewHouseholds(%d) = %v, want %v", tc.n, got, tc.tooFew)
			}
			if got := SmallCount(tc.n); got != tc.small {
				t.Errorf("SmallCount(%d) = %v, want %v", tc.n, got, tc.small)
			}
			for _, c := range []struct {
				name string
				c    Count
				want string
			}{{"Withhold", Withhold(tc.n, 0), tc.hidden}, {"Shown", Shown(tc.n), fmt.Sprint(tc.n)}} {
				b, _ := json.Marshal(c.c)
				want, _ := json.Marshal(c.want)
				if !c.c.Hidden {
					want = []byte(c.want)
				}
				if string(b) != string(want) || c.c.String() != c.want {
					t.Errorf("%s(%d) = JSON %s CSV %s, want %s and %s", c.name, tc.n, b, c.c.String(), want, c.want)
				}
			}
		})
	}
}

func TestApplies(t *testing.T) {
	cases := []struct {
		name  string
		scope lianxin.Scope
		want  bool
	}{
		{"planner", lianxin.Scope{Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}, true},
		{"gis with household grant", lianxin.Scope{Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true, HouseholdPoints: true}, false},
		{"team leader", lianxin.Scope{Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{3}, HouseholdPoints: true}, false},
		{"anonymous", lianxin.Scope{}, true},
	}
	for _, tc := range cases {
		if got := Applies(tc.scope); got != tc.want {
			t.Errorf("Applies(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestComplement(t *testing.T) {
	cases := []struct {
		name         string
		parent       int64
		children     []int64
		wantHidden   []bool
		wantParentHd bool
	}{
		{"nothing small", 60, []int64{20, 25, 15}, []bool{false, false, false}, false},
		{"one small child drags the next smallest", 45, []int64{3, 30, 12}, []bool{true, false, true}, false},
		{"two small children whose sum is small drag a third", 40, []int64{2, 3, 20, 15}, []bool{true, true, false, true}, false},
		{"two small children with a safe sum stay two", 32, []int64{6, 6, 20}, []bool{true, true, false}, false},
		{"only child hidden hides the parent", 3, []int64{3}, []bool{true}, true},
		{"all zero", 0, []int64{0, 0}, []bool{false, false}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			primary := make([]bool, len(tc.children))
			for i, v := range tc.children {
				primary[i] = SmallCount(v)
			}
			got, parentHidden := Complement(tc.parent, SmallCount(tc.parent), tc.children, primary, SmallCount)
			if !slices.Equal(got, tc.wantHidden) || parentHidden != tc.wantParentHd {
				t.Fatalf("Complement(%d, %v) = %v parent hidden %v, want %v parent hidden %v",
					tc.parent, tc.children, got, parentHidden, tc.wantHidden, tc.wantParentHd)
			}
			// Whatever stays shown, parent minus the shown children never
			// recovers a small hidden total (or a single hidden child).
			if !parentHidden {
				var shown int64
				n := 0
				for i, v := range tc.children {
					if got[i] {
						n++
					} else {
						shown += v
					}
				}
				if n == 1 || (n > 0 && SmallCount(tc.parent-shown)) {
					t.Fatalf("after Complement the hidden total %d of %d children is recoverable", tc.parent-shown, n)
				}
			}
		})
	}
}

// A property: for random hierarchies, after Complement no single hidden
// child and no small hidden total can be recovered from a shown parent.
func TestComplementNeverRecoverable(t *testing.T) {
	for seed := int64(0); seed < 2000; seed++ {
		n := int(seed%6) + 1
		children := make([]int64, n)
		var parent int64
		for i := range children {
			children[i] = (seed*7919 + int64(i)*104729) % 23
			parent += children[i]
		}
		primary := make([]bool, n)
		for i, v := range children {
			primary[i] = SmallCount(v)
		}
		got, parentHidden := Complement(parent, SmallCount(parent), children, primary, SmallCount)
		for i := range primary {
			if primary[i] && !got[i] {
				t.Fatalf("children %v: Complement un-hid child %d", children, i)
			}
		}
		if parentHidden {
			continue
		}
		var shown int64
		hidden := 0
		for i, v := range children {
			if got[i] {
				hidden++
			} else {
				shown += v
			}
		}
		if hidden == 1 || (hidden > 0 && SmallCount(parent-shown)) {
			t.Fatalf("children %v parent %d: hidden %v leaves total %d recoverable", children, parent, got, parent-shown)
		}
	}
}

func TestWindows(t *testing.T) {
	// Visited special-group households per cell for [from, to) and the two
	// windows one day shorter at either end.
	current := map[string]int64{"a": 40, "b": 40, "c": 12, "d": 0}
	shorterEnd := map[string]int64{"a": 40, "b": 37, "c": 0}
	laterStart := map[string]int64{"a": 25, "b": 40, "c": 12}
	hide := Windows(current, []map[string]int64{shorterEnd, laterStart}, SmallCount)
	// a: differences 0 and 15 are safe; b: 3 is small; c: 12 and 0 are safe; d: 0 everywhere.
	want := map[string]bool{"b": true}
	if len(hide) != len(want) || !hide["b"] {
		t.Fatalf("Windows hides %v, want %v", hide, want)
	}
}

func TestWeeks(t *testing.T) {
	zone := time.FixedZone("UTC+8", 8*3600)
	day := func(s string) time.Time { d, _ := time.ParseInLocation("2006-01-02", s, zone); return d }
	start := day("2026-03-01")
	cases := []struct{ from, to, wantFrom, wantTo string }{
		{"2026-03-01", "2026-06-01", "2026-03-01", "2026-06-07"},
		{"2026-03-01", "2026-06-02", "2026-03-01", "2026-06-07"}, // a day longer: the same window
		{"2026-03-01", "2026-06-07", "2026-03-01", "2026-06-07"}, // already whole weeks
		{"2026-03-03", "2026-03-04", "2026-03-01", "2026-03-08"},
		{"2026-03-08", "2026-03-15", "2026-03-08", "2026-03-15"},
		{"2026-02-27", "2026-03-02", "2026-02-22", "2026-03-08"}, // before the campaign: its weeks extend back
	}
	for _, tc := range cases {
		f, to := Weeks(day(tc.from), day(tc.to), start)
		if f.Format("2006-01-02") != tc.wantFrom || to.Format("2006-01-02") != tc.wantTo {
			t.Errorf("Weeks([%s, %s)) = [%s, %s), want [%s, %s)", tc.from, tc.to,
				f.Format("2006-01-02"), to.Format("2006-01-02"), tc.wantFrom, tc.wantTo)
		}
	}
}

// Protect on a county → towns → villages tree: every parent's hidden
// children are none or at least two with a total that is not small, and a
// parent hidden to protect a sibling has hidden children too.
func TestProtectHierarchy(t *testing.T) {
	tree := Tree[string]{
		Roots: []string{"A", "B", "C"},
		Children: map[string][]string{
			"A": {"a1", "a2", "a3"}, // a1 small
			"B": {"b1", "b2"},       // nothing small
			"C": {"c1", "c2", "c3"}, // nothing small
		},
		Value: map[string]int64{"A": 3 + 30 + 40, "B": 50 + 60, "C": 20 + 25 + 30,
			"a1": 3, "a2": 30, "a3": 40, "b1": 50, "b2": 60, "c1": 20, "c2": 25, "c3": 30},
	}
	tree.Primary = map[string]bool{}
	for k, v := range tree.Value {
		tree.Primary[k] = SmallCount(v)
	}
	hidden, top := Protect(tree, SmallCount)
	if top {
		t.Fatalf("Protect hides the county total %v", hidden)
	}
	if !hidden["a1"] || !hidden["a2"] || hidden["a3"] {
		t.Errorf("town A's villages hidden %v, want a1 and its complement a2", hidden)
	}
	check := func(parent string, kids []string) {
		var rest int64 = 0
		n := 0
		for _, k := range kids {
			if hidden[k] {
				rest += tree.Value[k]
				n++
			}
		}
		if !hidden[parent] && (n == 1 || (n > 1 && SmallCount(rest))) {
			t.Errorf("under %s: %d hidden children total %d: recoverable", parent, n, rest)
		}
		if hidden[parent] && n == 0 && len(kids) > 0 {
			t.Errorf("%s is hidden but all its children are shown: it is their sum", parent)
		}
	}
	check("county", tree.Roots)
	for p, kids := range tree.Children {
		check(p, kids)
	}
	// A town hidden only to protect another town gets hidden villages.
	tree.Value["A"], tree.Value["a2"], tree.Value["a3"] = 3+4+2, 4, 2
	tree.Children["A"] = []string{"a1", "a2", "a3"}
	for k, v := range tree.Value {
		tree.Primary[k] = SmallCount(v)
	}
	hidden, _ = Protect(tree, SmallCount)
	if !hidden["A"] {
		t.Fatalf("town A (9) is small but shown: %v", hidden)
	}
	check("county", tree.Roots)
	for p, kids := range tree.Children {
		check(p, kids)
	}
}

func TestCountRoundTrip(t *testing.T) {
	for _, c := range []Count{Shown(0), Shown(42), Withhold(3, 0), Withhold(75, 53), Withhold(17, 0),
		Withhold(536, 0), Withhold(536, 520), Withhold(4, 0)} {
		b, _ := json.Marshal(c)
		var back Count
		if err := json.Unmarshal(b, &back); err != nil || back.Hidden != c.Hidden || (!c.Hidden && back.N != c.N) ||
			back.Bound() != c.Bound() || back.String() != c.String() {
			t.Errorf("Count %+v → %s → %+v, %v", c, b, back, err)
		}
	}
	for _, bad := range []string{`"≥10"`, `"≥"`, `"≥x"`, `"<11"`, `"<12"`, `"Hidden"`} {
		var c Count
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Count reads %s as %+v, want an error", bad, c)
		}
	}
}

// A hidden sum reads "≥" and the sum of its shown parts once that passes
// 10 (a bound the reader can compute anyway), else "hidden": never "<11",
// which a sum hidden because the visited count it implies is small, or to
// protect a group beside it, may well not be.
func TestHiddenSumLabel(t *testing.T) {
	cases := []struct {
		name          string
		c             Count
		label         string
		bound         int64
		value, hidden bool
	}{
		{"shown", Shown(75), "75", 0, true, false},
		{"small, nothing shown beside it", Withhold(7, 0), HiddenLabel, 0, false, true},
		{"shown parts 10: no bound", Withhold(30, 10), HiddenLabel, 0, false, true},
		{"shown parts 11", Withhold(30, 11), "≥11", 11, false, true},
		{"the reported village: 15+13+25 shown", Withhold(75, 53), "≥53", 53, false, true},
		{"a hidden group count carries no bound", Withhold(7, 0), HiddenLabel, 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := json.Marshal(tc.c)
			var got any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%+v marshals to %s, not JSON: %v", tc.c, b, err)
			}
			want := any(tc.label)
			if !tc.hidden {
				want, _ = strconv.ParseFloat(tc.label, 64)
			}
			if got != want || tc.c.String() != tc.label || tc.c.Bound() != tc.bound {
				t.Errorf("%+v: JSON %s CSV %s bound %d, want %v, %s, %d", tc.c, b, tc.c.String(), tc.c.Bound(), want, tc.label, tc.bound)
			}
		})
	}
}

func TestProtectKnownNodes(t *testing.T) {
	// Town A's count (2) is small; B (12) is the smallest shown town, so the
	// planner's complement hides B: A + B = 14 is not small. A leader of B
	// knows B, and county − C − D − B gives A.
	tree := Tree[string]{
		Roots: []string{"A", "B", "C", "D"},
		Value: map[string]int64{"A": 2, "B": 12, "C": 40, "D": 50},
	}
	tree.Primary = map[string]bool{"A": true}
	cases := []struct {
		name       string
		known      map[string]bool
		wantHidden []string
	}{
		{"nobody knows a town", nil, []string{"A", "B"}},
		{"the reader knows B", map[string]bool{"B": true}, []string{"A", "C"}},
		{"the reader knows A", map[string]bool{"A": true}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tree.Known = c.known
			hidden, top := Protect(tree, SmallCount)
			var got []string
			for _, k := range tree.Roots {
				if hidden[k] {
					got = append(got, k)
				}
			}
			if top || !slices.Equal(got, c.wantHidden) {
				t.Fatalf("hidden %v (county hidden %v), want %v", got, top, c.wantHidden)
			}
			// What the reader can subtract: the county less every shown or
			// known town is the hidden towns' sum, never one small value.
			var rest int64 = 12 + 2 + 40 + 50
			unknownHidden := 0
			for _, k := range tree.Roots {
				if !hidden[k] || c.known[k] {
					rest -= tree.Value[k]
				} else {
					unknownHidden++
				}
			}
			if unknownHidden == 1 || (unknownHidden > 1 && SmallCount(rest)) {
				t.Errorf("%d hidden towns the reader does not know, totalling %d: recoverable", unknownHidden, rest)
			}
		})
	}
}

// A hidden count's label depends on where it sits (its kind, and the bound
// its shown parts give), never on its value: for every kind and bound, the
// values 0, 1, 10, 11, 15 and 536 read the same. A value-dependent label
// would tell a complement from the small count it protects; "<11" on a
// complement of 15 would be false.
func TestLabelNeverDependsOnValue(t *testing.T) {
	values := []int64{0, 1, 5, 10, 11, 15, 536}
	cases := []struct {
		name string
		c    func(n int64) Count
		want string
	}{
		{"a count in a protected hierarchy", func(n int64) Count { return Withhold(n, 0) }, HiddenLabel},
		{"a sum with shown parts of 10", func(n int64) Count { return Withhold(n+10, 10) }, HiddenLabel},
		{"a sum with shown parts of 520", func(n int64) Count { return Withhold(n+520, 520) }, "≥520"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range values {
				c := tc.c(n)
				b, _ := json.Marshal(c)
				want, _ := json.Marshal(tc.want)
				if c.String() != tc.want || string(b) != string(want) {
					t.Errorf("value %d: CSV %q JSON %s, want %q whatever the value", n, c.String(), b, tc.want)
				}
			}
		})
	}
}

// The worked example of Count's comment: a town of 23 over villages of 11,
// 1 and 11. Rule 3 hides the 1, rule 4 one 11 as its complement. Labelled
// by kind, the complement is known to be 0 or at least 11 (it was not
// hidden as small), and the town less the shown 11 pins the small count at 1.
// Both read the same label, so the reader is left with every split of 12.
func TestSmallCountAndComplementReadAlike(t *testing.T) {
	tree := Tree[string]{Roots: []string{"T"}, Children: map[string][]string{"T": {"a", "b", "c"}},
		Value: map[string]int64{"T": 23, "a": 11, "b": 1, "c": 11}, Primary: map[string]bool{"b": true}}
	hidden, _ := Protect(tree, SmallCount)
	var primary, complement []string
	labels := map[string]bool{}
	for _, k := range tree.Children["T"] {
		if !hidden[k] {
			continue
		}
		if tree.Primary[k] {
			primary = append(primary, k)
		} else {
			complement = append(complement, k)
		}
		labels[Withhold(tree.Value[k], 0).String()] = true
	}
	if len(primary) != 1 || len(complement) != 1 {
		t.Fatalf("Protect(town 23: 11, 1, 11) hides %v, want the 1 and one 11", hidden)
	}
	if len(labels) != 1 || !labels[HiddenLabel] {
		t.Errorf("the small count %s and its complement %s read %v, want one label, %q", primary, complement, labels, HiddenLabel)
	}
}
