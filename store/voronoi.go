package store

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
)

// voronoiSQL cuts clip into one cell per seed (Voronoi), returning the cells
// in seed order. Seeds must be distinct and inside clip.
const voronoiSQL = `
WITH seeds AS (
  SELECT ord, ST_SetSRID(ST_MakePoint(x, y), 4326) AS g
  FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS u(x, y, ord)
), clip AS (
  SELECT ST_GeomFromWKB($3, 4326) AS g
), cells AS (
  SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(seeds.g), 0, (SELECT g FROM clip)))).geom AS g
  FROM seeds
)
SELECT s.ord,
       ST_AsBinary(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(c.g, clip.g)), 3)))
FROM seeds s
JOIN cells c ON ST_Intersects(c.g, s.g)
CROSS JOIN clip
ORDER BY s.ord`

// VoronoiCells partitions clip among seeds: cell i is the part of clip
// nearer to seeds[i] than to any other seed. The demo county uses it to draw
// towns and villages that tile the county exactly.
func (s *Store) VoronoiCells(ctx context.Context, seeds []orb.Point, clip orb.Polygon) ([]orb.MultiPolygon, error) {
	if len(seeds) == 1 { // PostGIS draws no diagram for one seed: it owns all
		return []orb.MultiPolygon{{clip}}, nil
	}
	xs := make([]float64, len(seeds))
	ys := make([]float64, len(seeds))
	for i, p := range seeds {
		xs[i], ys[i] = p.Lon(), p.Lat()
	}
	clipWKB, err := EncodeEWKB(clip)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, voronoiSQL, xs, ys, clipWKB)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	cells := make([]orb.MultiPolygon, len(seeds))
	seen := 0
	for rows.Next() {
		var ord int64
		var b []byte
		if err := rows.Scan(&ord, &b); err != nil {
			return nil, fmt.Errorf("scan voronoi cell: %w", err)
		}
		g, err := DecodeWKB(b)
		if err != nil {
			return nil, err
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			return nil, fmt.Errorf("voronoi cell %d is %T, want MultiPolygon", ord, g)
		}
		if cells[ord-1] != nil {
			return nil, fmt.Errorf("voronoi: seed %d matched two cells (duplicate seeds?)", ord)
		}
		cells[ord-1] = mp
		seen++
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	if seen != len(seeds) {
		return nil, fmt.Errorf("voronoi: %d cells for %d seeds", seen, len(seeds))
	}
	return cells, nil
}

// TableCounts returns the row count of each loadable table: `make run` loads
// the demo county only into an empty database.
func (s *Store) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range []string{"towns", "villages", "teams", "members", "households", "contact_points", "visits", "projects", "river_works"} {
		var n int64
		// t comes from the fixed list above, never from input.
		if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, translate(err)
		}
		out[t] = n
	}
	return out, nil
}
