package tiles_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/tiles"
)

// No feature is dropped at a low zoom: at every zoom from the layers'
// minzoom, the tiles over the county hold every row of each feature layer
// served whole (a polygon or line smaller than a tile unit is drawn as a
// point rather than vanish).
func TestNoFeatureDroppedAtLowZoom(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	bound := orb.MultiPolygon{county.Boundary}.Bound()
	for _, layer := range []string{"towns", "villages", "contact_points", "projects", "river_works"} {
		want := queryIDs(t, url, fmt.Sprintf(`SELECT id FROM %s`, layer))
		for z := tiles.DataMinZoom; z <= 11; z++ {
			t.Run(fmt.Sprintf("%s z%d", layer, z), func(t *testing.T) {
				nw, se := tileAt(orb.Point{bound.Min[0], bound.Max[1]}, z), tileAt(orb.Point{bound.Max[0], bound.Min[1]}, z)
				var got []int64
				for x := nw.X; x <= se.X; x++ {
					for y := nw.Y; y <= se.Y; y++ {
						got = append(got, idsOf(t, layerOf(fetch(t, svc, lianxin.SystemScope(), layer, geo.TileZXY{Z: uint32(z), X: x, Y: y}, tiles.Filter{}), layer))...)
					}
				}
				slices.Sort(got)
				got = slices.Compact(got)
				for _, id := range want {
					if !slices.Contains(got, id) {
						t.Errorf("%s %d: in no tile at z%d (%d of %d rows drawn)", layer, id, z, len(got), len(want))
					}
				}
			})
		}
	}
}
