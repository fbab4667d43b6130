package tiles

import (
	"testing"

	"lianxin/coverage"
	"lianxin/geo"
)

// BenchmarkEncodeHexLayer encodes a z10 tile's worth of resolution-8 cells
// (about 1,800), the heaviest hexagon tiles of the demo county.
func BenchmarkEncodeHexLayer(b *testing.B) {
	t := geo.TileZXY{Z: 10, X: 853, Y: 415}
	sel, err := coverage.SelectCells(HexBound(t), HexResolution(10))
	if err != nil {
		b.Fatal(err)
	}
	var cells []Cell
	for c := range sel.Cells {
		cells = append(cells, Cell{ID: c, Households: 120, Residents: 400, VisitedHouseholds: 30, VisitedResidents: 100, Visits: 44, SpecialWaiting: 3, OpenProblems: 1})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := EncodeHexLayer(t, cells); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
}
