package ingest

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// wktLayers are layers of each geometry kind a WKT column can fill.
var wktLayers = []string{"villages", "households", "river_works", "projects"}

// TestWKTNestingRefused: WKT nested deeper than a MULTIPOLYGON is refused
// before the parser, which would take seconds on it, runs.
func TestWKTNestingRefused(t *testing.T) {
	layer, _ := LookupLayer("villages")
	conv := &converter{layer: layer, file: "deep.csv", crs: geo.CRSWGS84, bounds: CountyBounds}
	cases := []struct {
		name, wkt string
		refused   bool
	}{
		{"multipolygon", "MULTIPOLYGON(((120 32,120.1 32,120.1 32.1,120 32)))", false},
		{"polygon", "POLYGON((120 32,120.1 32,120.1 32.1,120 32))", false},
		{"collections nested 20000 deep", strings.Repeat("GEOMETRYCOLLECTION(", 20000) + "POINT(120 32)" + strings.Repeat(")", 20000), true},
		{"brackets nested 4 deep", "MULTIPOLYGON((((120 32,120.1 32,120.1 32.1,120 32))))", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := conv.geometry(&raw{wkt: tc.wkt})
			refused := err != nil && strings.Contains(err.Error(), "nested deeper")
			if refused != tc.refused {
				t.Fatalf("geometry(%.60q…) error %v; want refused for nesting: %v", tc.wkt, err, tc.refused)
			}
		})
	}
}

// FuzzWKTGeometry: no WKT value panics or stalls the converter, and one it
// accepts is finite and of the layer's kind.
func FuzzWKTGeometry(f *testing.F) {
	for _, seed := range []string{
		"POINT(120.02 32.13)",
		"MULTIPOINT((120.02 32.13))",
		"POLYGON((120 32,120.1 32,120.1 32.1,120 32))",
		"MULTIPOLYGON(((120 32,120.1 32,120.1 32.1,120 32)),((120.2 32,120.3 32,120.3 32.1,120.2 32)))",
		"LINESTRING(120 32,120.1 32.1)",
		"MULTILINESTRING((120 32,120.1 32.1),(120.2 32,120.3 32.1))",
		"GEOMETRYCOLLECTION(POINT(120 32),LINESTRING(120 32,121 33))",
		"POLYGON EMPTY",
		"POINT(NaN Inf)",
		"point ( 1e400 -1e400 )",
		strings.Repeat("GEOMETRYCOLLECTION(", 50) + "POINT(120 32)" + strings.Repeat(")", 50),
	} {
		for i := range wktLayers {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, text string) {
		layer, _ := LookupLayer(wktLayers[int(which)%len(wktLayers)])
		conv := &converter{layer: layer, file: "fuzz.csv", crs: geo.CRSWGS84, bounds: CountyBounds}
		g, _, err := conv.geometry(&raw{wkt: text})
		if err != nil || g == nil {
			return
		}
		b := g.Bound()
		for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: accepted %q with bound %v; want finite coordinates", layer.Name, text, b)
			}
		}
		var ok bool
		switch layer.Geom {
		case PointGeom:
			_, ok = g.(orb.Point)
		case PolygonGeom:
			_, ok = g.(orb.MultiPolygon)
		case LineGeom:
			_, ok = g.(orb.MultiLineString)
		case AnyGeom:
			_, isCollection := g.(orb.Collection)
			ok = !isCollection
		}
		if !ok {
			t.Fatalf("%s (%v): accepted %q as %T", layer.Name, layer.Geom, text, g)
		}
	})
}
