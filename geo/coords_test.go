package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"

	"lianxin/geo"
)

// Known cells from h3-go's own tests and README example.
const (
	sfCellRes9     = 0x8928308280fffff // h3 README: lat 37.775938728915946, lng -122.41795063018799, res 9
	alaskaCellRes5 = 0x850dab63fffffff // h3-go h3_test.go: lat 67.1509268640, lng -168.3908885810, res 5
)

var (
	sfPoint     = orb.Point{-122.41795063018799, 37.775938728915946}
	alaskaPoint = orb.Point{-168.3908885810, 67.1509268640}
	jiangsu     = orb.Point{120.05, 32.17}
)

func TestCellOf(t *testing.T) {
	tests := []struct {
		name    string
		p       orb.Point
		res     int
		want    h3.Cell
		wantErr bool
	}{
		{name: "h3 readme San Francisco res 9", p: sfPoint, res: 9, want: sfCellRes9},
		{name: "h3-go test cell res 5", p: alaskaPoint, res: 5, want: alaskaCellRes5},
		{name: "lat/lon swapped San Francisco", p: orb.Point{sfPoint.Lat(), sfPoint.Lon()}, res: 9, wantErr: true},
		{name: "lat/lon swapped Jiangsu", p: orb.Point{jiangsu.Lat(), jiangsu.Lon()}, res: geo.FineResolution, wantErr: true},
		{name: "negative resolution", p: sfPoint, res: -1, wantErr: true},
		{name: "resolution above 15", p: sfPoint, res: 16, wantErr: true},
		{name: "NaN longitude", p: orb.Point{math.NaN(), 32}, res: 9, wantErr: true},
		{name: "infinite latitude", p: orb.Point{120, math.Inf(1)}, res: 9, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := geo.CellOf(tc.p, tc.res)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("CellOf(%v, %d) = %s, nil; want an error", tc.p, tc.res, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("CellOf(%v, %d) error: %v; want %s", tc.p, tc.res, err, tc.want)
			}
			if got != tc.want {
				t.Errorf("CellOf(%v, %d) = %s; want %s", tc.p, tc.res, got, tc.want)
			}
		})
	}
}

func TestCellIDOf(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		res  int
		want int64
	}{
		{name: "h3 readme San Francisco res 9", p: sfPoint, res: 9, want: sfCellRes9},
		{name: "h3-go test cell res 5", p: alaskaPoint, res: 5, want: alaskaCellRes5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := geo.CellIDOf(tc.p, tc.res)
			if err != nil || got != tc.want {
				t.Errorf("CellIDOf(%v, %d) = %#x, %v; want %#x, nil", tc.p, tc.res, got, err, tc.want)
			}
		})
	}

	t.Run("fine resolution in Jiangsu is positive and resolution 11", func(t *testing.T) {
		got, err := geo.CellIDOf(jiangsu, geo.FineResolution)
		if err != nil {
			t.Fatalf("CellIDOf(%v, %d) error: %v", jiangsu, geo.FineResolution, err)
		}
		if got <= 0 || h3.Cell(got).Resolution() != geo.FineResolution {
			t.Errorf("CellIDOf(%v, %d) = %d (resolution %d); want a positive id at resolution %d",
				jiangsu, geo.FineResolution, got, h3.Cell(got).Resolution(), geo.FineResolution)
		}
	})
}

func TestLatLngPointConversions(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		ll   h3.LatLng
	}{
		{name: "Jiangsu", p: orb.Point{120.05, 32.17}, ll: h3.LatLng{Lat: 32.17, Lng: 120.05}},
		{name: "San Francisco", p: sfPoint, ll: h3.LatLng{Lat: 37.775938728915946, Lng: -122.41795063018799}},
		{name: "southern and western", p: orb.Point{-70.6, -33.45}, ll: h3.LatLng{Lat: -33.45, Lng: -70.6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.LatLngFromPoint(tc.p); got != tc.ll {
				t.Errorf("LatLngFromPoint(%v) = %+v; want %+v", tc.p, got, tc.ll)
			}
			if got := geo.PointFromLatLng(tc.ll); got != tc.p {
				t.Errorf("PointFromLatLng(%+v) = %v; want %v", tc.ll, got, tc.p)
			}
		})
	}

	t.Run("centre of known cell", func(t *testing.T) {
		// h3-go's test asserts this cell's centre is alaskaPoint.
		got := geo.PointFromLatLng(h3.Cell(alaskaCellRes5).LatLng())
		if !near(got, alaskaPoint, 1e-6) {
			t.Errorf("PointFromLatLng(centre of %x) = %v; want %v", alaskaCellRes5, got, alaskaPoint)
		}
	})
}

func TestCellBoundary(t *testing.T) {
	// Boundary of alaskaCellRes5 from h3-go's h3_test.go, rewritten lon/lat.
	want := orb.Ring{
		{-168.523006585, 67.224749856},
		{-168.626914333, 67.140938355},
		{-168.494913285, 67.067252558},
		{-168.259695931, 67.077062918},
		{-168.154801171, 67.160561948},
		{-168.286102782, 67.234563187},
		{-168.523006585, 67.224749856},
	}

	t.Run("known cell", func(t *testing.T) {
		got, err := geo.CellBoundary(alaskaCellRes5)
		if err != nil {
			t.Fatalf("CellBoundary(%#x) error: %v", alaskaCellRes5, err)
		}
		if len(got) != 1 || len(got[0]) != len(want) {
			t.Fatalf("CellBoundary(%#x) = %v; want one ring %v", alaskaCellRes5, got, want)
		}
		for i := range want {
			if !near(got[0][i], want[i], 1e-8) {
				t.Errorf("CellBoundary(%#x) vertex %d = %v; want %v", alaskaCellRes5, i, got[0][i], want[i])
			}
		}
	})

	t.Run("fine cell in Jiangsu is closed and contains its point", func(t *testing.T) {
		id, err := geo.CellIDOf(jiangsu, geo.FineResolution)
		if err != nil {
			t.Fatalf("CellIDOf(%v) error: %v", jiangsu, err)
		}
		got, err := geo.CellBoundary(id)
		if err != nil {
			t.Fatalf("CellBoundary(%#x) error: %v", id, err)
		}
		ring := got[0]
		if !ring.Closed() {
			t.Errorf("CellBoundary(%#x) ring %v is not closed", id, ring)
		}
		if b := ring.Bound(); !b.Contains(jiangsu) {
			t.Errorf("CellBoundary(%#x) bound %v does not contain %v", id, b, jiangsu)
		}
	})

	for _, cell := range []int64{0, -1, 0x0fffffffffffffff} {
		if got, err := geo.CellBoundary(cell); err == nil {
			t.Errorf("CellBoundary(%#x) = %v, nil; want an error for an invalid cell", cell, got)
		}
	}
}

func TestParentCell(t *testing.T) {
	tests := []struct {
		name    string
		cell    int64
		res     int
		want    int64
		wantErr bool
	}{
		{name: "same resolution", cell: sfCellRes9, res: 9, want: sfCellRes9},
		// By the index format: resolution field 9→5, digits 6..9 set to 7.
		{name: "res 9 to res 5", cell: sfCellRes9, res: 5, want: 0x85283083fffffff},
		{name: "finer than cell", cell: sfCellRes9, res: 10, wantErr: true},
		{name: "negative resolution", cell: sfCellRes9, res: -1, wantErr: true},
		{name: "invalid cell", cell: 12345, res: 3, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := geo.ParentCell(tc.cell, tc.res)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParentCell(%#x, %d) = %#x, nil; want an error", tc.cell, tc.res, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParentCell(%#x, %d) = %#x, %v; want %#x, nil", tc.cell, tc.res, got, err, tc.want)
			}
		})
	}
}

// slippyTile is the standard OpenStreetMap tile formula, written out here
// independently of orb/maptile.
func slippyTile(lon, lat float64, z uint32) (x, y uint32) {
	n := math.Exp2(float64(z))
	latRad := lat * math.Pi / 180
	x = uint32(math.Floor((lon + 180) / 360 * n))
	y = uint32(math.Floor((1 - math.Log(math.Tan(latRad)+1/math.Cos(latRad))/math.Pi) / 2 * n))
	return x, y
}

// slippyCorner is the inverse: the lon/lat of a tile's north-west corner.
func slippyCorner(x, y, z uint32) orb.Point {
	n := math.Exp2(float64(z))
	lon := float64(x)/n*360 - 180
	lat := math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi
	return orb.Point{lon, lat}
}

func TestTileZXY(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
		tile geo.TileZXY
	}{
		{name: "Jiangsu z10", p: jiangsu, tile: geo.TileZXY{Z: 10, X: 853, Y: 415}},
		{name: "Jiangsu z16", p: jiangsu, tile: geo.TileZXY{Z: 16, X: 54622, Y: 26577}},
		{name: "San Francisco z12", p: sfPoint, tile: geo.TileZXY{Z: 12, X: 655, Y: 1583}},
		{name: "world z0", p: jiangsu, tile: geo.TileZXY{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, y := slippyTile(tc.p.Lon(), tc.p.Lat(), tc.tile.Z)
			if x != tc.tile.X || y != tc.tile.Y {
				t.Fatalf("slippy formula for %v at z%d = x %d y %d; test case says %v", tc.p, tc.tile.Z, x, y, tc.tile)
			}
			if err := tc.tile.Validate(); err != nil {
				t.Fatalf("%v.Validate() = %v; want nil", tc.tile, err)
			}

			mt := tc.tile.MapTile()
			want := maptile.Tile{X: tc.tile.X, Y: tc.tile.Y, Z: maptile.Zoom(tc.tile.Z)}
			if mt != want {
				t.Errorf("%v.MapTile() = %+v; want %+v", tc.tile, mt, want)
			}
			if at := maptile.At(tc.p, maptile.Zoom(tc.tile.Z)); at != mt {
				t.Errorf("maptile.At(%v, %d) = %+v; want %+v", tc.p, tc.tile.Z, at, mt)
			}

			b := tc.tile.Bound()
			nw := slippyCorner(tc.tile.X, tc.tile.Y, tc.tile.Z)
			se := slippyCorner(tc.tile.X+1, tc.tile.Y+1, tc.tile.Z)
			wantBound := orb.Bound{Min: orb.Point{nw.Lon(), se.Lat()}, Max: orb.Point{se.Lon(), nw.Lat()}}
			if !near(b.Min, wantBound.Min, 1e-9) || !near(b.Max, wantBound.Max, 1e-9) {
				t.Errorf("%v.Bound() = %v; want %v", tc.tile, b, wantBound)
			}
			if !b.Contains(tc.p) {
				t.Errorf("%v.Bound() = %v; want it to contain %v", tc.tile, b, tc.p)
			}
		})
	}
}

func TestTileZXYValidate(t *testing.T) {
	tests := []struct {
		name  string
		tile  geo.TileZXY
		valid bool
	}{
		{name: "z0 only tile", tile: geo.TileZXY{Z: 0, X: 0, Y: 0}, valid: true},
		{name: "z0 x out of range", tile: geo.TileZXY{Z: 0, X: 1, Y: 0}},
		{name: "z10 last tile", tile: geo.TileZXY{Z: 10, X: 1023, Y: 1023}, valid: true},
		{name: "z10 x is 2^z", tile: geo.TileZXY{Z: 10, X: 1024, Y: 0}},
		{name: "z10 y is 2^z", tile: geo.TileZXY{Z: 10, X: 0, Y: 1024}},
		{name: "z24 last tile", tile: geo.TileZXY{Z: 24, X: 1<<24 - 1, Y: 1<<24 - 1}, valid: true},
		{name: "z25", tile: geo.TileZXY{Z: 25}},
		{name: "z32 would overflow a shift", tile: geo.TileZXY{Z: 32}},
		{name: "huge z", tile: geo.TileZXY{Z: math.MaxUint32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.tile.Validate()
			if tc.valid && err != nil {
				t.Errorf("%v.Validate() = %v; want nil", tc.tile, err)
			}
			if !tc.valid && err == nil {
				t.Errorf("%v.Validate() = nil; want an error", tc.tile)
			}
		})
	}
}

func FuzzTileZXYValidate(f *testing.F) {
	f.Add(uint32(10), uint32(853), uint32(415))
	f.Add(uint32(0), uint32(0), uint32(0))
	f.Add(uint32(24), uint32(1<<24), uint32(0))
	f.Add(uint32(31), uint32(0), uint32(0))
	f.Fuzz(func(t *testing.T, z, x, y uint32) {
		tile := geo.TileZXY{Z: z, X: x, Y: y}
		err := tile.Validate()
		wantValid := z <= geo.MaxTileZoom && uint64(x) < 1<<z && uint64(y) < 1<<z
		if (err == nil) != wantValid {
			t.Fatalf("%v.Validate() = %v; want valid=%t", tile, err, wantValid)
		}
		if err != nil {
			return
		}
		if !tile.MapTile().Valid() {
			t.Errorf("%v.MapTile() = %+v is not valid", tile, tile.MapTile())
		}
		b := tile.Bound()
		if !(b.Min.Lon() < b.Max.Lon() && b.Min.Lat() < b.Max.Lat()) ||
			b.Min.Lon() < -180 || b.Max.Lon() > 180 || b.Min.Lat() < -86 || b.Max.Lat() > 86 {
			t.Errorf("%v.Bound() = %v; want a non-empty bound inside the web-mercator world", tile, b)
		}
	})
}

func near(a, b orb.Point, tolDeg float64) bool {
	return math.Abs(a.Lon()-b.Lon()) <= tolDeg && math.Abs(a.Lat()-b.Lat()) <= tolDeg
}
