package coverage

import "testing"

// distinctPins hides the distinct count of special households waiting
// whenever, with the groups shown beside it, it would give a hidden group's
// count back (each group's waiting households are at most the distinct
// count, and together at least it).
func TestDistinctPins(t *testing.T) {
	village := func(distinct int64, waitingHidden bool, groups map[Group]int64, hidden ...Group) VillageCoverage {
		v := VillageCoverage{SpecialDistinctUnvisited: distinct, SpecialWaitingHidden: waitingHidden}
		for g, n := range groups {
			v.SpecialUnvisited.AddGroup(g, n)
		}
		for _, g := range hidden {
			v.SpecialUnvisited.Hide(g)
		}
		return v
	}
	poor, ill, disabled := Groups[0], Groups[1], Groups[2]
	cases := []struct {
		name string
		v    VillageCoverage
		want bool
	}{
		{"nothing hidden", village(20, false, map[Group]int64{poor: 15, ill: 12}), false},
		{"0 says every hidden group is 0", village(0, false, map[Group]int64{}, poor, ill), true},
		{"sum shown, two hidden groups of 12 under a distinct 12: both pinned",
			village(12, false, map[Group]int64{poor: 12, ill: 12, disabled: 0}, poor, ill), true},
		{"sum shown, hidden 3 and 15 under a distinct 17: open",
			village(17, false, map[Group]int64{poor: 3, ill: 15}, poor, ill), false},
		{"sum hidden, one hidden group beside zeros: it is the distinct count",
			village(15, true, map[Group]int64{poor: 15}, poor), true},
		{"sum hidden, one hidden group beside 20 shown: open",
			village(25, true, map[Group]int64{poor: 15, disabled: 20}, poor), false},
	}
	for _, tc := range cases {
		if got := distinctPins(tc.v); got != tc.want {
			t.Errorf("%s: distinctPins = %v, want %v", tc.name, got, tc.want)
		}
	}
}
