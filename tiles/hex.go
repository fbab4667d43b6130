package tiles

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"lianxin"
	"lianxin/geo"
)

// Cell is one hexagon's values for a window, as the coverage engine
// aggregates them.
type Cell struct {
	ID                int64 // H3 cell at the query's resolution
	Households        int64
	Residents         int64
	VisitedHouseholds int64
	VisitedResidents  int64
	Visits            int64
	SpecialWaiting    int64
	OpenProblems      int64
	// SpecialWaitingHidden leaves special_waiting out of the tile (privacy
	// rule 3: a small count is omitted from tiles).
	SpecialWaitingHidden bool
}

// hexTile builds the hexagon layer in Go: cell outlines from h3-go,
// projected, clipped and encoded by orb's MVT encoder. BENCHMARKS.md
// compares it with building the same tile in PostGIS; this was faster.
func (s *Service) hexTile(ctx context.Context, scope lianxin.Scope, q Query) ([]byte, error) {
	if s.cov == nil {
		return nil, lianxin.Errorf(lianxin.EUnavailable, "layer h3: the coverage engine is not wired")
	}
	cells, err := s.cov.HexCells(ctx, scope, q)
	if err != nil {
		return nil, err
	}
	return EncodeHexLayer(q.Tile, cells)
}

// HexBound is the lon/lat box whose cells a hexagon tile needs: the tile
// widened by its MVT buffer and by one cell at the tile's resolution, so a
// hexagon that crosses the tile edge is drawn whole on both sides and the
// map shows no seams.
func HexBound(t geo.TileZXY) orb.Bound {
	b := t.Bound()
	pad := (b.Max[0] - b.Min[0]) * (float64(Buffer)/Extent + clusterMargin)
	padLat := (b.Max[1] - b.Min[1]) * (float64(Buffer)/Extent + clusterMargin)
	// Clamped to the lon/lat ranges (web mercator ends at ±85.05°).
	return orb.Bound{
		Min: orb.Point{max(-180, b.Min[0]-pad), max(-85, b.Min[1]-padLat)},
		Max: orb.Point{min(180, b.Max[0]+pad), min(85, b.Max[1]+padLat)},
	}
}

// EncodeHexLayer encodes cells as the "h3" layer of tile t. Cells whose
// outline misses the buffered tile are left out; the rest are clipped to it.
func EncodeHexLayer(t geo.TileZXY, cells []Cell) ([]byte, error) {
	tb := t.Bound()
	bx := (tb.Max[0] - tb.Min[0]) * float64(Buffer) / Extent
	by := (tb.Max[1] - tb.Min[1]) * float64(Buffer) / Extent
	keep := orb.Bound{Min: orb.Point{tb.Min[0] - bx, tb.Min[1] - by}, Max: orb.Point{tb.Max[0] + bx, tb.Max[1] + by}}
	fc := geojson.NewFeatureCollection()
	for _, c := range cells {
		o, err := outlines.of(c.ID)
		if err != nil {
			return nil, fmt.Errorf("hexagon tile %s: %w", t, err)
		}
		if !o.bound.Intersects(keep) {
			continue
		}
		// A copy: the encoder projects and clips the features in place.
		// Reversed: H3 (like GeoJSON) runs an outline anticlockwise on the
		// map, and a vector tile's exterior ring runs clockwise (positive
		// area in its y-down coordinates, spec 2.1 §4.3.4.4); read the H3
		// way, every hexagon is a hole, which QGIS does not draw.
		ring := slices.Clone(o.ring)
		ring.Reverse()
		f := geojson.NewFeature(orb.Polygon{ring})
		f.ID = uint64(c.ID)
		f.Properties = hexProperties(c)
		fc.Append(f)
	}
	if len(fc.Features) == 0 {
		return nil, nil
	}
	layer := mvt.NewLayer(H3, fc)
	layer.Version = 2
	layer.Extent = Extent
	layer.ProjectToTile(t.MapTile())
	layer.Clip(orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}})
	b, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return nil, fmt.Errorf("encode hexagon tile %s: %w", t, err)
	}
	return b, nil
}

// outlines keeps the cells' outlines, which never change: a hexagon tile
// draws the same cells as its rebuilds after every import and as tiles
// that overlap it, and h3's cellToBoundary (through cgo) was 38% of the
// time to encode a z10 tile (BenchmarkEncodeHexLayer).
var outlines = &outlineMemo{max: maxOutlines}

// maxOutlines bounds the memo to about 13 MB (an outline and its box take
// about 200 bytes): every resolution-8 and -9 cell of a county, and the
// resolution-10 cells of its villages. Past it the memo starts afresh.
const maxOutlines = 1 << 16

type outline struct {
	ring  orb.Ring // shared: copy before changing
	bound orb.Bound
}

type outlineMemo struct {
	m   sync.Map // int64 cell -> *outline
	n   atomic.Int64
	max int64
}

func (m *outlineMemo) of(cell int64) (*outline, error) {
	if o, ok := m.m.Load(cell); ok {
		return o.(*outline), nil
	}
	poly, err := geo.CellBoundary(cell)
	if err != nil {
		return nil, err
	}
	o := &outline{ring: poly[0], bound: poly.Bound()}
	if m.n.Add(1) > m.max {
		m.m.Clear()
		m.n.Store(1)
	}
	m.m.Store(cell, o)
	return o, nil
}

func hexProperties(c Cell) geojson.Properties {
	p := geojson.Properties{
		"cell":               strconv.FormatInt(c.ID, 16),
		"resolution":         cellResolution(c.ID),
		"households":         c.Households,
		"residents":          c.Residents,
		"visited_households": c.VisitedHouseholds,
		"visited_residents":  c.VisitedResidents,
		"visits":             c.Visits,
		"special_waiting":    c.SpecialWaiting,
		"open_problems":      c.OpenProblems,
	}
	if c.SpecialWaitingHidden {
		delete(p, "special_waiting")
	}
	if c.Residents > 0 {
		p["visited_share"] = float64(c.VisitedResidents) / float64(c.Residents)
	}
	return p
}

// cellResolution reads an H3 index's resolution field (bits 52–55).
func cellResolution(cell int64) int64 { return (cell >> 52) & 15 }
