package export_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// An aggregate export for a window carries the coverage engine's figures
// for that window (not the default one), and says which window it is; read
// back with GDAL from a GeoPackage and a GBK shapefile.
func TestAggregateWindow(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	from := time.Date(2026, 4, 1, 0, 0, 0, 0, coverage.Zone)
	to := time.Date(2026, 5, 1, 0, 0, 0, 0, coverage.Zone)
	april, err := st.VillageCoverage(context.Background(), lianxin.SystemScope(), coverage.Window{From: from, To: to}, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want, names := map[string]int64{}, map[string]string{}
	for _, v := range april {
		want[v.VillageCode] = v.VisitedResidents
		names[v.VillageCode] = v.VillageName
	}

	for _, tc := range []struct {
		name, residentsField, fromField, toField string // a shapefile's short names (export/shapefile.go)
		req                                      export.Request
	}{
		{"gpkg", "visited_residents", "window_from", "window_to", export.Request{Layer: "village_coverage", Format: export.GeoPackage, CRS: export.WGS84}},
		{"gbk shapefile", "visited_rs", "win_from", "win_to", export.Request{Layer: "village_coverage", Format: export.Shapefile, CRS: export.CGCS2000, Encoding: export.GBK}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Filter = export.Filter{From: &from, To: &to}
			path, rows := exportFile(t, svc, req, dir)
			feats := readBack(t, gdalSource(path, req.Format))
			if len(feats) != len(want) || rows != int64(len(want)) {
				t.Fatalf("%d villages read back (%d exported), the engine has %d", len(feats), rows, len(want))
			}
			var visited int
			for _, f := range feats {
				code, _ := f.Properties["code"].(string)
				if f.Properties["name"] != names[code] {
					t.Fatalf("village %s: name %v, want %q", code, f.Properties["name"], names[code])
				}
				got, _ := f.Properties[tc.residentsField].(float64)
				if w, ok := want[code]; !ok || int64(got) != w {
					t.Fatalf("village %s: visited residents %v in April's export, the engine says %d", code, f.Properties[tc.residentsField], w)
				}
				if got > 0 {
					visited++
				}
				day := func(v any) string { s, _ := v.(string); return strings.ReplaceAll(s, "/", "-") } // dBase dates read back as 2026/04/01
				if wf, wt := day(f.Properties[tc.fromField]), day(f.Properties[tc.toField]); wf != "2026-04-01" || wt != "2026-05-01" {
					t.Fatalf("village %s: window %v..%v, want 2026-04-01..2026-05-01", code, wf, wt)
				}
			}
			if visited == 0 {
				t.Errorf("no village visited in April 2026: the test needs some")
			}
		})
	}

	// The default window (campaign start to today) gives other figures, so
	// the comparison above could fail.
	all, err := st.VillageCoverage(context.Background(), lianxin.SystemScope(),
		coverage.DefaultWindow(time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), time.Now()), coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for _, v := range all {
		if v.VisitedResidents != want[v.VillageCode] {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("April's figures equal the whole campaign's: the window test proves nothing")
	}
}
