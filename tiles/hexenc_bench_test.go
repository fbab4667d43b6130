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
	cells := cellsOf(b, t)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := EncodeHexLayer(t, cells); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(cells)), "cells")
}

// cellsOf gives every cell a hexagon tile of t selects, each with the same
// made-up values.
func cellsOf(tb testing.TB, t geo.TileZXY) []Cell {
	tb.Helper()
	sel, err := coverage.SelectCells(HexBound(t), HexResolution(int(t.Z)))
	if err != nil {
		tb.Fatal(err)
	}
	var cells []Cell
	for c := range sel.Cells {
		cells = append(cells, Cell{ID: c, Households: 120, Residents: 400, VisitedHouseholds: 30, VisitedResidents: 100, Visits: 44, SpecialWaiting: 3, OpenProblems: 1})
	}
	return cells
}
