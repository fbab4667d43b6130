package coverage

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"lianxin"
	"lianxin/geo"
)

// StoredResolution is the H3 resolution of the precomputed aggregates;
// coarser cells are sums of their children.
const StoredResolution = 10

// CheckResolution rejects an aggregate resolution outside 6..10.
func CheckResolution(res int) error {
	if res < MinCellResolution || res > MaxCellResolution {
		return refuse(lianxin.EInvalid, "res", ReportReasonBadNumber, map[string]any{"value": res, "min": MinCellResolution, "max": MaxCellResolution},
			"res: %d is outside %d..%d", res, MinCellResolution, MaxCellResolution)
	}
	return nil
}

// CellSelection is the set of cells at one resolution a bounded aggregate
// returns: every cell whose centre lies in the bound padded by two cell edges,
// so every cell that touches the bound is in, whole (all its children summed)
// and never cut at the bound's edge.
type CellSelection struct {
	Res   int
	Cells map[int64]bool
}

// SelectCells lists the res cells whose centres lie in b padded by two edge
// lengths. The zero orb.Bound{} selects every cell.
func SelectCells(b orb.Bound, res int) (CellSelection, error) {
	if err := CheckResolution(res); err != nil {
		return CellSelection{}, err
	}
	if b == (orb.Bound{}) {
		return CellSelection{Res: res}, nil
	}
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -85.1 || b.Max[1] > 85.1 || b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] {
		return CellSelection{}, refuse(lianxin.EInvalid, "bbox", ReportReasonBadBBox, map[string]any{"value": fmt.Sprint(b)}, "bbox: %v is not a lon/lat bound", b)
	}
	pad := 2 * h3.HexagonEdgeLengthAvgM(res)
	midLat := (b.Min[1] + b.Max[1]) / 2
	dLat := pad / 111_320
	dLon := pad / (111_320 * math.Max(0.05, math.Cos(midLat*math.Pi/180)))
	p := orb.Bound{Min: orb.Point{b.Min[0] - dLon, b.Min[1] - dLat}, Max: orb.Point{b.Max[0] + dLon, b.Max[1] + dLat}}
	loop := h3.GeoLoop{
		geo.LatLngFromPoint(p.Min), geo.LatLngFromPoint(orb.Point{p.Max[0], p.Min[1]}),
		geo.LatLngFromPoint(p.Max), geo.LatLngFromPoint(orb.Point{p.Min[0], p.Max[1]}),
	}
	cells := h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res)
	sel := CellSelection{Res: res, Cells: make(map[int64]bool, len(cells))}
	for _, c := range cells {
		sel.Cells[int64(c)] = true
	}
	if len(sel.Cells) > 200_000 {
		return CellSelection{}, refuse(lianxin.EInvalid, "bbox", ReportReasonBBoxTooLarge, map[string]any{"res": res, "cells": len(sel.Cells)},
			"bbox: too large for resolution %d (%d cells)", res, len(sel.Cells))
	}
	return sel, nil
}

// All reports whether the selection is unbounded.
func (s CellSelection) All() bool { return s.Cells == nil }

// Has reports whether cell is selected.
func (s CellSelection) Has(cell int64) bool { return s.Cells == nil || s.Cells[cell] }

// ChildRange returns the range [lo, hi] of resolution-10 cell ids that
// descend from cell (at resolution res <= 10). In the H3 bit layout the
// resolution field sits above the base cell and digits, so the descendants of
// a cell at one finer resolution are exactly the ids sharing its base cell
// and first res digits: a contiguous range, which a btree index scans.
func ChildRange(cell int64, res int) (lo, hi int64) {
	const resShift = 52
	hi = (cell &^ (int64(15) << resShift)) | int64(StoredResolution)<<resShift
	free := int64(1)<<(3*(StoredResolution-res)) - 1 // digits res+1..10
	lo = hi &^ (free << (3 * (15 - StoredResolution)))
	return lo, hi
}

// Ranges returns the child ranges of the selection, or nil when it is
// unbounded or so large that scanning everything is cheaper.
func (s CellSelection) Ranges(maxRanges int) (lo, hi []int64) {
	if s.Cells == nil || len(s.Cells) > maxRanges {
		return nil, nil
	}
	for c := range s.Cells {
		l, h := ChildRange(c, s.Res)
		lo = append(lo, l)
		hi = append(hi, h)
	}
	return lo, hi
}

// H3String writes a cell id the way H3 tools do (lowercase hex).
func H3String(cell int64) string { return fmt.Sprintf("%x", uint64(cell)) }
