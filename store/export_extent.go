package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/export"
)

// extentQuery turns a layer's SELECT into one row: the box of its
// geometries and its first and last instant, under the scope (the same
// WHERE the exports use, from exportQuery).
func extentQuery(l *export.Layer, inner string, scope lianxin.Scope) (string, []any) {
	counted, args := exportQuery(l, inner, export.Filter{}, export.Page{}, scope, true)
	from := strings.TrimPrefix(counted, "SELECT count(*) ")
	return `SELECT ST_XMin(x.e), ST_YMin(x.e), ST_XMax(x.e), ST_YMax(x.e), x.t0, x.t1
FROM (SELECT ST_Extent(q.geom) AS e, min(q.at) AS t0, max(q.at) AS t1 ` + from + `) x`, args
}

// LayerExtent returns how far layer l reaches in scope: for stored layers
// from its rows, for aggregates from the published rows (villages or cells
// of the default window), which have no time of their own.
func (s *Store) LayerExtent(ctx context.Context, scope lianxin.Scope, l *export.Layer) (export.Extent, error) {
	var ext export.Extent
	if l.Geometry == export.NoGeometry && l.Temporal == "" {
		return ext, nil
	}
	if l.Kind == export.Aggregate {
		rows, err := s.aggregateRows(ctx, scope, l, export.Filter{})
		if err != nil {
			return ext, err
		}
		for _, r := range rows {
			if r.Geom == nil {
				continue
			}
			b := r.Geom.Bound()
			if ext.BBox == nil {
				ext.BBox = &b
			} else {
				u := ext.BBox.Union(b)
				ext.BBox = &u
			}
		}
		return ext, nil
	}
	inner, err := s.exportSQL(l)
	if err != nil {
		return ext, err
	}
	sql, args := extentQuery(l, inner, scope)
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var minX, minY, maxX, maxY *float64
		var t0, t1 *time.Time
		if _, err := tx.Exec(ctx, exportNoJITSQL); err != nil {
			return fmt.Errorf("extent settings: %w", err)
		}
		if err := tx.QueryRow(ctx, sql, args...).Scan(&minX, &minY, &maxX, &maxY, &t0, &t1); err != nil {
			return fmt.Errorf("extent of %s: %w", l.Name, err)
		}
		if minX != nil && l.Geometry != export.NoGeometry {
			ext.BBox = &orb.Bound{Min: orb.Point{*minX, *minY}, Max: orb.Point{*maxX, *maxY}}
		}
		if l.Temporal != "" {
			ext.From, ext.To = t0, t1
		}
		return nil
	})
	return ext, err
}

// extentInputs are the tables whose writes can move layer l's extent in
// scope: the layer's own; for a member also the diary (a member sees the
// households, contact points and members their visits reach); for the
// aggregates, the coverage inputs.
func extentInputs(scope lianxin.Scope, l *export.Layer) []string {
	if l.Kind == export.Aggregate {
		return coverageLayers
	}
	if scope.Has(lianxin.RoleMember) && l.Name != "visits" {
		return []string{l.Name, "visits"}
	}
	return []string{l.Name}
}

// ExtentVersion tags the versions of layer l's extent inputs in scope
// (layer_versions, which statement triggers bump in the writing
// transaction): a cached extent with the same tag is current.
func (s *Store) ExtentVersion(ctx context.Context, scope lianxin.Scope, l *export.Layer) (string, error) {
	var tag string
	err := s.readRetry(ctx, func() error {
		return s.pool.QueryRow(ctx, `SELECT coalesce(string_agg(layer || ':' || version, ',' ORDER BY layer), '')
FROM layer_versions WHERE layer = ANY ($1)`, extentInputs(scope, l)).Scan(&tag)
	})
	if err != nil {
		return "", fmt.Errorf("read versions of %s: %w", l.Name, err)
	}
	return tag, nil
}
