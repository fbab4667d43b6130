package export

import (
	"slices"
	"strings"
	"testing"
)

// The open options tell GDAL's CSV reader where the geometry is: two
// coordinate columns for a point layer, a WKT column for the others, none
// for a layer without geometry.
func TestOgr2ogrArgsGeometryColumns(t *testing.T) {
	cases := []struct {
		layer      string
		format     Format
		want, bans []string
	}{
		{"households", GeoPackage,
			[]string{"X_POSSIBLE_NAMES=" + feedX, "Y_POSSIBLE_NAMES=" + feedY, "KEEP_GEOM_COLUMNS=NO", "POINT"},
			[]string{"GEOM_POSSIBLE_NAMES=wkt"}},
		{"visits", Shapefile,
			[]string{"X_POSSIBLE_NAMES=" + feedX, "Y_POSSIBLE_NAMES=" + feedY, "POINT"},
			[]string{"GEOM_POSSIBLE_NAMES=wkt"}},
		{"villages", GeoPackage,
			[]string{"GEOM_POSSIBLE_NAMES=wkt", "KEEP_GEOM_COLUMNS=NO", "MULTIPOLYGON"},
			[]string{"X_POSSIBLE_NAMES=" + feedX}},
		{"members", GeoPackage,
			[]string{"NONE"},
			[]string{"GEOM_POSSIBLE_NAMES=wkt", "X_POSSIBLE_NAMES=" + feedX}},
	}
	for _, c := range cases {
		l, err := LookupLayer(c.layer)
		if err != nil {
			t.Fatal(err)
		}
		args := ogr2ogrArgs(l, Request{Layer: c.layer, Format: c.format, CRS: WGS84}, "out")
		for _, w := range c.want {
			if !slices.Contains(args, w) {
				t.Errorf("%s as %s: ogr2ogr %s lacks %q", c.layer, c.format, strings.Join(args, " "), w)
			}
		}
		for _, b := range c.bans {
			if slices.Contains(args, b) {
				t.Errorf("%s as %s: ogr2ogr %s has %q, want it left out", c.layer, c.format, strings.Join(args, " "), b)
			}
		}
	}
}

// The coordinate columns of the feed never clash with a layer's own field
// (GDAL matches the names without regard to case).
func TestFeedCoordinateNamesAreFree(t *testing.T) {
	for _, l := range catalogue {
		for _, f := range l.Fields {
			for _, n := range []string{feedX, feedY, "wkt"} {
				if strings.EqualFold(f.Name, n) {
					t.Errorf("layer %s has a field %q, the name of a geometry column of the CSV fed to ogr2ogr", l.Name, f.Name)
				}
			}
		}
	}
}
