package tiles_test

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/tiles"
)

// A hexagon cut by a tile edge is drawn on both sides of it, with the same
// values: the map shows no seam. Checked across the east and the south edge
// of a tile, at zooms of three resolutions, for a role that sees every cell
// and for one under the privacy rules (coarser, protected cells).
func TestHexagonsHaveNoSeams(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	centre := county.Households[len(county.Households)/2].Location
	for _, tc := range []struct {
		who   string
		scope lianxin.Scope
		z     int
	}{
		{"system", lianxin.SystemScope(), 10},
		{"system", lianxin.SystemScope(), 12},
		{"system", lianxin.SystemScope(), 9},
		{"planner", planner, 10},
		{"planner", planner, 12},
	} {
		t.Run(fmt.Sprintf("%s z%d", tc.who, tc.z), func(t *testing.T) {
			a := tileAt(centre, tc.z)
			cellsA := hexagonsOf(t, fetch(t, svc, tc.scope, "h3", a, tiles.Filter{}))
			if len(cellsA) == 0 {
				t.Fatalf("tile %s: no hexagon", a)
			}
			ab := a.Bound()
			// Two tile units past the edge: a hexagon that only touches it
			// may round onto the edge in one tile and not the other.
			epsLon, epsLat := 2*(ab.Max[0]-ab.Min[0])/tiles.Extent, 2*(ab.Max[1]-ab.Min[1])/tiles.Extent
			for _, side := range []struct {
				name    string
				b       geo.TileZXY
				crosses func(orb.Bound) bool
			}{
				{"east", geo.TileZXY{Z: a.Z, X: a.X + 1, Y: a.Y}, func(cb orb.Bound) bool { return cb.Max[0] > ab.Max[0]+epsLon }},
				{"south", geo.TileZXY{Z: a.Z, X: a.X, Y: a.Y + 1}, func(cb orb.Bound) bool { return cb.Min[1] < ab.Min[1]-epsLat }},
			} {
				cellsB := hexagonsOf(t, fetch(t, svc, tc.scope, "h3", side.b, tiles.Filter{}))
				crossing := 0
				for cell, ha := range cellsA {
					if !side.crosses(ha.bound) {
						continue
					}
					crossing++
					hb, ok := cellsB[cell]
					if !ok {
						t.Errorf("hexagon %s crosses the %s edge of tile %s, missing from tile %s", cell, side.name, a, side.b)
						continue
					}
					for k, v := range ha.props {
						if hb.props[k] != v {
							t.Errorf("hexagon %s %s: %v in tile %s, %v in tile %s; want the same", cell, k, v, a, hb.props[k], side.b)
						}
					}
				}
				if crossing == 0 {
					t.Errorf("tile %s: no hexagon crosses its %s edge; the test checks nothing", a, side.name)
				}
			}
		})
	}
}

type hexagon struct {
	bound orb.Bound
	props map[string]any
}

// hexagonsOf lists a decoded tile's hexagons by cell.
func hexagonsOf(t *testing.T, ls mvt.Layers) map[string]hexagon {
	t.Helper()
	out := map[string]hexagon{}
	l := layerOf(ls, tiles.H3)
	if l == nil {
		return out
	}
	for _, f := range l.Features {
		cell, ok := f.Properties["cell"].(string)
		if !ok {
			t.Fatalf("hexagon without a cell: %v", f.Properties)
		}
		out[cell] = hexagon{bound: f.Geometry.Bound(), props: f.Properties}
	}
	return out
}
