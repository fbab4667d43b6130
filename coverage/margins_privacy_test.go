package coverage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/privacy"
)

// marginTable is what a reader sees of one area's villages × groups table
// of special-group households waiting: each group's total over the area
// (the summary's five_coverages.special_unvisited) and, per village, the sum
// over groups (special_waiting), its groups' counts and the households
// counted once (special_waiting_households).
type marginTable struct {
	groups   map[coverage.Group]privacy.Count
	villages []coverage.GapRow
}

// total is the area's sum over groups and over villages, when the reader
// can work it out: from the groups' totals when all are shown, else from the
// villages' sums when every one is shown or follows from its shown groups.
func (m marginTable) total() (int64, bool) {
	if n, ok := m.groupsTotal(); ok {
		return n, true
	}
	return m.villagesTotal()
}

func (m marginTable) groupsTotal() (int64, bool) {
	var n int64
	for _, g := range coverage.Groups {
		c := m.groups[g]
		if c.Hidden {
			return 0, false
		}
		n += c.N
	}
	return n, true
}

// villageSum is a village's sum over groups as the reader knows it: shown,
// or the sum of its groups when every group is shown.
func villageSum(r coverage.GapRow) (int64, bool) {
	if !r.SpecialWaiting.Hidden {
		return r.SpecialWaiting.N, true
	}
	if r.Suppressed {
		return 0, false
	}
	var n int64
	for _, g := range coverage.Groups {
		c := r.SpecialUnvisited.Published(g)
		if c.Hidden {
			return 0, false
		}
		n += c.N
	}
	return n, true
}

func (m marginTable) villagesTotal() (int64, bool) {
	var n int64
	for _, r := range m.villages {
		s, ok := villageSum(r)
		if !ok {
			return 0, false
		}
		n += s
	}
	return n, true
}

// recover tries the margins attack with the area's total over groups
// (total, known): the total less the shown groups is the hidden groups'
// total, and the total less the villages' known sums is the hidden sums'
// total. It returns what it recovers: a hidden count alone on its side of
// the margin (its value), or the total of two or more that is small (1 to
// 10). Each group's count is at most the households counted once summed
// over villages (when all are shown), which the check of a lone group's
// interval includes.
func (m marginTable) recover(total int64, area string) []string {
	var found []string
	var shown, hiddenN int64
	var hidden []coverage.Group
	for _, g := range coverage.Groups {
		if c := m.groups[g]; c.Hidden {
			hidden = append(hidden, g)
		} else {
			shown += c.N
		}
	}
	rest := total - shown
	var distinct int64 = -1
	if len(m.villages) > 0 {
		distinct = 0
		for _, r := range m.villages {
			if r.SpecialWaitingHouseholds.Hidden {
				distinct = -1
				break
			}
			distinct += r.SpecialWaitingHouseholds.N
		}
	}
	switch {
	case len(hidden) == 1:
		found = append(found, fmt.Sprintf("%s: hidden group %s = total %d − shown groups %d = %d", area, hidden[0], total, shown, rest))
	case len(hidden) >= 2 && privacy.SmallCount(rest):
		found = append(found, fmt.Sprintf("%s: hidden groups %v total %d (small)", area, hidden, rest))
	case len(hidden) >= 2 && distinct >= 0:
		// Each hidden group lies in [rest − (k−1)·D, min(D, rest)].
		k := int64(len(hidden))
		if lo, hi := max(0, rest-(k-1)*distinct), min(distinct, rest); lo >= hi {
			found = append(found, fmt.Sprintf("%s: hidden groups %v pinned to %d by households counted once %d", area, hidden, hi, distinct))
		}
	}
	var known int64
	var lone []string
	for _, r := range m.villages {
		if s, ok := villageSum(r); ok {
			known += s
		} else {
			lone = append(lone, r.VillageCode)
		}
	}
	hiddenN = total - known
	switch {
	case len(m.villages) > 0 && len(lone) == 1:
		found = append(found, fmt.Sprintf("%s: village %s special_waiting = total %d − other villages %d = %d", area, lone[0], total, known, hiddenN))
	case len(lone) >= 2 && privacy.SmallCount(hiddenN):
		found = append(found, fmt.Sprintf("%s: villages %v special_waiting total %d (small)", area, lone, hiddenN))
	}
	return found
}

// The margins attack: a village × group table of special households waiting
// publishes two sets of margins — each village's sum over groups
// (special_waiting, in the gap report) and each group's total over the
// town's villages (the town's summary) — and both add up to the same total.
// When every village sum of a town is shown, the town's total over groups is
// public, and a lone hidden group is that total less the shown groups; when
// every group is shown, a lone hidden village sum is the total less the
// others. The county is the same table with the towns' totals (each town's,
// where its margins give it) adding up to the county's. For every town of
// the demo county as a planner, over two windows, and the county, no hidden
// group count or village sum comes back, nor a small total of two or more.
// A team leader's own town stays exact.
func TestMarginsRecoverNoHiddenGroupCount(t *testing.T) {
	ctx := context.Background()
	s, _, _ := demotest.New(t)
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	towns, err := s.Towns(ctx, lianxin.SystemScope())
	if err != nil {
		t.Fatal(err)
	}
	planner, _, _, leader := testRoles(towns[0].ID)
	windows := []coverage.Window{
		{From: day("2026-03-01"), To: day("2026-09-27")},
		{From: day("2026-03-01"), To: day("2026-06-07")},
	}
	readers := []struct {
		name  string
		scope lianxin.Scope
	}{{"planner", planner}, {"leader of " + towns[0].Code, leader}}
	var tried, hiddenTowns int
	for _, w := range windows {
		for _, rd := range readers {
			t.Run(fmt.Sprintf("%s %s", rd.name, w.From.Format("0102")+"-"+w.To.Format("0102")), func(t *testing.T) {
				q := coverage.Query{From: w.From, To: w.To}
				all, _, err := reports.Gaps(ctx, rd.scope, coverage.GapQuery{Query: q, All: true})
				if err != nil {
					t.Fatal(err)
				}
				county, err := reports.Summary(ctx, rd.scope, q)
				if err != nil {
					t.Fatal(err)
				}
				countyTable := marginTable{groups: map[coverage.Group]privacy.Count{}, villages: all}
				for _, g := range coverage.Groups {
					countyTable.groups[g] = county.Checks.SpecialUnvisited.Published(g)
				}
				var countyTotal int64
				countyKnown := true
				var hiddenGroups, hiddenSums, hiddenCells int
				for _, r := range all {
					if r.Suppressed {
						continue
					}
					if r.SpecialWaiting.Hidden {
						hiddenSums++
					}
					for _, g := range coverage.Groups {
						if r.SpecialUnvisited.Hidden(g) {
							hiddenCells++
						}
					}
				}
				for _, tw := range towns {
					q := coverage.Query{Town: tw.Code, From: w.From, To: w.To}
					sum, err := reports.Summary(ctx, rd.scope, q)
					if err != nil {
						t.Fatal(err)
					}
					rows, _, err := reports.Gaps(ctx, rd.scope, coverage.GapQuery{Query: q, All: true})
					if err != nil {
						t.Fatal(err)
					}
					exact, err := reports.Summary(ctx, lianxin.SystemScope(), q)
					if err != nil {
						t.Fatal(err)
					}
					m := marginTable{groups: map[coverage.Group]privacy.Count{}, villages: rows}
					for _, g := range coverage.Groups {
						m.groups[g] = sum.Checks.SpecialUnvisited.Published(g)
					}
					if rd.scope.User == "leader" && tw.ID == towns[0].ID {
						for _, g := range coverage.Groups {
							if c, want := m.groups[g], exact.Checks.SpecialUnvisited.Get(g); c.Hidden || c.N != want {
								t.Errorf("leader's own town %s: group %s %v, want exactly %d", tw.Code, g, c, want)
							}
						}
						countyTotal += exact.Checks.SpecialUnvisited.Total()
						continue
					}
					n, ok := m.total()
					if !ok {
						countyKnown = false
						continue
					}
					countyTotal += n
					if n != exact.Checks.SpecialUnvisited.Total() {
						t.Fatalf("town %s: the margins' total %d, want the exact %d (the attack is wrong)", tw.Code, n, exact.Checks.SpecialUnvisited.Total())
					}
					tried++
					if sum.Checks.SpecialUnvisited.AnyHidden() {
						hiddenTowns++
						var hidden []coverage.Group
						for _, g := range coverage.Groups {
							if m.groups[g].Hidden {
								hidden = append(hidden, g)
							}
						}
						hiddenGroups += len(hidden)
						t.Logf("town %s: groups hidden %v", tw.Code, hidden)
					}
					for _, f := range m.recover(n, "town "+tw.Code) {
						t.Errorf("asked town %s's summary and gap report as %s: got %s; want no hidden count recoverable", tw.Code, rd.scope.User, f)
					}
				}
				t.Logf("hidden: %d towns' group counts, %d villages' special_waiting, %d villages' group counts (suppressed villages aside), county groups %v",
					hiddenGroups, hiddenSums, hiddenCells, county.Checks.SpecialUnvisited)
				if n, ok := countyTable.total(); ok {
					countyTotal, countyKnown = n, true
				}
				if countyKnown {
					for _, f := range countyTable.recover(countyTotal, "county") {
						t.Errorf("asked the county's summary, its towns' and the gap report as %s: got %s; want no hidden count recoverable", rd.scope.User, f)
					}
				}
			})
		}
	}
	if tried == 0 || hiddenTowns == 0 {
		t.Errorf("set-up: %d towns attacked, %d with a hidden group; want some of each", tried, hiddenTowns)
	}
}

// village builds a village of town with its unvisited counts per group
// (poor, seriously ill, disabled, empty-nest, left-behind children,
// community correction), every special household unvisited, each in one
// group, among 200 households.
func village(id int32, town string, counts [6]int64) coverage.VillageCoverage {
	v := coverage.VillageCoverage{VillageID: id, VillageCode: fmt.Sprintf("%s%03d", town, id), TownCode: town, Households: 200}
	for j, g := range coverage.Groups {
		v.SpecialHouseholds.AddGroup(g, counts[j])
		v.SpecialUnvisited.AddGroup(g, counts[j])
		v.SpecialDistinct += counts[j]
		v.SpecialDistinctUnvisited += counts[j]
	}
	return v
}

// The margins rule on tables made to need each of its three complements: a
// town whose village sums are all shown with a lone small group (the
// review's town: its next-smallest group is hidden), a town whose groups
// are all shown with a lone hidden village sum (another village's sum,
// one with a hidden group, is hidden), and a county whose group is hidden
// alone while every town's total is public. ProtectVillages' answer, read
// as a planner reads it, gives no hidden count back by either margin.
func TestMarginsRuleComplements(t *testing.T) {
	cases := []struct {
		name     string
		villages []coverage.VillageCoverage
		want     func(vs []coverage.VillageCoverage, towns map[string]coverage.SpecialCounts, county coverage.SpecialCounts) error
	}{
		{"lone small group under shown village sums", []coverage.VillageCoverage{
			village(1, "T1", [6]int64{40, 30, 35, 80, 25, 3}), village(2, "T1", [6]int64{41, 26, 33, 72, 21, 5}),
			village(3, "T2", [6]int64{60, 50, 50, 90, 30, 20}), village(4, "T2", [6]int64{60, 50, 50, 90, 30, 30}),
		}, func(_ []coverage.VillageCoverage, towns map[string]coverage.SpecialCounts, _ coverage.SpecialCounts) error {
			if n := hiddenGroups(towns["T1"]); n < 2 {
				return fmt.Errorf("town T1: %d groups hidden, want at least 2 (community correction and a complement)", n)
			}
			return nil
		}},
		{"lone hidden village sum under shown groups", []coverage.VillageCoverage{
			village(1, "T1", [6]int64{5, 0, 0, 0, 0, 0}), village(2, "T1", [6]int64{20, 30, 40, 50, 60, 70}),
			village(3, "T1", [6]int64{60, 50, 50, 90, 30, 30}),
		}, nil},
		{"county group alone under public town totals", []coverage.VillageCoverage{
			village(1, "T1", [6]int64{40, 30, 35, 80, 25, 3}), village(2, "T1", [6]int64{41, 26, 33, 72, 21, 0}),
			village(3, "T2", [6]int64{60, 50, 50, 90, 30, 0}), village(4, "T2", [6]int64{60, 50, 50, 90, 30, 0}),
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs, towns, county := coverage.ProtectVillages(tc.villages)
			rows := map[string][]coverage.GapRow{}
			var all []coverage.GapRow
			for _, v := range vs {
				r := coverage.GapRow{VillageCode: v.VillageCode, TownCode: v.TownCode, Suppressed: v.Suppressed,
					SpecialUnvisited: v.SpecialUnvisited, SpecialWaiting: v.SpecialWaiting(), SpecialWaitingHouseholds: v.SpecialWaitingHouseholds()}
				rows[v.TownCode] = append(rows[v.TownCode], r)
				all = append(all, r)
			}
			tables := map[string]marginTable{"county": {groups: published(county), villages: all}}
			for code, c := range towns {
				tables["town "+code] = marginTable{groups: published(c), villages: rows[code]}
			}
			var countyTotal int64
			for area, m := range tables {
				if area == "county" {
					continue
				}
				n, ok := m.total()
				if !ok {
					countyTotal = -1
					break
				}
				countyTotal += n
			}
			for area, m := range tables {
				n, ok := m.total()
				if area == "county" && !ok && countyTotal >= 0 {
					n, ok = countyTotal, true
				}
				if !ok {
					continue
				}
				for _, f := range m.recover(n, area) {
					t.Errorf("ProtectVillages(%s): got %s; want no hidden count recoverable", tc.name, f)
				}
			}
			if tc.want != nil {
				if err := tc.want(vs, towns, county); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func published(c coverage.SpecialCounts) map[coverage.Group]privacy.Count {
	out := map[coverage.Group]privacy.Count{}
	for _, g := range coverage.Groups {
		out[g] = c.Published(g)
	}
	return out
}

func hiddenGroups(c coverage.SpecialCounts) int {
	n := 0
	for _, g := range coverage.Groups {
		if c.Hidden(g) {
			n++
		}
	}
	return n
}
