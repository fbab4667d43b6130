package store

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// Every point of a tile (and of its buffer) must fall in one of the cell
// ranges the point layers scan, or the tile silently loses it; points far
// away must not.
func TestPointCellRangesHoldTheTilesPoints(t *testing.T) {
	const margin = 64.0 / 4096
	cases := []struct {
		name string
		tile geo.TileZXY
	}{
		{"households z14 at the demo county", geo.TileZXY{Z: 14, X: 13661, Y: 6648}},
		{"visits z13", geo.TileZXY{Z: 13, X: 6830, Y: 3324}},
		{"z16", geo.TileZXY{Z: 16, X: 54644, Y: 26592}},
		{"z20", geo.TileZXY{Z: 20, X: 874304, Y: 425472}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi, err := PointCellRanges(tc.tile, margin)
			if err != nil {
				t.Fatal(err)
			}
			if len(lo) == 0 || len(lo) > maxPointRanges || len(lo) != len(hi) {
				t.Fatalf("PointCellRanges(%s) gave %d/%d ranges, want 1..%d", tc.tile, len(lo), len(hi), maxPointRanges)
			}
			covered := func(cell int64) bool {
				for i := range lo {
					if cell >= lo[i] && cell <= hi[i] {
						return true
					}
				}
				return false
			}
			b := tc.tile.Bound()
			w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
			for i := 0; i < 2000; i++ {
				// Uniform over the tile and its buffer, corners included.
				fx, fy := rng.Float64()*(1+2*margin)-margin, rng.Float64()*(1+2*margin)-margin
				if i < 4 {
					fx, fy = -margin+float64(i%2)*(1+2*margin), -margin+float64(i/2)*(1+2*margin)
				}
				p := orb.Point{b.Min[0] + fx*w, b.Min[1] + fy*h}
				cell, err := geo.CellIDOf(p, geo.FineResolution)
				if err != nil {
					t.Fatal(err)
				}
				if !covered(cell) {
					t.Fatalf("point %v of tile %s (cell %x) is in none of its %d ranges", p, tc.tile, cell, len(lo))
				}
			}
			far := orb.Point{b.Min[0] + 5*w, b.Min[1] + 5*h}
			if cell, _ := geo.CellIDOf(far, geo.FineResolution); covered(cell) {
				t.Errorf("point %v, five tiles away from %s, is in its ranges, want not", far, tc.tile)
			}
		})
	}
}

func TestPointChildRange(t *testing.T) {
	p := orb.Point{120.15, 30.28}
	fine, err := geo.CellIDOf(p, geo.FineResolution)
	if err != nil {
		t.Fatal(err)
	}
	for res := 6; res <= geo.FineResolution; res++ {
		// The ancestor, not the cell of the point at res: H3 children
		// do not tile their parent exactly.
		parent, err := geo.ParentCell(fine, res)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := pointChildRange(parent, res)
		if fine < lo || fine > hi {
			t.Errorf("pointChildRange(%x, %d) = [%x, %x], want it to hold its descendant %x", parent, res, lo, hi, fine)
		}
		if res == geo.FineResolution && (lo != fine || hi != fine) {
			t.Errorf("pointChildRange(%x, 11) = [%x, %x], want the cell itself", parent, lo, hi)
		}
	}
}
