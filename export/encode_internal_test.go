package export

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
)

// Every geometry type the layers hold, written as GeoJSON and as WKT by
// the export's own writers, reads back through orb's readers as the same
// geometry (coordinates rounded to the 1e-7 degrees both writers keep).
func TestGeometryWritersRoundTrip(t *testing.T) {
	ring := orb.Ring{{120.1, 32.1}, {120.2, 32.1}, {120.2, 32.2}, {120.1, 32.1}}
	hole := orb.Ring{{120.15, 32.12}, {120.17, 32.12}, {120.17, 32.14}, {120.15, 32.12}}
	line := orb.LineString{{120.01, 31.99}, {120.02, 32.0000001}, {120.03, 32.01}}
	for _, tc := range []struct {
		name string
		g    orb.Geometry
	}{
		{"point", orb.Point{120.1234567, 32.7654321}},
		{"multipoint", orb.MultiPoint{{120, 32}, {120.5, 32.5}}},
		{"linestring", line},
		{"multilinestring", orb.MultiLineString{line, {{121, 31}, {121.1, 31.1}}}},
		{"polygon with a hole", orb.Polygon{ring, hole}},
		{"multipolygon", orb.MultiPolygon{{ring, hole}, {{{121, 31}, {121.1, 31}, {121.1, 31.1}, {121, 31}}}}},
		{"collection", orb.Collection{orb.Point{120, 32}, line, orb.Polygon{ring}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js, err := appendGeoJSONGeometry(nil, tc.g)
			if err != nil {
				t.Fatalf("GeoJSON of %v: %v", tc.g, err)
			}
			fromJSON, err := geojson.UnmarshalGeometry(js)
			if err != nil {
				t.Fatalf("reading back GeoJSON %s: %v", js, err)
			}
			if !orb.Equal(fromJSON.Geometry(), tc.g) {
				t.Errorf("GeoJSON %s reads back as %v, want %v", js, fromJSON.Geometry(), tc.g)
			}
			text, err := appendWKT(nil, tc.g)
			if err != nil {
				t.Fatalf("WKT of %v: %v", tc.g, err)
			}
			fromWKT, err := wkt.Unmarshal(string(text))
			if err != nil {
				t.Fatalf("reading back WKT %s: %v", text, err)
			}
			if !orb.Equal(fromWKT, tc.g) {
				t.Errorf("WKT %s reads back as %v, want %v", text, fromWKT, tc.g)
			}
		})
	}
}

// A geometry type no layer holds is refused by name, not written half.
func TestGeometryWritersRefuseUnknownTypes(t *testing.T) {
	var g orb.Geometry = orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	if b, err := appendGeoJSONGeometry(nil, g); err == nil {
		t.Errorf("GeoJSON of an orb.Bound = %s, want an error", b)
	}
	if b, err := appendWKT(nil, g); err == nil {
		t.Errorf("WKT of an orb.Bound = %s, want an error", b)
	}
}
