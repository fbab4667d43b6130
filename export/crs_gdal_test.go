package export_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// TestGeoJSONCRSAsGDALReadsIt exports the teams as GeoJSON in each
// coordinate system and opens the file with ogrinfo, as QGIS would: GDAL
// must read the coordinate system the coordinates are in. A GCJ-02 file
// without a crs member is taken for WGS 84; with one it reads as the
// same GCJ-02 CRS the GeoPackage and Shapefile exports carry, under a
// layer name ending _gcj02.
func TestGeoJSONCRSAsGDALReadsIt(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed")
	}
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	layerName := regexp.MustCompile(`(?m)^Layer name: (\S+)$`)
	cases := []struct {
		crs       export.CRS
		file      string
		layer     string
		want, not []string // in ogrinfo's "Layer SRS WKT"
	}{
		{export.WGS84, "teams.geojson", "teams", []string{`ID["EPSG",4326]`}, []string{"GCJ-02"}},
		{export.CGCS2000, "teams_cgcs2000.geojson", "teams", []string{`ID["EPSG",4490]`}, []string{"GCJ-02"}},
		{export.GCJ02, "teams_gcj02.geojson", "teams_gcj02", []string{`GEOGCRS["GCJ-02`, "not WGS 84"}, []string{`ID["EPSG",4326]`, `GEOGCRS["WGS 84"`}},
	}
	for _, tc := range cases {
		t.Run(tc.crs.Name, func(t *testing.T) {
			req := export.Request{Layer: "teams", Format: export.GeoJSON, CRS: tc.crs}
			if got := req.Filename(); got != tc.file {
				t.Errorf("%s GeoJSON file name %q, want %q", tc.crs.Name, got, tc.file)
			}
			var buf bytes.Buffer
			if _, err := svc.Export(context.Background(), lianxin.SystemScope(), req, &buf, func(export.Meta) error { return nil }); err != nil {
				t.Fatalf("export teams in %s: %v", tc.crs.Name, err)
			}
			path := filepath.Join(dir, tc.file)
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", tc.file, err, out)
			}
			info := string(out)
			if m := layerName.FindStringSubmatch(info); m == nil || m[1] != tc.layer {
				t.Errorf("ogrinfo %s: layer name %v, want %s", tc.file, m, tc.layer)
			}
			srs, _, _ := strings.Cut(info[strings.Index(info, "Layer SRS WKT:")+1:], "Data axis")
			for _, w := range tc.want {
				if !strings.Contains(srs, w) {
					t.Errorf("ogrinfo %s: SRS lacks %q:\n%s", tc.file, w, srs)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(srs, n) {
					t.Errorf("ogrinfo %s: SRS holds %q:\n%s", tc.file, n, srs)
				}
			}
		})
	}
}
