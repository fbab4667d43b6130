package tiles

import (
	"context"
	"math"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// CoverageStore is what the tiles need of the coverage engine's store
// methods (see the coverage package); Campaign gives the weeks the privacy
// rules widen windows to.
type CoverageStore interface {
	Campaign(ctx context.Context, scope lianxin.Scope) (coverage.Campaign, error)
	Towns(ctx context.Context, scope lianxin.Scope) ([]coverage.Town, error)
	VillageCoverage(ctx context.Context, scope lianxin.Scope, w coverage.Window, f coverage.Filter) ([]coverage.VillageCoverage, error)
	CellAggregates(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, bound orb.Bound, town string) ([]coverage.CellAggregate, error)
	CountyCells(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, leaveOut []int32) ([]coverage.CellAggregate, error)
	// LayerVersions keys the memo of a team leader's fine hexagons
	// (leaderFineCells) when the tile's query does not carry them.
	LayerVersions(ctx context.Context, scope lianxin.Scope) (Versions, error)
}

// FromEngine adapts the coverage engine's store methods to Coverage.
func FromEngine(cs CoverageStore) Coverage {
	return &engine{cs: cs, leader: sharedMemo[*leaderCounty]{size: leaderMemoSize}}
}

type engine struct {
	cs CoverageStore
	// leader memoises a team leader's county-wide hexagons finer than
	// resolution 8 (leaderFineCells) by scope, resolution, window and data
	// versions.
	leader sharedMemo[*leaderCounty]
}

func (e *engine) VillageFigures(ctx context.Context, scope lianxin.Scope, f Filter) ([]VillageFigures, error) {
	w, err := f.window()
	if err != nil {
		return nil, err
	}
	// Published figures: for a role without household access, whole weeks,
	// suppressed villages left without figures, small counts without the
	// attribute (privacy rules, package privacy). A team leader's own
	// towns' villages are exact over the window asked, as their village
	// panel gives them, so the map's colour and the panel agree.
	pub, err := coverage.PublishVillagesAsAsked(ctx, e.cs, scope, w, coverage.Filter{Town: f.TownCode})
	if err != nil {
		return nil, err
	}
	out := make([]VillageFigures, 0, len(pub.Villages))
	for _, v := range pub.Villages {
		if v.Suppressed {
			continue
		}
		fig := VillageFigures{
			VillageID: v.VillageID, VisitedResidents: v.VisitedResidents, Coverage: math.NaN(),
			Reached:              v.Reached(),
			ResidentsNeeded:      v.ResidentsNeeded(),
			SpecialWaiting:       v.SpecialUnvisited.Total(),
			SpecialWaitingHidden: v.SpecialWaiting().Hidden,
			// Each household once (migration 032), as the gap report's.
			SpecialWaitingHouseholds:       v.SpecialDistinctUnvisited,
			SpecialWaitingHouseholdsHidden: v.SpecialWaitingHouseholds().Hidden,
		}
		if c := v.Coverage(); c != nil {
			fig.Coverage = *c
		}
		out = append(out, fig)
	}
	return out, nil
}

func (e *engine) HexCells(ctx context.Context, scope lianxin.Scope, q Query) ([]Cell, error) {
	w, err := q.Filter.window()
	if err != nil {
		return nil, err
	}
	res, town := q.Resolution, q.Filter.TownCode
	switch {
	case privacy.Applies(scope):
		// Without household access hexagons stop at resolution 8 (they grow
		// on screen past zoom 11), show every town's households (one town's
		// share of a border hexagon would be a second hierarchy to subtract)
		// and follow the privacy rules.
		res, town = min(res, coverage.MaxPublishedResolution), ""
	case privacy.Partial(scope) && town != "":
		// A team leader looking at another town gets the hexagons every
		// role sees (their own towns' alone past resolution 8), not an
		// error in the middle of the map.
		other, err := otherTown(ctx, e.cs, scope, town)
		if err != nil {
			return nil, err
		}
		if other {
			town = ""
		}
	}
	var cs []coverage.CellAggregate
	if privacy.Partial(scope) && town == "" && res > coverage.MaxPublishedResolution {
		cs, err = e.leaderFineCells(ctx, scope, res, w, HexBound(q.Tile), q.Versions)
	} else {
		cs, _, err = coverage.PublishCells(ctx, e.cs, scope, res, w, HexBound(q.Tile), town)
	}
	if err != nil {
		return nil, err
	}
	out := make([]Cell, len(cs))
	for i, c := range cs {
		out[i] = Cell{
			ID: c.Cell, Households: c.Households, Residents: c.Residents,
			VisitedHouseholds: c.VisitedHouseholds, VisitedResidents: c.VisitedResidents,
			Visits: c.Visits, SpecialWaiting: c.SpecialUnvisited, OpenProblems: c.OpenProblems,
			SpecialWaitingHidden: c.SpecialUnvisitedHidden,
		}
	}
	return out, nil
}

// otherTown reports whether code names a town outside scope's towns (an
// unknown code is left for the engine to refuse).
func otherTown(ctx context.Context, cs CoverageStore, scope lianxin.Scope, code string) (bool, error) {
	towns, err := cs.Towns(ctx, scope)
	if err != nil {
		return false, err
	}
	for _, t := range towns {
		if t.Code == code {
			return !scope.SeesTown(t.ID), nil
		}
	}
	return false, nil
}

// window turns a resolved filter (From and To set) into the engine's window.
func (f Filter) window() (coverage.Window, error) {
	return coverage.NewWindow(f.From, f.To)
}

// resolveWindow resolves the filter's window as every report does
// (coverage.ResolveWindow): an open From is the campaign's start, one
// before it is clamped to it, and an open To is the end of today.
func (f Filter) resolveWindow(startsOn func() (time.Time, error), now time.Time) (Filter, error) {
	s, err := startsOn()
	if err != nil {
		return f, err
	}
	w, err := coverage.ResolveWindow(s, now, f.From, f.To)
	if err != nil {
		return f, err
	}
	f.From, f.To = w.From, w.To
	return f, nil
}
