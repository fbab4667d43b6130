package ingest

import "testing"

// ogrinfo -so's layer summary decides whether ogr2ogr reprojects (GDAL
// refuses -t_srs for a layer without a CRS) and whether the file holds any
// feature.
func TestParseOGRLayerInfo(t *testing.T) {
	for _, tc := range []struct {
		name, out             string
		wantCRS, wantFeatures bool
	}{
		{"GeoPackage in WGS 84", "Layer name: villages\nGeometry: Multi Polygon\nFeature Count: 67\nLayer SRS WKT:\nGEOGCRS[\"WGS 84\",\n", true, true},
		{"Shapefile without .prj", "Layer name: v\nFeature Count: 5\nLayer SRS WKT:\n(unknown)\nid: Integer64 (10.0)\n", false, true},
		{"empty layer", "Layer name: v\nFeature Count: 0\nLayer SRS WKT:\n(unknown)\n", false, false},
		{"nothing understood", "", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crs, features := parseOGRLayerInfo(tc.out)
			if crs != tc.wantCRS || features != tc.wantFeatures {
				t.Errorf("parseOGRLayerInfo(%q) = CRS %v, features %v; want %v, %v", tc.out, crs, features, tc.wantCRS, tc.wantFeatures)
			}
		})
	}
}
