package coverage

import "lianxin/privacy"

// distinctCounts are the towns' and the county's special-group households
// waiting, counted once each however many groups a household is in
// (VillageCoverage.SpecialDistinctUnvisited summed), as the privacy rules
// publish them: the figure the office quotes for five full coverages #4
// and #5, where the groups' counts add a household once per group.
type distinctCounts struct {
	towns  map[string]privacy.Count
	county privacy.Count
}

// publishDistinct reads the towns' and the county's counts off the tree
// protectVillages protected the villages' counts in (t, its hidden nodes
// and whether its whole must be hidden), so that a town's count is hidden
// exactly where that tree says, and no town less its villages shown gives a
// hidden village back. A hidden count reads "≥" the sum of the village
// counts shown beneath it, which the reader can add up already. The county
// is hidden as Protect says, and when it or the households it implies were
// visited are small (never at a county's size, but the rule is the rule).
func publishDistinct(vs []VillageCoverage, t privacy.Tree[string], hidden map[string]bool, topHidden bool,
	townD map[string][2]int64, townKey func(string) string) distinctCounts {
	shownBelow := map[string]int64{}
	var countyShown int64
	for _, v := range vs {
		if v.Suppressed || v.SpecialDistinctHidden {
			continue
		}
		shownBelow[v.TownCode] += v.SpecialDistinctUnvisited
		countyShown += v.SpecialDistinctUnvisited
	}
	out := distinctCounts{towns: map[string]privacy.Count{}}
	var total, households int64
	for code, d := range townD {
		n := t.Value[townKey(code)]
		total += n
		households += d[0]
		if hidden[townKey(code)] {
			out.towns[code] = privacy.Withhold(n, shownBelow[code])
		} else {
			out.towns[code] = privacy.Shown(n)
		}
	}
	out.county = privacy.Shown(total)
	if topHidden || privacy.SmallCount(total) || privacy.SmallCount(households-total) {
		out.county = privacy.Withhold(total, countyShown)
	}
	return out
}
