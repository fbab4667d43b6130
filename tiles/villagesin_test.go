package tiles_test

import (
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
	"lianxin/tiles"
)

// VillagesIn keeps the figures of every village whose box reaches into the
// tile or its margin, and of villages whose box is not known; it drops the
// rest.
func TestVillagesIn(t *testing.T) {
	tile := geo.TileZXY{Z: 12, X: 3413, Y: 1660}
	tb := tile.Bound()
	w, h := tb.Max[0]-tb.Min[0], tb.Max[1]-tb.Min[1]
	margin := 64.0 / 4096
	box := func(x0, y0, x1, y1 float64) orb.Bound { // in shares of the tile from its south-west corner
		return orb.Bound{Min: orb.Point{tb.Min[0] + x0*w, tb.Min[1] + y0*h}, Max: orb.Point{tb.Min[0] + x1*w, tb.Min[1] + y1*h}}
	}
	cases := []struct {
		name  string
		bound orb.Bound
		want  bool
	}{
		{"inside", box(0.2, 0.2, 0.4, 0.4), true},
		{"covering the tile", box(-3, -3, 3, 3), true},
		{"crossing the east edge", box(0.9, 0.4, 1.5, 0.6), true},
		{"in the margin beyond the west edge", box(-0.5, 0.4, -margin/2, 0.6), true},
		{"in the margin beyond the north edge", box(0.4, 1+margin/2, 0.6, 1.5), true},
		{"a point in the margin", box(1+margin/2, 0.5, 1+margin/2, 0.5), true},
		{"not known", orb.Bound{}, true},
		{"east, beyond the margin", box(1.2, 0.4, 1.5, 0.6), false},
		{"south, beyond the margin", box(0.4, -0.5, 0.6, -0.1), false},
		{"diagonal, beyond the margin", box(-0.6, -0.6, -0.1, -0.1), false},
	}
	var figs []tiles.VillageFigures
	for i, c := range cases {
		figs = append(figs, tiles.VillageFigures{VillageID: int32(i + 1), Bound: c.bound})
	}
	kept := map[int32]bool{}
	for _, f := range tiles.VillagesIn(figs, tile, margin) {
		kept[f.VillageID] = true
	}
	for i, c := range cases {
		if got := kept[int32(i+1)]; got != c.want {
			t.Errorf("%s: kept %v, want %v", c.name, got, c.want)
		}
	}
}

// WithBounds gives one entry per village with an outline: its figures and
// box, or its box alone (NoFigures) when the engine gave no figures for it;
// a village with figures but no outline is left out.
func TestWithBounds(t *testing.T) {
	figs := []tiles.VillageFigures{{VillageID: 1, VisitedResidents: 5, Reached: true}, {VillageID: 4, VisitedResidents: 9}}
	b1 := orb.Bound{Min: orb.Point{120, 32}, Max: orb.Point{120.1, 32.1}}
	b3 := orb.Bound{Min: orb.Point{120.2, 32}, Max: orb.Point{120.3, 32.1}}
	got := tiles.WithBounds(figs, []tiles.VillageBound{{ID: 1, Bound: b1}, {ID: 3, Bound: b3}})
	want := []tiles.VillageFigures{
		{VillageID: 1, VisitedResidents: 5, Reached: true, Bound: b1},
		{VillageID: 3, Bound: b3, NoFigures: true},
	}
	if len(got) != len(want) {
		t.Fatalf("WithBounds = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("village %d: %+v, want %+v", want[i].VillageID, got[i], want[i])
		}
	}
	if figs[0].Bound != (orb.Bound{}) {
		t.Errorf("WithBounds changed the figures it was given: %+v", figs[0])
	}
}

// BenchmarkVillagesIn picks a z12 tile's villages out of a scale-10
// county's worth of boxes (3,420 villages on a 60 × 57 grid over the demo
// county's extent), as every cold villages tile does.
func BenchmarkVillagesIn(b *testing.B) {
	const cols, rows = 60, 57
	minLon, minLat, maxLon, maxLat := 119.9, 31.9, 120.35, 32.3
	dx, dy := (maxLon-minLon)/cols, (maxLat-minLat)/rows
	figs := make([]tiles.VillageFigures, 0, cols*rows)
	for i := range cols * rows {
		x, y := minLon+float64(i%cols)*dx, minLat+float64(i/cols)*dy
		figs = append(figs, tiles.VillageFigures{VillageID: int32(i + 1), Bound: orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + dx, y + dy}}})
	}
	tile := geo.TileZXY{Z: 12, X: 3414, Y: 1660}
	for b.Loop() {
		if len(tiles.VillagesIn(figs, tile, 64.0/4096)) == 0 {
			b.Fatal("no village in the tile")
		}
	}
}
