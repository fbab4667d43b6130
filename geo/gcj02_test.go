package geo_test

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// Published WGS84 → GCJ-02 pairs from open-source transform libraries' tests.
var knownGCJPairs = []struct {
	name string
	wgs  orb.Point
	gcj  orb.Point
}{
	{name: "Shanghai", wgs: orb.Point{121.5272106, 31.1774276}, gcj: orb.Point{121.531541859215, 31.17530398364597}},
	{name: "Shenzhen", wgs: orb.Point{113.912316, 22.543847}, gcj: orb.Point{113.9171764808363, 22.540796131694766}},
	{name: "Beijing", wgs: orb.Point{116.377817, 39.911954}, gcj: orb.Point{116.38404722455657, 39.91334545536069}},
	{name: "Beijing Tiananmen", wgs: orb.Point{116.404, 39.915}, gcj: orb.Point{116.41024449916938, 39.91640428150164}},
}

func TestWGS84ToGCJ02Known(t *testing.T) {
	for _, tc := range knownGCJPairs {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.WGS84ToGCJ02(tc.wgs)
			if d := geo.DistanceMetres(got, tc.gcj); d > 1 {
				t.Errorf("WGS84ToGCJ02(%v) = %v, %.3f m from the published %v; want under 1 m", tc.wgs, got, d, tc.gcj)
			}
		})
	}
}

func TestGCJ02ToWGS84Known(t *testing.T) {
	for _, tc := range knownGCJPairs {
		t.Run(tc.name, func(t *testing.T) {
			got := geo.GCJ02ToWGS84(tc.gcj)
			if d := geo.DistanceMetres(got, tc.wgs); d > 1 {
				t.Errorf("GCJ02ToWGS84(%v) = %v, %.3f m from the published %v; want under 1 m", tc.gcj, got, d, tc.wgs)
			}
		})
	}
}

func TestGCJ02RoundTripJiangsuGrid(t *testing.T) {
	// 0.01° steps over lon 119.9..120.35, lat 31.95..32.40; integer loops
	// so the last row and column are not lost to rounding.
	var worst float64
	var worstAt orb.Point
	for i := 0; i <= 45; i++ {
		for j := 0; j <= 45; j++ {
			wgs := orb.Point{119.9 + float64(i)*0.01, 31.95 + float64(j)*0.01}
			gcj := geo.WGS84ToGCJ02(wgs)
			if shift := geo.DistanceMetres(wgs, gcj); shift < 100 {
				t.Fatalf("WGS84ToGCJ02(%v) = %v, shifted %.1f m; want the few-hundred-metre GCJ-02 shift", wgs, gcj, shift)
			}
			back := geo.GCJ02ToWGS84(gcj)
			if d := geo.DistanceMetres(back, wgs); d > worst {
				worst, worstAt = d, wgs
			}
			// The other direction: a GCJ-02 point read off a phone.
			if d := geo.DistanceMetres(geo.WGS84ToGCJ02(geo.GCJ02ToWGS84(wgs)), wgs); d > 1 {
				t.Errorf("WGS84ToGCJ02(GCJ02ToWGS84(%v)) is %.3f m away; want under 1 m", wgs, d)
			}
		}
	}
	if worst > 1 {
		t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) is %.3f m away; want under 1 m", worstAt, worst)
	}
}

func TestGCJ02RoundTripCities(t *testing.T) {
	tests := []struct {
		name string
		wgs  orb.Point
	}{
		{name: "Nanjing", wgs: orb.Point{118.7969, 32.0603}},
		{name: "Urumqi", wgs: orb.Point{87.6168, 43.8256}},
		{name: "Harbin", wgs: orb.Point{126.5350, 45.8038}},
		{name: "Haikou", wgs: orb.Point{110.1999, 20.0440}},
		{name: "Lhasa", wgs: orb.Point{91.1409, 29.6456}},
		{name: "Kunming", wgs: orb.Point{102.8329, 24.8801}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gcj := geo.WGS84ToGCJ02(tc.wgs)
			back := geo.GCJ02ToWGS84(gcj)
			if d := geo.DistanceMetres(back, tc.wgs); d > 1 {
				t.Errorf("GCJ02ToWGS84(WGS84ToGCJ02(%v)) = %v, %.3f m away; want under 1 m", tc.wgs, back, d)
			}
		})
	}
}

func TestGCJ02OutsideChina(t *testing.T) {
	tests := []struct {
		name string
		p    orb.Point
	}{
		{name: "London", p: orb.Point{-0.1276, 51.5072}},
		{name: "New York", p: orb.Point{-74.0060, 40.7128}},
		{name: "Sydney", p: orb.Point{151.2093, -33.8688}},
		{name: "Tokyo", p: orb.Point{139.6917, 35.6895}},
		{name: "Moscow", p: orb.Point{37.6173, 55.7558}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := geo.WGS84ToGCJ02(tc.p); got != tc.p {
				t.Errorf("WGS84ToGCJ02(%v) = %v; want it unchanged", tc.p, got)
			}
			if got := geo.GCJ02ToWGS84(tc.p); got != tc.p {
				t.Errorf("GCJ02ToWGS84(%v) = %v; want it unchanged", tc.p, got)
			}
		})
	}
}

func TestParseCRS(t *testing.T) {
	tests := []struct {
		in      string
		want    geo.CRS
		wantErr bool
	}{
		{in: "wgs84", want: geo.CRSWGS84},
		{in: "WGS84", want: geo.CRSWGS84},
		{in: "EPSG:4326", want: geo.CRSWGS84},
		{in: "cgcs2000", want: geo.CRSCGCS2000},
		{in: "epsg:4490", want: geo.CRSCGCS2000},
		{in: " gcj02 ", want: geo.CRSGCJ02},
		{in: "", wantErr: true},
		{in: "bd09", wantErr: true},
		{in: "gcj-02", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got, err := geo.ParseCRS(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Errorf("ParseCRS(%q) = %q, nil; want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseCRS(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestCRSConversions(t *testing.T) {
	p := orb.Point{120.05, 32.17}
	tests := []struct {
		crs      geo.CRS
		toWGS    orb.Point
		fromWGS  orb.Point
		identity bool
	}{
		{crs: geo.CRSWGS84, toWGS: p, fromWGS: p},
		{crs: geo.CRSCGCS2000, toWGS: p, fromWGS: p},
		{crs: geo.CRSGCJ02, toWGS: geo.GCJ02ToWGS84(p), fromWGS: geo.WGS84ToGCJ02(p)},
	}
	for _, tc := range tests {
		t.Run(string(tc.crs), func(t *testing.T) {
			if got := geo.ToWGS84(tc.crs, p); got != tc.toWGS {
				t.Errorf("ToWGS84(%q, %v) = %v; want %v", tc.crs, p, got, tc.toWGS)
			}
			if got := geo.FromWGS84(tc.crs, p); got != tc.fromWGS {
				t.Errorf("FromWGS84(%q, %v) = %v; want %v", tc.crs, p, got, tc.fromWGS)
			}
		})
	}

	for _, crs := range []geo.CRS{"", "bd09"} {
		for name, f := range map[string]func(geo.CRS, orb.Point) orb.Point{"ToWGS84": geo.ToWGS84, "FromWGS84": geo.FromWGS84} {
			t.Run(fmt.Sprintf("%s unknown %q panics", name, crs), func(t *testing.T) {
				defer func() {
					if recover() == nil {
						t.Errorf("%s(%q, %v) returned; want a panic for an unknown CRS", name, crs, p)
					}
				}()
				f(crs, p)
			})
		}
	}
}

func TestTransformGeometry(t *testing.T) {
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + 1, p[1] + 2} }
	tests := []struct {
		name string
		in   orb.Geometry
		want orb.Geometry
	}{
		{name: "point", in: orb.Point{1, 1}, want: orb.Point{2, 3}},
		{name: "multipoint", in: orb.MultiPoint{{0, 0}, {1, 1}}, want: orb.MultiPoint{{1, 2}, {2, 3}}},
		{name: "linestring", in: orb.LineString{{0, 0}, {1, 1}}, want: orb.LineString{{1, 2}, {2, 3}}},
		{name: "multilinestring", in: orb.MultiLineString{{{0, 0}, {1, 1}}, {{5, 5}}}, want: orb.MultiLineString{{{1, 2}, {2, 3}}, {{6, 7}}}},
		{
			name: "polygon with hole",
			in:   orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 0}}, {{1, 1}, {2, 1}, {2, 2}, {1, 1}}},
			want: orb.Polygon{{{1, 2}, {5, 2}, {5, 6}, {1, 2}}, {{2, 3}, {3, 3}, {3, 4}, {2, 3}}},
		},
		{
			name: "multipolygon",
			in:   orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
			want: orb.MultiPolygon{{{{1, 2}, {2, 2}, {2, 3}, {1, 2}}}},
		},
		{
			name: "collection",
			in:   orb.Collection{orb.Point{0, 0}, orb.LineString{{1, 1}, {2, 2}}},
			want: orb.Collection{orb.Point{1, 2}, orb.LineString{{2, 3}, {3, 4}}},
		},
		{name: "bound", in: orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, want: orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{2, 3}}},
		{name: "nil", in: nil, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := orb.Clone(tc.in)
			got := geo.TransformGeometry(tc.in, shift)
			if !orbEqual(got, tc.want) {
				t.Errorf("TransformGeometry(%v, shift by (1,2)) = %v; want %v", tc.in, got, tc.want)
			}
			if !orbEqual(tc.in, before) {
				t.Errorf("TransformGeometry modified its input: now %v; want %v", tc.in, before)
			}
		})
	}

	t.Run("GCJ-02 polygon to WGS84", func(t *testing.T) {
		gcj := orb.Polygon{{knownGCJPairs[0].gcj, knownGCJPairs[1].gcj, knownGCJPairs[2].gcj, knownGCJPairs[0].gcj}}
		got, ok := geo.TransformGeometry(gcj, geo.GCJ02ToWGS84).(orb.Polygon)
		if !ok {
			t.Fatalf("TransformGeometry(polygon) returned %T; want orb.Polygon", got)
		}
		for i, idx := range []int{0, 1, 2, 0} {
			if d := geo.DistanceMetres(got[0][i], knownGCJPairs[idx].wgs); d > 1 {
				t.Errorf("vertex %d = %v, %.3f m from %v; want under 1 m", i, got[0][i], d, knownGCJPairs[idx].wgs)
			}
		}
	})
}

func orbEqual(a, b orb.Geometry) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return orb.Equal(a, b)
}
