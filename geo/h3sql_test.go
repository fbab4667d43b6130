package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"lianxin/geo"
)

func TestParentCellBitsMatchesH3(t *testing.T) {
	// Fixed seed: a failure names its cell and can be replayed.
	rng := rand.New(rand.NewPCG(2024, 11))
	var cells []h3.Cell
	for range 2000 {
		p := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
		c, err := geo.CellOf(p, geo.FineResolution)
		if err != nil {
			t.Fatalf("CellOf(%v, %d) error: %v", p, geo.FineResolution, err)
		}
		cells = append(cells, c)
	}
	// Around the county, and the twelve pentagons, whose digits differ.
	for i := range 200 {
		p := orb.Point{119.9 + 0.45*rng.Float64(), 31.95 + 0.45*rng.Float64()}
		c, err := geo.CellOf(p, geo.FineResolution)
		if err != nil {
			t.Fatalf("CellOf(%v, %d) error at %d: %v", p, geo.FineResolution, i, err)
		}
		cells = append(cells, c)
	}
	cells = append(cells, h3.Pentagons(geo.FineResolution)...)

	for _, c := range cells {
		for res := 6; res <= geo.FineResolution; res++ {
			want := int64(c.Parent(res))
			if got := geo.ParentCellBits(int64(c), res); got != want {
				t.Fatalf("ParentCellBits(%#x, %d) = %#x; want h3 Parent %#x", int64(c), res, got, want)
			}
		}
	}
}

func TestParentCellBitsKnown(t *testing.T) {
	tests := []struct {
		name string
		cell int64
		res  int
		want int64
	}{
		{name: "same resolution", cell: sfCellRes9, res: 9, want: sfCellRes9},
		{name: "res 9 to res 5", cell: sfCellRes9, res: 5, want: 0x85283083fffffff},
		{name: "res 9 to res 0", cell: sfCellRes9, res: 0, want: 0x8029fffffffffff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.ParentCellBits(tc.cell, tc.res); got != tc.want {
				t.Errorf("ParentCellBits(%#x, %d) = %#x; want %#x", tc.cell, tc.res, got, tc.want)
			}
		})
	}
}
