package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"
)

// FineResolution is the H3 resolution stored on every point row
// (cells of about 2,150 m², edges of about 25 m).
const FineResolution = 11

// MaxTileZoom is the deepest web-map zoom we serve tiles for.
const MaxTileZoom = 24

// LatLngFromPoint converts a lon/lat orb.Point to h3-go's lat/lng order.
func LatLngFromPoint(p orb.Point) h3.LatLng {
	return h3.LatLng{Lat: p.Lat(), Lng: p.Lon()}
}

// PointFromLatLng converts an h3-go lat/lng to a lon/lat orb.Point.
func PointFromLatLng(ll h3.LatLng) orb.Point {
	return orb.Point{ll.Lng, ll.Lat}
}

// CellOf returns the H3 cell at resolution res that contains the lon/lat
// point p. It rejects coordinates outside the valid longitude and latitude
// ranges, which catches most lat/lon swaps in China (longitudes there exceed 90).
func CellOf(p orb.Point, res int) (h3.Cell, error) {
	if res < 0 || res > h3.MaxResolution {
		return 0, fmt.Errorf("h3 cell of %v: resolution %d outside 0..%d", p, res, h3.MaxResolution)
	}
	if err := checkLonLat(p); err != nil {
		return 0, fmt.Errorf("h3 cell of %v: %w", p, err)
	}
	c := h3.LatLngToCell(LatLngFromPoint(p), res)
	if !c.IsValid() {
		return 0, fmt.Errorf("h3 cell of %v at resolution %d: h3 returned invalid cell %x", p, res, uint64(c))
	}
	return c, nil
}

// CellIDOf is CellOf returning the cell as an int64, the form stored in a
// PostgreSQL bigint column. H3 cells have the top bit clear, so the value is
// always positive.
func CellIDOf(p orb.Point, res int) (int64, error) {
	c, err := CellOf(p, res)
	if err != nil {
		return 0, err
	}
	return int64(c), nil
}

// CellBoundary returns the outline of an H3 cell as a polygon with one closed
// ring in lon/lat order, counter-clockwise as H3 produces it. Cells crossing
// the antimeridian are not split; none lie near China.
func CellBoundary(cell int64) (orb.Polygon, error) {
	c := h3.Cell(cell)
	if !c.IsValid() {
		return nil, fmt.Errorf("boundary of h3 cell %x: not a valid cell", uint64(cell))
	}
	b := c.Boundary()
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, PointFromLatLng(ll))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}, nil
}

// ParentCell returns the ancestor of cell at the coarser (or equal)
// resolution res.
func ParentCell(cell int64, res int) (int64, error) {
	c := h3.Cell(cell)
	if !c.IsValid() {
		return 0, fmt.Errorf("parent of h3 cell %x: not a valid cell", uint64(cell))
	}
	if cr := c.Resolution(); res < 0 || res > cr {
		return 0, fmt.Errorf("parent of h3 cell %x at resolution %d: want a resolution in 0..%d", uint64(cell), res, cr)
	}
	return int64(c.Parent(res)), nil
}

func checkLonLat(p orb.Point) error {
	lon, lat := p.Lon(), p.Lat()
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return fmt.Errorf("lon %v lat %v outside lon -180..180, lat -90..90 (swapped?)", lon, lat)
	}
	return nil
}

// TileZXY is a web-mercator tile addressed as in URLs and PostGIS
// ST_TileEnvelope(z, x, y): zoom first, y counted from the north edge.
type TileZXY struct {
	Z, X, Y uint32
}

// Validate reports whether the tile exists: z in 0..MaxTileZoom and x, y
// below 2^z.
func (t TileZXY) Validate() error {
	if t.Z > MaxTileZoom {
		return fmt.Errorf("tile %d/%d/%d: zoom %d outside 0..%d", t.Z, t.X, t.Y, t.Z, MaxTileZoom)
	}
	n := uint32(1) << t.Z
	if t.X >= n {
		return fmt.Errorf("tile %d/%d/%d: x %d outside 0..%d at zoom %d", t.Z, t.X, t.Y, t.X, n-1, t.Z)
	}
	if t.Y >= n {
		return fmt.Errorf("tile %d/%d/%d: y %d outside 0..%d at zoom %d", t.Z, t.X, t.Y, t.Y, n-1, t.Z)
	}
	return nil
}

// String formats the tile as its URL path, z/x/y.
func (t TileZXY) String() string {
	return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y)
}

// MapTile converts to orb/maptile's x, y, z order. Call Validate first: an
// invalid tile converts to an invalid maptile.Tile.
func (t TileZXY) MapTile() maptile.Tile {
	return maptile.New(t.X, t.Y, maptile.Zoom(t.Z))
}

// Bound returns the tile's lon/lat bounds. The tile must be valid.
func (t TileZXY) Bound() orb.Bound {
	return t.MapTile().Bound()
}
