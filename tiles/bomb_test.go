package tiles_test

import (
	"context"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/tiles"
)

// maxBombBytes bounds any one tile, all layers together, uncompressed.
const maxBombBytes = 2 << 20

// TestTileBombs: whole-world and low-zoom tiles, every layer at once and
// extreme filters are each answered within maxBombBytes or refused invalid.
func TestTileBombs(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	all := "towns,villages,households,contact_points,visits,projects,river_works,h3"
	centre := county.Households[0].Location
	for _, tc := range []struct {
		name        string
		layers      string
		tile        geo.TileZXY
		from, to    string
		wantInvalid bool
	}{
		{"z0 world, every layer", all, geo.TileZXY{}, "", "", true},
		{"z4, every layer", all, tileAt(centre, 4), "", "", true},
		{"z5, every layer", all, tileAt(centre, 5), "", "", false},
		{"z6, every layer", all, tileAt(centre, 6), "", "", false},
		{"z8, every layer", all, tileAt(centre, 8), "", "", false},
		{"z10, every layer, century window", all, tileAt(centre, 10), "1900-01-01", "2100-01-01", false},
		{"z12, every layer", all, tileAt(centre, 12), "", "", false},
		{"z22, every layer", all, tileAt(centre, 22), "", "", false},
		{"empty window", "visits,h3", tileAt(centre, 10), "2026-05-01", "2026-05-01", true},
		{"reversed window", "visits", tileAt(centre, 10), "2026-06-01", "2026-05-01", true},
		{"layers repeated past the limit", "towns,villages,households,contact_points,visits,projects,river_works,h3,towns,villages,households,contact_points,visits,projects,river_works,h3,towns", tileAt(centre, 10), "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls, err := tiles.ParseLayers(tc.layers)
			var f tiles.Filter
			if err == nil {
				f, err = tiles.ParseFilter(tc.from, tc.to, "", "")
			}
			var got tiles.Tile
			if err == nil {
				got, _, err = svc.Tile(context.Background(), lianxin.SystemScope(), tiles.Request{Layers: ls, Tile: tc.tile, Filter: f}, "")
			}
			if tc.wantInvalid {
				if lianxin.ErrorCode(err) != lianxin.EInvalid {
					t.Fatalf("tile %s %s: err %v, want invalid", tc.tile, tc.layers, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("tile %s %s: %v, want a tile", tc.tile, tc.layers, err)
			}
			if got.RawLen > maxBombBytes {
				t.Fatalf("tile %s %s: %d bytes, want at most %d", tc.tile, tc.layers, got.RawLen, maxBombBytes)
			}
		})
	}
}
