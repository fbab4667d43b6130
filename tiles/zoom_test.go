package tiles_test

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/coverage"
	"lianxin/tiles"
)

// HexResolution keeps to its documented table: the hexagons whose centre
// lies in a full tile at the county's latitude number about 500 to 2,000
// from z8 to z13, never thousands more, and fewer past z13.
func TestHexResolutionTable(t *testing.T) {
	at := orb.Point{120.13, 32.17} // the demo county's centre, 32°N
	for _, tc := range []struct {
		z, res   int
		min, max int
	}{
		{8, 6, 520, 780},
		{9, 7, 900, 1350},
		{10, 8, 1600, 2100},
		{11, 8, 400, 600},
		{12, 9, 700, 1050},
		{13, 10, 1200, 1800},
		{14, 10, 300, 460},
		{16, 10, 15, 35},
	} {
		t.Run(fmt.Sprintf("z%d", tc.z), func(t *testing.T) {
			if got := tiles.HexResolution(tc.z); got != tc.res {
				t.Fatalf("HexResolution(%d) = %d, want %d (the documented table)", tc.z, got, tc.res)
			}
			tile := tileAt(at, tc.z)
			sel, err := coverage.SelectCells(tile.Bound(), tc.res)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for cell := range sel.Cells {
				c, err := tiles.CellCentre(cell)
				if err != nil {
					t.Fatal(err)
				}
				if tiles.InTile(tile, c) {
					n++
				}
			}
			if n < tc.min || n > tc.max {
				t.Errorf("tile %s at resolution %d: %d hexagons, want %d to %d", tile, tc.res, n, tc.min, tc.max)
			}
		})
	}
}
