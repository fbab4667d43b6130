package tiles

import (
	"context"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"lianxin"
	"lianxin/geo"
)

// clusterTile serves households or visits below their detail zoom: one point
// per H3 cell at the cell's centre, with the coverage engine's counts. A
// cell belongs to the one tile that holds its centre (west and north edges
// inclusive), so every household and visit is counted exactly once at every
// zoom, and a tile holds at most as many points as HexResolution allows.
func (s *Service) clusterTile(ctx context.Context, scope lianxin.Scope, q Query) ([]byte, error) {
	if s.cov == nil {
		return nil, lianxin.Errorf(lianxin.EUnavailable, "layer %s: the coverage engine is not wired", q.Layer.Name)
	}
	cells, err := s.cov.HexCells(ctx, scope, q)
	if err != nil {
		return nil, err
	}
	return EncodeClusterLayer(q.Layer.Name, q.Tile, cells)
}

// CellCentre is the centroid of a cell's outline, lon/lat.
func CellCentre(cell int64) (orb.Point, error) {
	poly, err := geo.CellBoundary(cell)
	if err != nil {
		return orb.Point{}, err
	}
	c, _ := planar.CentroidArea(poly)
	return c, nil
}

// InTile reports whether p lies in tile t, counting the west and north edges
// in and the east and south edges out, so that no point is in two tiles.
func InTile(t geo.TileZXY, p orb.Point) bool {
	b := t.Bound()
	return p[0] >= b.Min[0] && p[0] < b.Max[0] && p[1] > b.Min[1] && p[1] <= b.Max[1]
}

// EncodeClusterLayer encodes the cluster points of layer (households or
// visits) for tile t.
func EncodeClusterLayer(layer string, t geo.TileZXY, cells []Cell) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, c := range cells {
		p, err := CellCentre(c.ID)
		if err != nil {
			return nil, fmt.Errorf("cluster tile %s: %w", t, err)
		}
		if !InTile(t, p) {
			continue
		}
		f := geojson.NewFeature(p)
		f.ID = uint64(c.ID)
		f.Properties = clusterProperties(layer, c)
		if f.Properties == nil {
			continue
		}
		fc.Append(f)
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	l := mvt.NewLayer(layer, fc)
	l.Version = 2
	l.Extent = Extent
	l.ProjectToTile(t.MapTile())
	b, err := mvt.Marshal(mvt.Layers{l})
	if err != nil {
		return nil, fmt.Errorf("encode cluster tile %s: %w", t, err)
	}
	return b, nil
}

// clusterProperties returns the attributes of a cluster, or nil when the
// cell holds nothing of the layer.
func clusterProperties(layer string, c Cell) geojson.Properties {
	cell := strconv.FormatInt(c.ID, 16)
	switch layer {
	case Households:
		if c.Households == 0 {
			return nil
		}
		return geojson.Properties{
			"cell": cell, "households": c.Households, "residents": c.Residents,
			"visited_households": c.VisitedHouseholds, "special_waiting": c.SpecialWaiting,
		}
	case "visits":
		if c.Visits == 0 {
			return nil
		}
		return geojson.Properties{
			"cell": cell, "visits": c.Visits, "visited_households": c.VisitedHouseholds,
			"open_problems": c.OpenProblems,
		}
	}
	return nil
}
