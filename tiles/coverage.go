package tiles

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
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
}

// FromEngine adapts the coverage engine's store methods to Coverage.
func FromEngine(cs CoverageStore) Coverage { return engine{cs} }

type engine struct{ cs CoverageStore }

func (e engine) VillageFigures(ctx context.Context, scope lianxin.Scope, f Filter) ([]VillageFigures, error) {
	w, err := f.window()
	if err != nil {
		return nil, err
	}
	// Published figures: for a role without household access, whole weeks,
	// suppressed villages left without figures, small counts without the
	// attribute (privacy rules, package privacy).
	pub, err := coverage.PublishVillages(ctx, e.cs, scope, w, coverage.Filter{Town: f.TownCode})
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
		}
		if c := v.Coverage(); c != nil {
			fig.Coverage = *c
		}
		out = append(out, fig)
	}
	return out, nil
}

func (e engine) HexCells(ctx context.Context, scope lianxin.Scope, q Query) ([]Cell, error) {
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
		cs, err = e.leaderFineCells(ctx, scope, res, w, HexBound(q.Tile))
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

// leaderFineCells is a team leader's hexagon layer finer than resolution 8
// over every town: their own towns' hexagons at res, exact (household
// access there), and around them the resolution-8 hexagons every role sees,
// published as at zoom 11 (privacy rules, suppressed cells left out), so
// that the map does not go blank over a neighbouring town as it is zoomed
// in. A resolution-8 hexagon that holds households or entries of another
// town (among those published: more than the leader's own there, over the
// same whole weeks) is drawn whole at resolution 8, the leader's own in it
// included, and its finer own hexagons are left out: the layer never draws
// two hexagons over one place. Nothing here is new to the leader: the
// coarse hexagons are those of their zoom-11 tiles, the fine ones their own
// towns'.
//
// Comparing the coarse count with the own towns' share holds because the
// leader's own villages are never suppressed for them, whatever their size
// (coverage.PublishVillages leaves their own towns' villages exact): the
// coarse cells leave out other towns' suppressed villages only, so a
// coarse count above the own share is other towns' published households
// or entries. An own village of 1 to 4 households in a border hexagon
// therefore does not hide the other town's households there
// (TestLeaderBorderHexagonWithOwnSmallVillage).
func (e engine) leaderFineCells(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, bound orb.Bound) ([]coverage.CellAggregate, error) {
	own, _, err := coverage.PublishCells(ctx, e.cs, scope, res, w, bound, "")
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: own cells at resolution %d: %w", res, err)
	}
	coarse, pw, err := coverage.PublishCells(ctx, e.cs, scope, coverage.MaxPublishedResolution, w, bound, "")
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: coarse cells: %w", err)
	}
	towns, err := e.cs.Towns(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: towns: %w", err)
	}
	// The leader's own households and entries per resolution-8 hexagon,
	// over the same selection of hexagons and window as coarse.
	type count struct{ households, visits int64 }
	ownCoarse := map[int64]count{}
	for _, t := range towns {
		if !scope.SeesTown(t.ID) {
			continue
		}
		cs, err := e.cs.CellAggregates(ctx, scope, coverage.MaxPublishedResolution, pw, bound, t.Code)
		if err != nil {
			return nil, fmt.Errorf("leader hexagons: town %s's share of the coarse cells: %w", t.Code, err)
		}
		for _, c := range cs {
			o := ownCoarse[c.Cell]
			ownCoarse[c.Cell] = count{o.households + c.Households, o.visits + c.Visits}
		}
	}
	var out []coverage.CellAggregate
	whole := map[int64]bool{} // resolution-8 hexagons drawn whole
	for _, c := range coarse {
		if o := ownCoarse[c.Cell]; c.Households > o.households || c.Visits > o.visits {
			whole[c.Cell] = true
			out = append(out, c)
		}
	}
	for _, c := range own {
		p, err := geo.ParentCell(c.Cell, coverage.MaxPublishedResolution)
		if err != nil {
			return nil, fmt.Errorf("leader hexagons: parent of cell %x: %w", c.Cell, err)
		}
		if !whole[p] {
			out = append(out, c)
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
