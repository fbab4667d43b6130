package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"lianxin/geo"
)

// The vector tile spec (2.1, 4.3.4.4) reads a ring whose area is positive in
// tile coordinates (y down) as an exterior ring and a negative one as a
// hole. H3 gives outlines anticlockwise on the map, which in tile
// coordinates is negative: every hexagon would be a hole, and QGIS draws
// none. Every hexagon of a served tile, clipped at the tile's edge or not,
// must be one exterior ring of positive area.
func TestHexagonsAreExteriorRings(t *testing.T) {
	for _, tile := range []geo.TileZXY{{Z: 8, X: 213, Y: 103}, {Z: 10, X: 853, Y: 415}, {Z: 12, X: 3413, Y: 1660}} {
		cells := cellsOf(t, tile)
		b, err := EncodeHexLayer(tile, cells)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := mvt.Unmarshal(b)
		if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
			t.Fatalf("tile %s: decoded %d layers (err %v), want one with hexagons", tile, len(layers), err)
		}
		for i, f := range layers[0].Features {
			poly, ok := f.Geometry.(orb.Polygon)
			if !ok || len(poly) != 1 {
				t.Fatalf("tile %s: hexagon %d decoded as %T %v, want a polygon of one ring", tile, i, f.Geometry, f.Geometry)
			}
			if area := shoelace(poly[0]); area <= 0 {
				t.Fatalf("tile %s: hexagon %d's ring %v has twice the area %v in tile coordinates, want positive (an exterior ring)", tile, i, poly[0], area)
			}
		}
	}
}

// shoelace is twice the signed area of r in its own coordinates, as the
// vector tile spec computes it.
func shoelace(r orb.Ring) float64 {
	var a float64
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return a
}
