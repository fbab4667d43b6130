package coverage

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
	"lianxin/privacy"
)

// Publishing applies the privacy rules (package privacy) to the village and
// cell figures a role without household access asks for. Every report,
// export and tile is built from PublishVillages or PublishCells, so the
// rules hold in one place per kind of figure; a scope with household access
// gets the store's exact figures through the same calls.

// MaxPublishedResolution is the finest H3 resolution a role without
// household access may ask for (the "resolution 8 or coarser").
const MaxPublishedResolution = 8

// CampaignSource gives the campaign's first day, from which weeks count.
type CampaignSource interface {
	Campaign(ctx context.Context, scope lianxin.Scope) (Campaign, error)
}

// VillageSource is what PublishVillages reads; *store.Store implements it.
type VillageSource interface {
	CampaignSource
	VillageCoverage(ctx context.Context, scope lianxin.Scope, w Window, f Filter) ([]VillageCoverage, error)
}

// CellSource is what PublishCells reads; *store.Store implements it.
// CountyCells is CellAggregates over the whole county without the
// households and entries of the villages leaveOut names.
type CellSource interface {
	VillageSource
	TownSource
	CellAggregates(ctx context.Context, scope lianxin.Scope, res int, w Window, bound orb.Bound, town string) ([]CellAggregate, error)
	CountyCells(ctx context.Context, scope lianxin.Scope, res int, w Window, leaveOut []int32) ([]CellAggregate, error)
}

// TownSource lists the towns: a team leader's own towns are named by id in
// the scope, a town filter by code.
type TownSource interface {
	Towns(ctx context.Context, scope lianxin.Scope) ([]Town, error)
}

// PublishWindow is the window scope's aggregates are computed over: w, or
// for a role without household access w widened to whole campaign weeks
// (privacy rule 5).
func PublishWindow(scope lianxin.Scope, w Window, startsOn time.Time) Window {
	if !privacy.Applies(scope) {
		return w
	}
	from, to := privacy.Weeks(w.From, w.To, Day(startsOn))
	return Window{From: from, To: to}
}

func publishWindow(ctx context.Context, src CampaignSource, scope lianxin.Scope, w Window) (Window, error) {
	if !privacy.Applies(scope) {
		return w, nil
	}
	c, err := src.Campaign(ctx, scope)
	if err != nil {
		return w, err
	}
	return PublishWindow(scope, w, c.StartsOn), nil
}

// Published is the village figures of a request and the window they cover,
// with the hidden counts of the towns and the county (for the summary).
type Published struct {
	Villages []VillageCoverage
	Window   Window
	// Towns holds, per town code, the town's unvisited special-group counts
	// with their hidden marks; County the same for every village in scope.
	Towns  map[string]SpecialCounts
	County SpecialCounts
	// TownsWaiting and CountyWaiting are the same areas' special-group
	// households waiting counted once each (SpecialDistinctUnvisited
	// summed), hidden where the rules hide them; nil and zero without
	// rules (the summary sums the villages then).
	TownsWaiting  map[string]privacy.Count
	CountyWaiting privacy.Count
	// suppressedAll lists every village the rules suppress, whichever
	// town it is in and whatever the filter selected (nil without rules).
	suppressedAll []int32
}

// SuppressedIDs lists the ids of the villages suppressed (rule 2): what
// every total and cell a protected role sees leaves out, so that it less
// the villages shown gives none of them back.
func (p Published) SuppressedIDs() []int32 {
	var ids []int32
	for _, v := range p.Villages {
		if v.Suppressed {
			ids = append(ids, v.VillageID)
		}
	}
	return ids
}

// PublishVillages returns f's villages over w as scope may see them: the
// store's figures for a scope with household access; otherwise over whole
// weeks, with small areas suppressed and small or recoverable counts
// hidden. The hidden marks are decided over every village the scope can
// see, whatever f selects, so the same village shows the same marks in
// every report.
//
// A team leader (household access in their own towns only) gets the rules'
// answer over the same whole weeks, decided knowing their own towns: those
// towns and their villages are exact, and the rules protect other towns'
// values without relying on any figure the leader can count for themselves.
func PublishVillages(ctx context.Context, src VillageSource, scope lianxin.Scope, w Window, f Filter) (Published, error) {
	return publishVillages(ctx, src, scope, w, f, false)
}

// publishVillages is PublishVillages; with ownExact, a team leader whose
// filter (a town or villages) selects only villages of their own towns gets
// them over w exactly as asked, not widened to whole weeks: README's "their
// own town's exactly", figures they may read entry by entry anyway. Other
// towns' marks are still decided (Published.suppressedAll, by households,
// whatever the window), but no other town's figure is returned.
func publishVillages(ctx context.Context, src VillageSource, scope lianxin.Scope, w Window, f Filter, ownExact bool) (Published, error) {
	rules := scope
	if privacy.Partial(scope) {
		rules = privacy.Without(scope)
	}
	var vs []VillageCoverage
	exact := false
	if ownExact && privacy.Partial(scope) && (f.Town != "" || f.Villages != nil) {
		own, err := src.VillageCoverage(ctx, scope, w, f)
		if err != nil {
			return Published{}, err
		}
		exact = len(own) > 0 && !slices.ContainsFunc(own, func(v VillageCoverage) bool { return !scope.SeesTown(v.TownID) })
		if exact {
			vs = own
		}
	}
	if !exact {
		var err error
		if w, err = publishWindow(ctx, src, rules, w); err != nil {
			return Published{}, err
		}
		if vs, err = src.VillageCoverage(ctx, scope, w, f); err != nil {
			return Published{}, err
		}
	}
	if !privacy.Applies(rules) {
		return Published{Villages: vs, Window: w}, nil
	}
	var err error
	all := vs
	if f.Town != "" || f.Villages != nil {
		if all, err = src.VillageCoverage(ctx, scope, w, Filter{}); err != nil {
			return Published{}, err
		}
	}
	var known map[string]bool // the leader's own towns, by code
	if privacy.Partial(scope) {
		known = map[string]bool{}
		for _, v := range all {
			if scope.SeesTown(v.TownID) {
				known[v.TownCode] = true
			}
		}
	}
	marks, towns, county, distinct := protectMarksDistinct(all, known)
	suppressedAll := []int32{}
	for _, v := range all {
		if !known[v.TownCode] && marks[v.VillageID].suppressed {
			suppressedAll = append(suppressedAll, v.VillageID)
		}
	}
	if exact {
		// Over a window that need not be whole weeks: no total of another
		// town or of the county leaves (only the villages asked, all the
		// leader's own, and their towns' counts).
		towns = maps.Clone(towns)
		maps.DeleteFunc(towns, func(code string, _ SpecialCounts) bool { return !known[code] })
		county = SpecialCounts{hidden: 0x3f}
		distinct.towns = maps.Clone(distinct.towns)
		maps.DeleteFunc(distinct.towns, func(code string, _ privacy.Count) bool { return !known[code] })
		distinct.county = privacy.Withhold(distinct.county.N, 0)
	}
	for i, v := range vs {
		if known[v.TownCode] {
			continue
		}
		m := marks[v.VillageID]
		v.Suppressed, v.SpecialWaitingHidden, v.SpecialDistinctHidden = m.suppressed, m.waitingHidden, m.distinctHidden
		v.SpecialHouseholds.hidden, v.SpecialUnvisited.hidden = m.special, m.unvisited
		vs[i] = v
	}
	return Published{Villages: vs, Window: w, Towns: towns, County: county, TownsWaiting: distinct.towns, CountyWaiting: distinct.county,
		suppressedAll: suppressedAll}, nil
}

// ProtectVillages applies privacy rules 2 to 4 to every village of a county
// (or of the towns a scope sees): it returns the villages with their hidden
// marks, and the towns' and the county's unvisited special-group counts
// with theirs. The hierarchy is county → town → village for each group's
// households and unvisited households, and within a village the groups'
// sum over the six groups, with the villages' sums and the towns' (and the
// county's) group counts as two margins of one table (margins); it is
// repeated until no rule hides anything more.
// The special households waiting counted once each (SpecialDistinctUnvisited)
// are then protected over county → town → village too (SpecialDistinctHidden).
func ProtectVillages(all []VillageCoverage) ([]VillageCoverage, map[string]SpecialCounts, SpecialCounts) {
	vs, towns, county, _ := protectVillages(all, nil)
	return vs, towns, county
}

// protectVillages is ProtectVillages for a reader who knows the figures of
// the towns known names (a team leader's own; nil: none): those towns and
// their villages are left as they are and never protect another's value.
// It also returns the towns' and the county's special-group households
// waiting counted once each, as the same tree publishes them (distinctCounts).
func protectVillages(all []VillageCoverage, known map[string]bool) ([]VillageCoverage, map[string]SpecialCounts, SpecialCounts, distinctCounts) {
	vs := slices.Clone(all)
	slices.SortFunc(vs, func(a, b VillageCoverage) int {
		return cmp.Or(cmp.Compare(a.TownCode, b.TownCode), cmp.Compare(a.VillageCode, b.VillageCode))
	})
	townKey := func(code string) string { return "t" + code }
	villageKey := func(code string) string { return "v" + code }
	var roots []string
	children := map[string][]string{}
	for _, v := range vs {
		tk := townKey(v.TownCode)
		if _, ok := children[tk]; !ok {
			roots = append(roots, tk)
		}
		children[tk] = append(children[tk], villageKey(v.VillageCode))
	}
	tree := func(value func(VillageCoverage) int64, primary func(v VillageCoverage, value int64) bool,
		townPrimary func(town string, value int64) bool) privacy.Tree[string] {
		t := privacy.Tree[string]{Roots: roots, Children: children, Value: map[string]int64{}, Primary: map[string]bool{}}
		for _, v := range vs {
			n := value(v)
			t.Value[villageKey(v.VillageCode)] = n
			t.Value[townKey(v.TownCode)] += n
			t.Primary[villageKey(v.VillageCode)] = primary(v, n)
			if known[v.TownCode] {
				if t.Known == nil {
					t.Known = map[string]bool{}
				}
				t.Known[villageKey(v.VillageCode)], t.Known[townKey(v.TownCode)] = true, true
			}
		}
		for _, r := range roots {
			t.Primary[r] = townPrimary(r[1:], t.Value[r])
		}
		return t
	}

	// Rule 2, with its complement: whole villages.
	hhTree := tree(func(v VillageCoverage) int64 { return v.Households },
		func(_ VillageCoverage, n int64) bool { return privacy.TooFewHouseholds(n) },
		func(_ string, n int64) bool { return privacy.TooFewHouseholds(n) })
	rows, _ := privacy.Protect(hhTree, privacy.TooFewHouseholds)
	for i := range vs {
		vs[i].Suppressed = rows[villageKey(vs[i].VillageCode)]
	}

	// Town totals, for the "visited = households − unvisited" rule at town level.
	townS := map[string]SpecialCounts{}
	townU := map[string]SpecialCounts{}
	for _, v := range vs {
		townS[v.TownCode] = townS[v.TownCode].Plus(v.SpecialHouseholds)
		townU[v.TownCode] = townU[v.TownCode].Plus(v.SpecialUnvisited)
	}

	extra := map[string]map[Group]bool{} // unvisited counts hidden by the within-village complement
	// Hidden by the margins rule (margins): towns' group counts, villages'
	// sums over groups, the county's group counts.
	extraTown := map[string]map[Group]bool{}
	extraSum := map[string]bool{}
	var extraCounty [6]bool
	towns := map[string]SpecialCounts{}
	var county SpecialCounts
	for {
		for i := range vs {
			vs[i].SpecialHouseholds.hidden, vs[i].SpecialUnvisited.hidden = 0, 0
		}
		towns = map[string]SpecialCounts{}
		county = SpecialCounts{}
		for _, g := range Groups {
			sTree := tree(func(v VillageCoverage) int64 { return v.SpecialHouseholds.Get(g) },
				func(v VillageCoverage, n int64) bool { return v.Suppressed || privacy.SmallCount(n) },
				func(_ string, n int64) bool { return privacy.SmallCount(n) })
			hiddenS, _ := privacy.Protect(sTree, privacy.SmallCount)
			uTree := tree(func(v VillageCoverage) int64 { return v.SpecialUnvisited.Get(g) },
				func(v VillageCoverage, n int64) bool {
					return v.Suppressed || privacy.SmallCount(n) || privacy.SmallCount(v.SpecialHouseholds.Get(g)-n) ||
						extra[v.VillageCode][g]
				},
				func(town string, n int64) bool {
					return privacy.SmallCount(n) || privacy.SmallCount(townS[town].Get(g)-n) || extraTown[town][g]
				})
			hiddenU, topU := privacy.Protect(uTree, privacy.SmallCount)
			for i, v := range vs {
				if hiddenS[villageKey(v.VillageCode)] {
					vs[i].SpecialHouseholds.Hide(g)
				}
				if hiddenU[villageKey(v.VillageCode)] {
					vs[i].SpecialUnvisited.Hide(g)
				}
			}
			for _, r := range roots {
				t := towns[r[1:]]
				t.AddGroup(g, townU[r[1:]].Get(g))
				if hiddenU[r] {
					t.Hide(g)
				}
				towns[r[1:]] = t
			}
			for _, r := range roots {
				county.AddGroup(g, uTree.Value[r])
			}
			if topU || extraCounty[groupIndex(g)] {
				county.Hide(g)
			}
		}
		// Within a village: the sum over groups is shown unless small, and
		// then at least two groups are hidden with a total that is not small.
		grew := false
		for i, v := range vs {
			if known[v.TownCode] {
				continue // the reader knows every group's count
			}
			vals := make([]int64, len(Groups))
			prim := make([]bool, len(Groups))
			for j, g := range Groups {
				vals[j], prim[j] = v.SpecialUnvisited.Get(g), v.SpecialUnvisited.Hidden(g)
			}
			total := v.SpecialUnvisited.Total()
			visited := v.SpecialHouseholds.Total() - total
			hid, totalHidden := privacy.Complement(total, false, vals, prim, privacy.SmallCount)
			vs[i].SpecialWaitingHidden = v.Suppressed || totalHidden || privacy.SmallCount(total) || privacy.SmallCount(visited) ||
				extraSum[v.VillageCode]
			for j, g := range Groups {
				if hid[j] && !prim[j] {
					if extra[v.VillageCode] == nil {
						extra[v.VillageCode] = map[Group]bool{}
					}
					extra[v.VillageCode][g] = true
					grew = true
				}
			}
		}
		if margins(vs, towns, county, known, extra, extraTown, extraSum, &extraCounty) {
			grew = true
		}
		if !grew {
			break
		}
	}
	// The special-group households waiting counted once each
	// (SpecialDistinctUnvisited), over county → town → village like the
	// group counts, once those are decided: it is hidden when it is 1 to
	// 10, when the visited households it implies are, when it would pin a
	// group count hidden beside it (distinctPins), and as a complement.
	townD := map[string][2]int64{} // households in a group, and those waiting
	for _, v := range vs {
		t := townD[v.TownCode]
		townD[v.TownCode] = [2]int64{t[0] + v.SpecialDistinct, t[1] + v.SpecialDistinctUnvisited}
	}
	dTree := tree(func(v VillageCoverage) int64 { return v.SpecialDistinctUnvisited },
		func(v VillageCoverage, n int64) bool {
			return v.Suppressed || privacy.SmallCount(n) || privacy.SmallCount(v.SpecialDistinct-n) ||
				(!known[v.TownCode] && distinctPins(v))
		},
		func(town string, n int64) bool {
			return privacy.SmallCount(n) || privacy.SmallCount(townD[town][0]-n)
		})
	hiddenD, topD := privacy.Protect(dTree, privacy.SmallCount)
	for i, v := range vs {
		vs[i].SpecialDistinctHidden = hiddenD[villageKey(v.VillageCode)]
	}
	distinct := publishDistinct(vs, dTree, hiddenD, topD, townD, townKey)
	for i := range vs {
		if vs[i].Suppressed {
			vs[i].SpecialHouseholds.hidden, vs[i].SpecialUnvisited.hidden = 0x3f, 0x3f
			vs[i].SpecialDistinctHidden = true
		}
	}
	// A hidden town or county count reads "≥" the sum of the village
	// counts shown beneath it, which the reader can add up already, once
	// that passes 10; else "hidden", as every hidden count does.
	for _, v := range vs {
		t := towns[v.TownCode]
		for j, g := range Groups {
			if !v.SpecialUnvisited.Hidden(g) {
				t.atLeast[j] += v.SpecialUnvisited.Get(g)
				county.atLeast[j] += v.SpecialUnvisited.Get(g)
			}
		}
		towns[v.TownCode] = t
	}
	return vs, towns, county, distinct
}

// margins applies rule 4 to the second hierarchy of the villages × groups
// table of special households waiting. Its two margins — each village's sum
// over groups (special_waiting) and each group's total over a town's
// villages (the town's summary) — add up to the same town total T: public
// when every group of the town is shown, when every village's sum is shown
// (or follows from its groups, all shown), or when the county's T is public
// and every other town's T is. The county's T is public when its groups
// are all shown or every town's T is. Under a public T, each side is a
// parent's children as elsewhere: hidden none, or at least two whose total
// is not small. A group side short of that hides its next-smallest groups
// (Complement); a villages' side hides the sum of the smallest village that
// then hides something (one with a hidden group), else of the smallest with
// its two smallest groups. A county group hidden so gets, when no town's
// count of it is hidden, its two smallest towns' hidden as well (the
// county is their sum). vs, towns and county are this round's marks;
// what it hides goes into the extra maps, read by the next round. A town
// the reader knows counts as public and gives no complement. It reports
// whether it hid anything new.
func margins(vs []VillageCoverage, towns map[string]SpecialCounts, county SpecialCounts, known map[string]bool,
	extra, extraTown map[string]map[Group]bool, extraSum map[string]bool, extraCounty *[6]bool) bool {
	var codes []string
	byTown := map[string][]int{}
	for i, v := range vs {
		if _, ok := byTown[v.TownCode]; !ok {
			codes = append(codes, v.TownCode)
		}
		byTown[v.TownCode] = append(byTown[v.TownCode], i)
	}
	sumKnown := func(v VillageCoverage) bool {
		return !v.Suppressed && (!v.SpecialWaitingHidden || v.SpecialUnvisited.hidden == 0)
	}
	public := map[string]bool{}
	var closed []string
	for _, code := range codes {
		public[code] = known[code] || towns[code].hidden == 0 ||
			!slices.ContainsFunc(byTown[code], func(i int) bool { return !sumKnown(vs[i]) })
		if !public[code] {
			closed = append(closed, code)
		}
	}
	countyPublic := county.hidden == 0 || len(closed) == 0
	if countyPublic && len(closed) == 1 {
		public[closed[0]] = true
	}
	grew := false
	hideTown := func(code string, g Group) {
		if extraTown[code] == nil {
			extraTown[code] = map[Group]bool{}
		}
		if !extraTown[code][g] {
			extraTown[code][g], grew = true, true
		}
	}
	for _, code := range codes {
		if known[code] || !public[code] {
			continue
		}
		t := towns[code]
		vals, prim := make([]int64, len(Groups)), make([]bool, len(Groups))
		for j, g := range Groups {
			vals[j], prim[j] = t.Get(g), t.Hidden(g)
		}
		hid, _ := privacy.Complement(t.Total(), false, vals, prim, privacy.SmallCount)
		for j, g := range Groups {
			if hid[j] && !prim[j] {
				hideTown(code, g)
			}
		}
		idx := byTown[code]
		for {
			var n int
			var hiddenTotal int64
			for _, i := range idx {
				if !sumKnown(vs[i]) {
					n++
					hiddenTotal += vs[i].SpecialUnvisited.Total()
				}
			}
			if n == 0 || n >= 2 && !privacy.SmallCount(hiddenTotal) {
				break
			}
			next, withHidden := -1, false
			for _, i := range idx {
				v := vs[i]
				if !sumKnown(v) {
					continue
				}
				h := v.SpecialUnvisited.hidden != 0
				if next < 0 || h && !withHidden || h == withHidden && v.SpecialUnvisited.Total() < vs[next].SpecialUnvisited.Total() {
					next, withHidden = i, h
				}
			}
			if next < 0 {
				break // every village's sum hidden already
			}
			v := &vs[next]
			extraSum[v.VillageCode], v.SpecialWaitingHidden, grew = true, true, true
			if !withHidden {
				// Its sum would follow from its groups: hide the two smallest.
				for range 2 {
					small := -1
					for j, g := range Groups {
						if !v.SpecialUnvisited.Hidden(g) && (small < 0 || v.SpecialUnvisited.Get(g) < v.SpecialUnvisited.Get(Groups[small])) {
							small = j
						}
					}
					if extra[v.VillageCode] == nil {
						extra[v.VillageCode] = map[Group]bool{}
					}
					extra[v.VillageCode][Groups[small]] = true
					v.SpecialUnvisited.Hide(Groups[small])
				}
			}
		}
	}
	if !countyPublic {
		return grew
	}
	vals, prim := make([]int64, len(Groups)), make([]bool, len(Groups))
	for j, g := range Groups {
		vals[j], prim[j] = county.Get(g), county.Hidden(g)
	}
	hid, _ := privacy.Complement(county.Total(), false, vals, prim, privacy.SmallCount)
	for j, g := range Groups {
		if !hid[j] || prim[j] || extraCounty[j] {
			continue
		}
		extraCounty[j], grew = true, true
		// The county's count is its towns' sum: two of them hidden too,
		// unless one is already.
		var open []string
		hiddenBelow := false
		for _, code := range codes {
			switch {
			case towns[code].Hidden(g):
				hiddenBelow = true
			case !known[code]:
				open = append(open, code)
			}
		}
		if hiddenBelow {
			continue
		}
		slices.SortStableFunc(open, func(a, b string) int { return cmp.Compare(towns[a].Get(g), towns[b].Get(g)) })
		for _, code := range open[:min(2, len(open))] {
			hideTown(code, g)
		}
	}
	return grew
}

// distinctPins reports whether v's special-group households waiting,
// counted once each (D), would give back a group count hidden beside it:
// every group's waiting households are at most D, and the groups together
// at least D. With the sum over groups shown, the hidden groups' total T is
// known and each hidden group lies in [T − (k−1)·D, min(D, T)] for k hidden
// groups; with the sum hidden, a lone hidden group beside shown groups of
// 0 is D exactly. D = 0 says every group is 0.
func distinctPins(v VillageCoverage) bool {
	var k int64
	var shown int64
	for _, g := range Groups {
		if v.SpecialUnvisited.Hidden(g) {
			k++
		} else {
			shown += v.SpecialUnvisited.Get(g)
		}
	}
	d := v.SpecialDistinctUnvisited
	switch {
	case k == 0:
		return false
	case d == 0:
		return true
	case v.SpecialWaitingHidden:
		return k == 1 && shown == 0
	}
	t := v.SpecialUnvisited.Total() - shown
	return max(0, t-(k-1)*d) >= min(d, t)
}

// PublishCells returns the res cells of bound over w (the store's
// CellAggregates) as scope may see them. For a role without household
// access: res at most MaxPublishedResolution and no town filter
// (EForbidden), the window widened to whole weeks, cells with 1 to 4
// households left out and small or recoverable special-group counts marked
// hidden, decided over the whole county at resolutions 6 to 8 (rule 4) so
// that a tile, an export and a coarser or finer request agree. The cells
// leave out the households and entries of the villages the scope's gap
// report suppresses, as its summary does: cells and summaries are two
// hierarchies over the same entries, and the county's cells less its
// summary would otherwise give those villages' figures back together.
func PublishCells(ctx context.Context, src CellSource, scope lianxin.Scope, res int, w Window, bound orb.Bound, town string) ([]CellAggregate, Window, error) {
	if privacy.Partial(scope) && (res > MaxPublishedResolution || town != "") {
		return ownCells(ctx, src, scope, res, w, bound, town)
	}
	rules := scope
	if privacy.Partial(scope) {
		// Every town's hexagons, under the rules of a role without
		// household access, decided knowing what the leader can count.
		rules = privacy.Without(scope)
	}
	if !privacy.Applies(rules) {
		cs, err := src.CellAggregates(ctx, scope, res, w, bound, town)
		return cs, w, err
	}
	if err := CheckResolution(res); err != nil {
		return nil, w, err
	}
	if res > MaxPublishedResolution {
		return nil, w, lianxin.Errorf(lianxin.EForbidden, "res: %d is finer than %d, the finest resolution your role may see without household access", res, MaxPublishedResolution)
	}
	if town != "" {
		return nil, w, lianxin.Errorf(lianxin.EForbidden, "town: one town's share of each hexagon needs household access (ask for every town's)")
	}
	sel, err := SelectCells(bound, res)
	if err != nil {
		return nil, w, err
	}
	w, err = publishWindow(ctx, src, rules, w)
	if err != nil {
		return nil, w, err
	}
	pub, err := PublishVillages(ctx, src, scope, w, Filter{})
	if err != nil {
		return nil, w, err
	}
	fine, err := src.CountyCells(ctx, scope, MaxPublishedResolution, w, pub.SuppressedIDs())
	if err != nil {
		return nil, w, err
	}
	var known cellsKnown
	if privacy.Partial(scope) {
		own, _, err := ownCells(ctx, src, scope, MaxPublishedResolution, w, orb.Bound{}, "")
		if err != nil {
			return nil, w, err
		}
		known = knownCells(fine, own)
	}
	levels, err := protectCells(fine, known)
	if err != nil {
		return nil, w, err
	}
	var out []CellAggregate
	for _, c := range levels[res] {
		if sel.Has(c.Cell) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b CellAggregate) int { return cmp.Compare(a.Cell, b.Cell) })
	return out, w, nil
}

// ownCells is what a scope with household access in its own towns only (a
// team leader) sees of hexagons finer than a planner may, or of one town's
// share: its own towns' shares, exact, summed over its towns. A town filter
// naming another town is refused as it is for a role without household
// access.
func ownCells(ctx context.Context, src CellSource, scope lianxin.Scope, res int, w Window, bound orb.Bound, town string) ([]CellAggregate, Window, error) {
	towns, err := src.Towns(ctx, scope)
	if err != nil {
		return nil, w, err
	}
	var codes []string
	for _, t := range towns {
		switch {
		case town == "" && scope.SeesTown(t.ID), town == t.Code && scope.SeesTown(t.ID):
			codes = append(codes, t.Code)
		case town == t.Code:
			return nil, w, lianxin.Errorf(lianxin.EForbidden, "town: %s is not one of your towns, and one town's share of each hexagon needs household access there", town)
		}
	}
	if town != "" && len(codes) == 0 {
		// Not a town at all: the store says so.
		cs, err := src.CellAggregates(ctx, scope, res, w, bound, town)
		return cs, w, err
	}
	byCell := map[int64]*CellAggregate{}
	var out []CellAggregate
	for _, code := range codes {
		cs, err := src.CellAggregates(ctx, scope, res, w, bound, code)
		if err != nil {
			return nil, w, err
		}
		if len(codes) == 1 {
			return cs, w, nil
		}
		for _, c := range cs {
			if a := byCell[c.Cell]; a != nil {
				a.add(c)
			} else {
				byCell[c.Cell] = &c
			}
		}
	}
	for _, a := range byCell {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b CellAggregate) int { return cmp.Compare(a.Cell, b.Cell) })
	return out, w, nil
}

// add counts c's households, visits and problems into a (a parent cell, or
// the same cell's share of another town).
func (a *CellAggregate) add(c CellAggregate) {
	a.Households += c.Households
	a.Residents += c.Residents
	a.VisitedHouseholds += c.VisitedHouseholds
	a.VisitedResidents += c.VisitedResidents
	a.Visits += c.Visits
	a.SpecialHouseholds += c.SpecialHouseholds
	a.SpecialUnvisited += c.SpecialUnvisited
	a.ProblemsCollected += c.ProblemsCollected
	a.ProblemsResolved += c.ProblemsResolved
	a.OpenProblems = max(0, a.ProblemsCollected-a.ProblemsResolved)
}

// ProtectCells rolls cells of one resolution up to MinCellResolution and
// applies privacy rules 2 to 4 over the hierarchy county → res 6 → … → the
// cells' resolution. It returns the published cells of each resolution:
// cells with 1 to 4 households (and those hidden to protect them) left out,
// special-group counts marked hidden.
func ProtectCells(cells []CellAggregate) (map[int][]CellAggregate, error) {
	return protectCellsKnowing(cells, cellsKnown{})
}

// cellsKnown says, per metric, which cells of the finest resolution a
// reader can count for themselves: those wholly in a team leader's own
// towns (their households, their special-group households, and those not
// visited). A coarser cell is known when all its children are.
type cellsKnown struct {
	households, special, unvisited map[int64]bool
}

// knownCells compares the county's cells with a leader's own towns' share
// of them: a metric of a cell is known when the share holds all of it.
func knownCells(fine, own []CellAggregate) cellsKnown {
	k := cellsKnown{households: map[int64]bool{}, special: map[int64]bool{}, unvisited: map[int64]bool{}}
	shares := make(map[int64]CellAggregate, len(own))
	for _, c := range own {
		shares[c.Cell] = c
	}
	for _, c := range fine {
		s, ok := shares[c.Cell]
		if !ok {
			continue // none of it is the leader's
		}
		k.households[c.Cell] = s.Households == c.Households
		k.special[c.Cell] = s.SpecialHouseholds == c.SpecialHouseholds
		k.unvisited[c.Cell] = s.SpecialUnvisited == c.SpecialUnvisited && s.SpecialHouseholds == c.SpecialHouseholds
	}
	return k
}

// protectCellsKnowing is ProtectCells for a reader who knows the metrics
// known marks (the zero cellsKnown: none): known cells are published whole
// and never protect another's value.
func protectCellsKnowing(cells []CellAggregate, known cellsKnown) (map[int][]CellAggregate, error) {
	if len(cells) == 0 {
		return map[int][]CellAggregate{}, nil
	}
	finest := cells[0].Resolution
	byRes := map[int]map[int64]*CellAggregate{finest: {}}
	for i := range cells {
		c := cells[i]
		byRes[finest][c.Cell] = &c
	}
	children := map[int64][]int64{}
	for res := finest - 1; res >= MinCellResolution; res-- {
		byRes[res] = map[int64]*CellAggregate{}
		for id, c := range byRes[res+1] {
			p, err := geo.ParentCell(id, res)
			if err != nil {
				return nil, err
			}
			a := byRes[res][p]
			if a == nil {
				a = &CellAggregate{Cell: p, H3: H3String(p), Resolution: res}
				byRes[res][p] = a
			}
			a.add(*c)
			children[p] = append(children[p], id)
		}
	}
	var roots []int64
	for id := range byRes[MinCellResolution] {
		roots = append(roots, id)
	}
	slices.Sort(roots)
	for _, kids := range children {
		slices.Sort(kids)
	}
	all := map[int64]*CellAggregate{}
	for _, m := range byRes {
		for id, c := range m {
			all[id] = c
		}
	}
	// A coarser cell is known when every child is: finest first upwards.
	knownAll := func(finestKnown map[int64]bool) map[int64]bool {
		if finestKnown == nil {
			return nil
		}
		k := maps.Clone(finestKnown)
		for res := finest - 1; res >= MinCellResolution; res-- {
			for id := range byRes[res] {
				k[id] = !slices.ContainsFunc(children[id], func(c int64) bool { return !k[c] })
			}
		}
		return k
	}
	tree := func(value func(*CellAggregate) int64, primary func(*CellAggregate) bool, known map[int64]bool) privacy.Tree[int64] {
		t := privacy.Tree[int64]{Roots: roots, Children: children, Value: map[int64]int64{}, Primary: map[int64]bool{}, Known: known}
		for id, c := range all {
			t.Value[id] = value(c)
			t.Primary[id] = primary(c)
		}
		return t
	}
	rows, _ := privacy.Protect(tree(func(c *CellAggregate) int64 { return c.Households },
		func(c *CellAggregate) bool { return privacy.TooFewHouseholds(c.Households) }, knownAll(known.households)), privacy.TooFewHouseholds)
	hiddenS, _ := privacy.Protect(tree(func(c *CellAggregate) int64 { return c.SpecialHouseholds },
		func(c *CellAggregate) bool { return rows[c.Cell] || privacy.SmallCount(c.SpecialHouseholds) }, knownAll(known.special)), privacy.SmallCount)
	hiddenU, _ := privacy.Protect(tree(func(c *CellAggregate) int64 { return c.SpecialUnvisited },
		func(c *CellAggregate) bool {
			return rows[c.Cell] || privacy.SmallCount(c.SpecialUnvisited) || privacy.SmallCount(c.SpecialHouseholds-c.SpecialUnvisited)
		}, knownAll(known.unvisited)), privacy.SmallCount)
	out := map[int][]CellAggregate{}
	for res, m := range byRes {
		for id, c := range m {
			if rows[id] {
				continue
			}
			p := *c
			p.SpecialHouseholdsHidden, p.SpecialUnvisitedHidden = hiddenS[id], hiddenU[id]
			out[res] = append(out[res], p)
		}
	}
	return out, nil
}
