package export_test

import (
	"archive/zip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"lianxin/demo/demotest"
	"lianxin/export"
)

// A GCJ-02 file says so inside as well as in its name: the layer that QGIS
// and Google Earth list is villages_gcj02 (a KML has no CRS of its own to
// say it), while WGS 84 and CGCS2000 layers keep the layer's name.
func TestGCJ02LayerNames(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	layerLine := regexp.MustCompile(`(?m)^1: (\S+)`)
	for _, tc := range []struct {
		format export.Format
		crs    export.CRS
		want   string
	}{
		{export.KML, export.GCJ02, "villages_gcj02"},
		{export.GeoPackage, export.GCJ02, "villages_gcj02"},
		{export.FlatGeobuf, export.GCJ02, "villages_gcj02"},
		{export.KML, export.WGS84, "villages"},
		{export.GeoPackage, export.CGCS2000, "villages"},
	} {
		t.Run(string(tc.format)+"/"+tc.crs.Name, func(t *testing.T) {
			path, _ := exportFile(t, svc, export.Request{Layer: "villages", Format: tc.format, CRS: tc.crs}, dir)
			cmd := exec.Command("ogrinfo", "-ro", "-q", path)
			cmd.Env = append(cmd.Environ(), "GDAL_SKIP=LIBKML")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
			}
			var got string
			if m := layerLine.FindSubmatch(out); m != nil {
				got = string(m[1])
			}
			if got != tc.want {
				t.Errorf("%s in %s: GDAL lists layer %q, want %q\n%s", tc.format, tc.crs.Name, got, tc.want, out)
			}
		})
	}
}

// The parts of a zipped shapefile carry the time they were written, not
// the zip format's zero (which unzip shows as 1980-00-00).
func TestShapefileZipTimes(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	before := time.Now().Add(-time.Minute)
	path, _ := exportFile(t, svc, export.Request{Layer: "towns", Format: export.Shapefile, CRS: export.CGCS2000}, t.TempDir())
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Modified.Before(before) || f.Modified.After(time.Now().Add(time.Minute)) {
			t.Errorf("%s in the zip: modified %s, want the export's time (about %s)", f.Name, f.Modified, before.Add(time.Minute).Format(time.RFC3339))
		}
	}
	if got := strings.Join(names, " "); got != "towns_cgcs2000.cpg towns_cgcs2000.dbf towns_cgcs2000.prj towns_cgcs2000.shp towns_cgcs2000.shx fields.csv" {
		t.Errorf("zip holds %s, want the five parts named for the download and the field dictionary", got)
	}
}
