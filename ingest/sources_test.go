package ingest_test

import (
	"archive/zip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// rezip copies the entries of zipped Shapefiles into one new zip, each
// name given a prefix (a folder, or a new base name).
func rezip(t *testing.T, dst string, srcs map[string]string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for src, rename := range srcs {
		zr, err := zip.OpenReader(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			name := f.Name
			if strings.HasSuffix(rename, "/") {
				name = rename + name
			} else if rename != "" {
				name = rename + filepath.Ext(name)
			}
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, r); err != nil {
				t.Fatal(err)
			}
			r.Close()
		}
		zr.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// twoLayerGPKG copies the households GeoPackage and adds the villages as a
// second layer called second.
func twoLayerGPKG(t *testing.T, dst, first, second string) {
	t.Helper()
	for _, args := range [][]string{
		{"-f", "GPKG", dst, "testdata/good/households.gpkg", "-nln", first},
		{"-update", "-f", "GPKG", dst, "testdata/good/villages.gpkg", "-nln", second},
	} {
		if out, err := exec.Command("ogr2ogr", args...).CombinedOutput(); err != nil {
			t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
		}
	}
}

// TestSourcesAsPeopleSendThem imports households files the way people
// send them beyond the fixtures: a Shapefile in a folder of its zip, zips
// and GeoPackages holding several layers, Excel's blank rows, and broken
// GeoPackages and zips, each with the rows or the error it should give.
func TestSourcesAsPeopleSendThem(t *testing.T) {
	// A temporary directory of the test's own: the check for unpacked
	// Shapefiles left behind must not see another package's, unpacked by a
	// test running beside this one (go test -p 2).
	t.Setenv("TMPDIR", t.TempDir())
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	good := "testdata/good/households.shp.zip"
	path := func(name string) string { return filepath.Join(dir, name) }
	rezip(t, path("in-folder.zip"), map[string]string{good: "村界数据/2026/"})
	rezip(t, path("with-villages.zip"), map[string]string{good: "", "testdata/good/villages.shp.zip": ""})
	rezip(t, path("two-others.zip"), map[string]string{good: "register", "testdata/good/villages.shp.zip": ""})
	rezip(t, path("no-shapefile.zip"), map[string]string{})
	twoLayerGPKG(t, path("two-layers.gpkg"), "households", "villages")
	twoLayerGPKG(t, path("two-others.gpkg"), "register", "villages")
	writeFile(t, path("not-a.gpkg"), "this is not a GeoPackage\n")
	writeFile(t, path("not-a.zip"), "PK this is not a zip\n")
	writeFile(t, path("excel-blank-rows.csv"), "\ufeff户编号,村代码,人口,经度,纬度,,\r\n"+
		"H0101,T01V01,3,120.021,32.131,,\r\n,,,,,,\r\n , ,,,,,\r\n")
	five := ingest.Counts{Unchanged: 5}
	cases := []struct {
		name, file  string
		sourceLayer string
		want        ingest.Counts // when no error is wanted (the county already holds the fixture's households)
		wantErr     string        // in the error
	}{
		{"Shapefile in a folder of the zip", "in-folder.zip", "", five, ""},
		{"zip with the layer's Shapefile and another", "with-villages.zip", "", five, ""},
		{"zip with two Shapefiles, neither named like the layer", "two-others.zip", "", ingest.Counts{},
			"two-others.zip holds 2 Shapefiles (register, villages): name the one to import with --source-layer"},
		{"zip with two Shapefiles, one picked", "two-others.zip", "register", five, ""},
		{"zip with two Shapefiles, a missing one picked", "two-others.zip", "houses", ingest.Counts{}, "holds no Shapefile called houses"},
		{"zip without a Shapefile", "no-shapefile.zip", "", ingest.Counts{}, "no-shapefile.zip holds no Shapefile (.shp)"},
		{"not a zip", "not-a.zip", "", ingest.Counts{}, "not-a.zip is not a readable zip file"},
		{"GeoPackage with the layer and another", "two-layers.gpkg", "", five, ""},
		{"GeoPackage with two layers, neither named like the layer", "two-others.gpkg", "", ingest.Counts{},
			"two-others.gpkg holds 2 layers (register, villages): name the one to import with --source-layer"},
		{"GeoPackage with two layers, one picked", "two-others.gpkg", "register", five, ""},
		{"not a GeoPackage", "not-a.gpkg", "", ingest.Counts{}, "not-a.gpkg: GDAL could not read it: "},
		{"Excel's blank rows", "excel-blank-rows.csv", "", ingest.Counts{Inserted: 1}, ""},
	}
	before := checksum(t, url)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := importFile(t, st, "households", path(tc.file), ingest.Options{SourceLayer: tc.sourceLayer, DryRun: true})
			if tc.wantErr == "" {
				if err != nil || rec.Counts != tc.want {
					t.Fatalf("import %s (source layer %q): counts %+v, error %v; want %+v, no error", tc.file, tc.sourceLayer, rec.Counts, err, tc.want)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) || lianxin.ErrorCode(err) != lianxin.EInvalid ||
				strings.Contains(err.Error(), "-> ") {
				t.Fatalf("import %s (source layer %q): error %v (code %s); want an invalid-input error containing %q, without GDAL's driver list",
					tc.file, tc.sourceLayer, err, lianxin.ErrorCode(err), tc.wantErr)
			}
			if after := checksum(t, url); after != before {
				t.Fatalf("dry run of %s changed the database", tc.file)
			}
		})
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "lianxin-shp-*")); len(left) > 0 {
		t.Errorf("unpacked Shapefiles left behind: %v", left)
	}
}
