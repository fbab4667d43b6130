package tiles

import (
	"testing"

	"lianxin/geo"
)

// The memo gives each cell's h3 outline, keeps it unchanged by the encoder
// (which projects features in place), and starts afresh past its bound.
func TestOutlineMemo(t *testing.T) {
	tile := geo.TileZXY{Z: 12, X: 3413, Y: 1660}
	cells := cellsOf(t, tile)
	if len(cells) < 10 {
		t.Fatalf("tile %s selects %d cells, want a tile's worth", tile, len(cells))
	}
	saved := outlines
	t.Cleanup(func() { outlines = saved })
	outlines = &outlineMemo{max: int64(len(cells))}
	for round := range 2 { // the second time from the memo, after the first encoding
		if _, err := EncodeHexLayer(tile, cells); err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			kept, ok := outlines.m.Load(c.ID)
			if !ok {
				t.Fatalf("round %d: cell %x not kept", round, c.ID)
			}
			o := kept.(*outline)
			want, _ := geo.CellBoundary(c.ID)
			if !o.ring.Equal(want[0]) || o.bound != want.Bound() {
				t.Fatalf("round %d: cell %x: outline %v (box %v), want %v (box %v)", round, c.ID, o.ring, o.bound, want[0], want.Bound())
			}
		}
	}
	// A memo half the tile's size starts afresh instead of growing.
	outlines = &outlineMemo{max: int64(len(cells) / 2)}
	if _, err := EncodeHexLayer(tile, cells); err != nil {
		t.Fatal(err)
	}
	if n := outlines.n.Load(); n > outlines.max || n < 1 {
		t.Errorf("memo counts %d outlines, want 1..%d", n, outlines.max)
	}
	held := 0
	outlines.m.Range(func(any, any) bool { held++; return true })
	if held > int(outlines.max) {
		t.Errorf("memo holds %d outlines, bound %d", held, outlines.max)
	}
}
