package coverage

import (
	"context"
	"slices"

	"lianxin"
	"lianxin/privacy"
)

// AsAsked is every village a filter selects as the village panel gives it:
// for a team leader, their own towns' villages exact over the window asked
// (the panel's, gap report's and summary's "their own town's exactly",
// figures they may read entry by entry anyway), every other village as
// published, over whole weeks (Published.Window). For every other scope it
// is PublishVillages' answer, one window for all.
//
// The villages tile layer and the village_coverage and gaps exports are
// built from it, so a leader's map colours, downloads and panel agree for a
// window that is not whole weeks.
type AsAsked struct {
	Published
	// Own is the window the own towns' villages cover: the window asked, or
	// Published.Window when no village is exact.
	Own   Window
	exact map[int32]bool // village ids over Own
}

// Exact reports whether village id's figures cover Own (an own town's
// village, exact) rather than Window.
func (a AsAsked) Exact(id int32) bool { return a.exact[id] }

// WindowOf is the window v's figures cover.
func (a AsAsked) WindowOf(v VillageCoverage) Window {
	if a.exact[v.VillageID] {
		return a.Own
	}
	return a.Window
}

// PublishVillagesAsAsked returns f's villages over w as the village panel
// gives each of them to scope (AsAsked). A team leader's own villages come
// from the same call as the panel's (publishVillages with ownExact, f's
// villages of their own towns named one by one), so the two agree figure for
// figure; no other town's figure leaves over w.
func PublishVillagesAsAsked(ctx context.Context, src VillageSource, scope lianxin.Scope, w Window, f Filter) (AsAsked, error) {
	pub, err := PublishVillages(ctx, src, scope, w, f)
	if err != nil {
		return AsAsked{}, err
	}
	out := AsAsked{Published: pub, Own: pub.Window}
	if !privacy.Partial(scope) {
		return out, nil
	}
	var codes []string
	for _, v := range pub.Villages {
		if scope.SeesTown(v.TownID) {
			codes = append(codes, v.VillageCode)
		}
	}
	if len(codes) == 0 {
		return out, nil
	}
	own, err := publishVillages(ctx, src, scope, w, Filter{Villages: codes, WithSizes: f.WithSizes}, true)
	if err != nil {
		return AsAsked{}, err
	}
	if own.Window != w {
		// Not exact after all (a village outside the scope's towns among
		// them): every village stays as published.
		return out, nil
	}
	byID := make(map[int32]VillageCoverage, len(own.Villages))
	for _, v := range own.Villages {
		if scope.SeesTown(v.TownID) {
			byID[v.VillageID] = v
		}
	}
	out.Villages = slices.Clone(pub.Villages)
	out.Own, out.exact = w, make(map[int32]bool, len(byID))
	for i, v := range out.Villages {
		if e, ok := byID[v.VillageID]; ok {
			out.Villages[i] = e
			out.exact[v.VillageID] = true
		}
	}
	return out, nil
}

// BuildGapsAsAsked is BuildGaps over a's villages, each judged over its own
// window (days since the last visit count to that window's last day, or
// o.Today), ranked together as one report.
func BuildGapsAsAsked(a AsAsked, o GapOptions) ([]GapRow, error) {
	less, err := gapOrder(o.Sort)
	if err != nil {
		return nil, err
	}
	var exact, rest []VillageCoverage
	for _, v := range a.Villages {
		if a.exact[v.VillageID] {
			exact = append(exact, v)
		} else {
			rest = append(rest, v)
		}
	}
	if len(exact) == 0 {
		return BuildGaps(rest, a.Window, o)
	}
	rows, err := BuildGaps(exact, a.Own, o)
	if err != nil {
		return nil, err
	}
	more, err := BuildGaps(rest, a.Window, o)
	if err != nil {
		return nil, err
	}
	rows = append(rows, more...)
	slices.SortStableFunc(rows, less)
	rankGaps(rows)
	return rows, nil
}
