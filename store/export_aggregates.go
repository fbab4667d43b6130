package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/export"
	"lianxin/geo"
)

// Aggregate layers come from the coverage engine (VillageCoverage,
// CellAggregates, BuildGaps), which returns at most one row per village or
// cell; the rows are joined to their geometry and filtered here, then sent
// one at a time like a stored layer's.

func (s *Store) aggregateWindow(ctx context.Context, scope lianxin.Scope, f export.Filter) (coverage.Window, error) {
	camp, err := s.Campaign(ctx, scope)
	if err != nil {
		return coverage.Window{}, err
	}
	var from, to time.Time // zero: the default (coverage.ResolveWindow)
	if f.From != nil {
		from = *f.From
	}
	if f.To != nil {
		to = *f.To
	}
	return coverage.ResolveWindow(camp.StartsOn, time.Now(), from, to)
}

const villageBoundariesSQL = `SELECT code, ST_AsBinary(boundary) FROM villages`

func (s *Store) villageBoundaries(ctx context.Context, scope lianxin.Scope) (map[string]orb.Geometry, error) {
	out := map[string]orb.Geometry{}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, villageBoundariesSQL)
		if err != nil {
			return fmt.Errorf("village boundaries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var b []byte
			if err := rows.Scan(&code, &b); err != nil {
				return err
			}
			g, err := DecodeWKB(b)
			if err != nil {
				return fmt.Errorf("village %s: %w", code, err)
			}
			out[code] = g
		}
		return rows.Err()
	})
	return out, err
}

func i64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func f64(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// aggregateRows builds the rows of an aggregate layer.
func (s *Store) aggregateRows(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter) ([]export.Row, error) {
	w, err := s.aggregateWindow(ctx, scope, f)
	if err != nil {
		return nil, err
	}
	var out []export.Row
	switch l.Name {
	case "village_coverage", "gaps":
		// Published figures: the privacy rules for a role without household
		// access (whole weeks, small areas and counts hidden as null); a team
		// leader's own towns' villages exact over the window asked, as their
		// village panel gives them. Each row names the window it covers.
		pub, err := coverage.PublishVillagesAsAsked(ctx, s, scope, w, coverage.Filter{Town: f.Town, WithSizes: l.Name == "gaps"})
		if err != nil {
			return nil, err
		}
		vc := pub.Villages
		win := func(v coverage.VillageCoverage) []any { w := pub.WindowOf(v); return []any{w.From, w.To} }
		bounds, err := s.villageBoundaries(ctx, scope)
		if err != nil {
			return nil, err
		}
		byCode := map[string]coverage.VillageCoverage{}
		for _, v := range vc {
			byCode[v.VillageCode] = v
		}
		common := func(v coverage.VillageCoverage) []any {
			var last any
			if v.LastVisitOn != nil {
				last = *v.LastVisitOn
			}
			var special any = v.SpecialUnvisited.Total()
			if v.SpecialWaiting().Hidden {
				special = nil
			}
			// Each household once, as the gap report gives it; null when
			// withheld, like the sum beside it.
			var waitingHouseholds any = v.SpecialDistinctUnvisited
			if v.SpecialWaitingHouseholds().Hidden {
				waitingHouseholds = nil
			}
			if v.Suppressed {
				return []any{v.VillageID, v.VillageCode, v.VillageName, v.TownCode, v.TownName, v.ResidentPopulation,
					nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil}
			}
			return []any{v.VillageID, v.VillageCode, v.VillageName, v.TownCode, v.TownName, v.ResidentPopulation,
				v.Households, v.VisitedHouseholds, v.VisitedResidents, f64(v.Coverage()), v.Reached(),
				v.ResidentsNeeded(), v.Visits, v.ProblemsCollected,
				v.ProblemsResolved, special, waitingHouseholds, last}
		}
		if l.Name == "village_coverage" {
			for _, v := range vc {
				// rural says which rule the village is judged by; the rule it
				// fails is null when it meets its rule (every format reads a
				// null alike; a shapefile has no empty string) and hidden
				// with its other figures when suppressed.
				var reason any
				if r := v.GapReason(); r != "" && !v.Suppressed {
					reason = r
				}
				vals := append(common(v), v.Rural, reason)
				out = append(out, export.Row{ID: int64(v.VillageID), Geom: bounds[v.VillageCode], Values: append(vals, win(v)...)})
			}
			break
		}
		bases := map[string]orb.Point{}
		teams, err := s.Teams(ctx, scope)
		if err != nil {
			return nil, err
		}
		for _, t := range teams {
			bases[t.TownCode] = t.Base
		}
		// The gap report's villages, by the coverage engine's rule of what
		// is in gap, ranked as the report ranks them.
		gaps, err := coverage.BuildGapsAsAsked(pub, coverage.GapOptions{Bases: bases, Today: time.Now()})
		if err != nil {
			return nil, err
		}
		for _, g := range gaps {
			v := byCode[g.VillageCode]
			var days any
			if g.DaysSinceLastVisit != nil {
				days = int64(*g.DaysSinceLastVisit)
			}
			var rank any // a reached village has none (not listed here: no all=)
			if g.Rank != nil {
				rank = int64(*g.Rank)
			}
			vals := append([]any{rank}, common(v)...)
			vals = append(vals, g.Rural, g.GapReason, i64(g.HouseholdsNeeded), i64(g.HouseholdsNeededTypical),
				f64(g.CoverageIfVisited), days, f64(g.DistanceKm), g.Priority)
			out = append(out, export.Row{ID: int64(v.VillageID), Geom: bounds[v.VillageCode], Values: append(vals, win(v)...)})
		}
	case "h3_cells":
		res := f.Resolution
		if res == 0 {
			res = export.DefaultResolution
		}
		var bound orb.Bound
		if f.BBox != nil {
			bound = *f.BBox
		}
		cells, w, err := coverage.PublishCells(ctx, s, scope, res, w, bound, f.Town)
		if err != nil {
			return nil, err
		}
		win := []any{w.From, w.To}
		for _, c := range cells {
			poly, err := geo.CellBoundary(c.Cell)
			if err != nil {
				return nil, err
			}
			var special, unvisited any = c.SpecialHouseholds, c.SpecialUnvisited
			if c.SpecialHouseholdsHidden {
				special = nil
			}
			if c.SpecialUnvisitedHidden {
				unvisited = nil
			}
			out = append(out, export.Row{ID: c.Cell, Geom: poly, Values: append([]any{
				c.Cell, c.H3, int64(c.Resolution), c.Households, c.Residents, c.VisitedHouseholds, c.VisitedResidents,
				c.VisitedShare(), c.Visits, special, unvisited, c.OpenProblems}, win...)})
		}
	default:
		return nil, fmt.Errorf("export layer %s: not an aggregate", l.Name)
	}
	return filterAggregate(l, f, out), nil
}

// filterAggregate applies the filters the coverage engine does not:
// bbox, below, id, located and property equality.
func filterAggregate(l *export.Layer, f export.Filter, rows []export.Row) []export.Row {
	var env orb.Bound
	if f.BBox != nil {
		env = *f.BBox
	}
	reached := slices.Index(l.FieldNames(), "reached")
	kept := rows[:0]
	for _, r := range rows {
		switch {
		case f.ID != nil && r.ID != *f.ID,
			f.Located && r.Geom == nil,
			f.BBox != nil && (r.Geom == nil || !r.Geom.Bound().Intersects(env)),
			f.Below && reached >= 0 && r.Values[reached] == true:
			continue
		}
		if !matchesEquals(l, f.Equals, r) {
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

func matchesEquals(l *export.Layer, eq map[string]string, r export.Row) bool {
	for i, name := range l.FieldNames() {
		want, ok := eq[name]
		if !ok {
			continue
		}
		var got string
		switch v := r.Values[i].(type) {
		case string:
			got = v
		case bool:
			got = strconv.FormatBool(v)
		case time.Time:
			got = v.Format(time.DateOnly)
		case nil:
			return false
		default:
			got = fmt.Sprint(v)
		}
		if got != want {
			return false
		}
	}
	return true
}

// exportAggregate sends an aggregate layer's rows through fn, in id order
// and paged when p says so.
func (s *Store) exportAggregate(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter, p export.Page, fn func(*export.Row) error) (int64, error) {
	rows, err := s.aggregateRows(ctx, scope, l, f)
	if err != nil {
		return 0, err
	}
	if p.Limit > 0 {
		slices.SortFunc(rows, func(a, b export.Row) int { return int(min(max(a.ID-b.ID, -1), 1)) })
		if p.After > 0 {
			i, _ := slices.BinarySearchFunc(rows, p.After+1, func(r export.Row, id int64) int { return int(min(max(r.ID-id, -1), 1)) })
			rows = rows[i:]
		}
		rows = rows[min(p.Offset, len(rows)):]
		rows = rows[:min(p.Limit, len(rows))]
	}
	var n int64
	for i := range rows {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if err := fn(&rows[i]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
