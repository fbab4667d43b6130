package export_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"lianxin/demo/demotest"
	"lianxin/export"
)

// A layer written by ogr2ogr from lianxin's CSV feed holds what lianxin's
// own GeoJSON writer sends for the same rows: every attribute (booleans,
// numbers, codes made of digits, Chinese text; times as the same instant)
// and, for points, the very same coordinates, also in GCJ-02 and for
// visits recorded without a place.
func TestGDALFeedKeepsValues(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	town := dbValues(t, url, `SELECT 'code', code FROM towns ORDER BY code LIMIT 1`)["code"]

	cases := []struct {
		layer  string
		crs    export.CRS
		filter export.Filter
		points bool
	}{
		{"households", export.WGS84, export.Filter{Town: town}, true},
		{"households", export.GCJ02, export.Filter{Town: town}, true},
		{"visits", export.CGCS2000, export.Filter{Town: town}, true},
		{"villages", export.CGCS2000, export.Filter{}, false},
	}
	for _, c := range cases {
		t.Run(c.layer+"/"+c.crs.Name, func(t *testing.T) {
			sub := t.TempDir()
			gjPath, gjRows := exportFile(t, svc, export.Request{Layer: c.layer, Format: export.GeoJSON, CRS: c.crs, Filter: c.filter}, sub)
			gpPath, gpRows := exportFile(t, svc, export.Request{Layer: c.layer, Format: export.GeoPackage, CRS: c.crs, Filter: c.filter}, dir)
			if gjRows == 0 || gjRows != gpRows {
				t.Fatalf("GeoJSON export has %d rows, GeoPackage %d: want the same, more than none", gjRows, gpRows)
			}
			want := map[string]feature{}
			for _, ft := range ownGeoJSON(t, gjPath) {
				want[idOf(ft)] = ft
			}
			got := readBack(t, gpPath)
			if len(got) != len(want) {
				t.Fatalf("GeoPackage holds %d features, GeoJSON %d", len(got), len(want))
			}
			unlocated := 0
			for _, g := range got {
				id := idOf(g)
				w, ok := want[id]
				if !ok {
					t.Fatalf("GeoPackage feature id %s is not in the GeoJSON export", id)
				}
				for name, wv := range w.Properties {
					if !sameValue(g.Properties[name], wv) {
						t.Fatalf("feature id %s: %s = %#v in the GeoPackage, want %#v", id, name, g.Properties[name], wv)
					}
				}
				if (g.Geometry == nil) != (w.Geometry == nil) {
					t.Fatalf("feature id %s: geometry %v in the GeoPackage, want %v", id, g.Geometry, w.Geometry)
				}
				if g.Geometry == nil {
					unlocated++
					continue
				}
				if c.points && !sameCoordinates(t, g.Geometry.Coordinates, w.Geometry.Coordinates) {
					t.Fatalf("feature id %s: point %s in the GeoPackage, want %s", id, g.Geometry.Coordinates, w.Geometry.Coordinates)
				}
			}
			if c.layer == "visits" && unlocated == 0 {
				t.Errorf("no visit without a place among %d: the test needs some", len(got))
			}
		})
	}
}

// ownGeoJSON reads a GeoJSON export as written, without GDAL.
func ownGeoJSON(t *testing.T, path string) []feature {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []feature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return fc.Features
}

// sameValue compares JSON values; strings that both read as times compare
// as instants (GDAL writes them back in UTC).
func sameValue(got, want any) bool {
	if got == want {
		return true
	}
	gs, ok1 := got.(string)
	ws, ok2 := want.(string)
	if !ok1 || !ok2 {
		return false
	}
	gt, err1 := parseTime(gs)
	wt, err2 := parseTime(ws)
	return err1 == nil && err2 == nil && gt.Equal(wt)
}

func parseTime(s string) (time.Time, error) {
	var err error
	for _, layout := range []string{time.RFC3339Nano, "2006/01/02 15:04:05.999-07", "2006/01/02 15:04:05.999"} {
		var v time.Time
		if v, err = time.Parse(layout, s); err == nil {
			return v, nil
		}
	}
	return time.Time{}, err
}

func sameCoordinates(t *testing.T, got, want json.RawMessage) bool {
	t.Helper()
	var g, w []float64
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("coordinates %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("coordinates %s: %v", want, err)
	}
	// Within 1e-9 degrees (0.1 mm): GDAL's CSV reader may parse the
	// shortest decimal of a float64 one unit in the last place off.
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	return len(g) == 2 && len(w) == 2 && near(g[0], w[0]) && near(g[1], w[1])
}
