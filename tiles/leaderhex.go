package tiles

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
)

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
//
// Every figure here is a whole cell's, whatever the tile (the engine sums
// every child of a selected cell, and the rules are decided over the
// county), so the county's answer is worked out once per scope, resolution,
// window and data versions v (leaderCounty, memoised) and each tile takes
// the cells of its bound from it: a z12 tile cost five queries and the
// county's rules per tile before (BENCHMARKS.md, Coverage engine). v are the
// versions the tile's key was made of; nil reads them first, so an answer
// is never older than the data a caller has seen.
func (e *engine) leaderFineCells(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, bound orb.Bound, v Versions) ([]coverage.CellAggregate, error) {
	if v == nil {
		var err error
		if v, err = e.cs.LayerVersions(ctx, scope); err != nil {
			return nil, fmt.Errorf("leader hexagons: read layer versions: %w", err)
		}
	}
	county, err := e.leader.get(ctx, leaderKey(scope, res, w, v), computeTimeout(ctx), func(ctx context.Context) (*leaderCounty, error) {
		return e.leaderCounty(ctx, scope, res, w)
	})
	if err != nil {
		return nil, err
	}
	// The selections PublishCells makes of bound at each resolution.
	coarseSel, err := coverage.SelectCells(bound, coverage.MaxPublishedResolution)
	if err != nil {
		return nil, err
	}
	fineSel, err := coverage.SelectCells(bound, res)
	if err != nil {
		return nil, err
	}
	var out []coverage.CellAggregate
	for _, c := range county.whole {
		if coarseSel.Has(c.Cell) {
			out = append(out, c)
		}
	}
	for i, c := range county.own {
		// A fine hexagon gives way only to a coarse one this tile draws.
		if p := county.parents[i]; fineSel.Has(c.Cell) && !(county.isWhole[p] && coarseSel.Has(p)) {
			out = append(out, c)
		}
	}
	return out, nil
}

// leaderCounty is leaderFineCells over the whole county: the resolution-8
// hexagons drawn whole (by cell), and the own towns' hexagons at the fine
// resolution with their resolution-8 parents, by cell. Shared: read only.
type leaderCounty struct {
	whole   []coverage.CellAggregate
	isWhole map[int64]bool
	own     []coverage.CellAggregate
	parents []int64 // parents[i]: own[i]'s resolution-8 parent
}

// leaderMemoSize bounds the memo: a few leaders' windows at z12 and z13 (an
// entry holds a town's resolution-10 cells, about 2 MB at scale 10).
const leaderMemoSize = 8

// leaderCounty works out leaderFineCells for the whole county.
func (e *engine) leaderCounty(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window) (*leaderCounty, error) {
	own, _, err := coverage.PublishCells(ctx, e.cs, scope, res, w, orb.Bound{}, "")
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: own cells at resolution %d: %w", res, err)
	}
	coarse, pw, err := coverage.PublishCells(ctx, e.cs, scope, coverage.MaxPublishedResolution, w, orb.Bound{}, "")
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: coarse cells: %w", err)
	}
	towns, err := e.cs.Towns(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("leader hexagons: towns: %w", err)
	}
	// The leader's own households and entries per resolution-8 hexagon,
	// over the same window as coarse.
	type count struct{ households, visits int64 }
	ownCoarse := map[int64]count{}
	for _, t := range towns {
		if !scope.SeesTown(t.ID) {
			continue
		}
		cs, err := e.cs.CellAggregates(ctx, scope, coverage.MaxPublishedResolution, pw, orb.Bound{}, t.Code)
		if err != nil {
			return nil, fmt.Errorf("leader hexagons: town %s's share of the coarse cells: %w", t.Code, err)
		}
		for _, c := range cs {
			o := ownCoarse[c.Cell]
			ownCoarse[c.Cell] = count{o.households + c.Households, o.visits + c.Visits}
		}
	}
	lc := &leaderCounty{isWhole: map[int64]bool{}, own: own, parents: make([]int64, len(own))}
	for _, c := range coarse {
		if o := ownCoarse[c.Cell]; c.Households > o.households || c.Visits > o.visits {
			lc.isWhole[c.Cell] = true
			lc.whole = append(lc.whole, c)
		}
	}
	for i, c := range own {
		if lc.parents[i], err = geo.ParentCell(c.Cell, coverage.MaxPublishedResolution); err != nil {
			return nil, fmt.Errorf("leader hexagons: parent of cell %x: %w", c.Cell, err)
		}
	}
	return lc, nil
}

// leaderKey is the memo key of leaderCounty: the scope's class (its towns),
// the resolution, the window and every table's data version (the rules read
// households, entries, villages, towns and the campaign's first day; a
// write to any table only costs one recomputation).
func leaderKey(scope lianxin.Scope, res int, w coverage.Window, v Versions) string {
	b := make([]byte, 0, 256)
	b = strconv.AppendInt(b, int64(res), 10)
	b = append(b, '|')
	b = appendInstantKey(b, w.From)
	b = append(b, '~')
	b = appendInstantKey(b, w.To)
	tables := make([]string, 0, len(v))
	for t := range v {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		b = append(b, '|')
		b = append(b, t...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v[t], 10)
	}
	b = append(b, '|')
	return string(appendScopeKey(b, scope))
}

// computeTimeout is what is left of ctx's deadline for a shared computation
// (which runs detached from ctx), or leaderComputeTimeout without one.
func computeTimeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Millisecond)
	}
	return leaderComputeTimeout
}

// leaderComputeTimeout bounds a computation asked without a deadline (the
// service's tiles carry BuildTimeout's).
const leaderComputeTimeout = 30 * time.Second
