package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// `lianxin export` as GIS staff run it: the H3 layer at a chosen
// resolution, property filters, files others may read, and every export —
// offline packages included — in the export log as the command line.
func TestExportCommand(t *testing.T) {
	ctx := context.Background()
	st, url, county := demotest.New(t)
	dir := t.TempDir()
	noEnv := func(string) string { return "" }
	export := func(t *testing.T, args ...string) {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append(append([]string{"export"}, args...), "--database-url", url, "--log-level", "warn"), noEnv, &out, &out); err != nil {
			t.Fatalf("lianxin export %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	sqlCount := func(t *testing.T, sql string) int {
		t.Helper()
		var n int
		storetest.QueryRow(t, url, sql, &n)
		return n
	}
	features := regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	resolutions := regexp.MustCompile(`(?m)^\s+resolution \(Integer\) = (\d+)$`)
	ogrCount := func(t *testing.T, path string) int {
		t.Helper()
		out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", path).CombinedOutput()
		m := features.FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	checkFile := func(t *testing.T, path string) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want -rw-r--r-- (others in the team open it)", filepath.Base(path), fi.Mode().Perm())
		}
	}
	lastExport := func(t *testing.T, wantLayer string) (rows int64, filter map[string]any) {
		t.Helper()
		recs, err := st.RecentExports(ctx, 1)
		if err != nil || len(recs) != 1 {
			t.Fatalf("recent exports: %v %v", recs, err)
		}
		r := recs[0]
		if r.Actor != "cli" || r.Layer != wantLayer || !r.Completed {
			t.Errorf("export log: actor %q layer %q completed %v, want cli, %s, true", r.Actor, r.Layer, r.Completed, wantLayer)
		}
		return r.Rows, r.Filter
	}

	t.Run("h3 cells at resolution 7", func(t *testing.T) {
		r7, r8 := filepath.Join(dir, "r7.gpkg"), filepath.Join(dir, "r8.gpkg")
		export(t, "h3_cells", "--resolution", "7", "--format", "gpkg", "-o", r7)
		rows, filter := lastExport(t, "h3_cells")
		if filter["resolution"] != float64(7) {
			t.Errorf("export log filter %v, want resolution 7", filter)
		}
		export(t, "h3_cells", "--format", "gpkg", "-o", r8)
		n7, n8 := ogrCount(t, r7), ogrCount(t, r8)
		if n7 == 0 || n7 >= n8 || int64(n7) != rows {
			t.Errorf("GDAL reads %d cells at resolution 7 (logged %d) and %d at the default 8: want some, fewer than at 8, as logged", n7, rows, n8)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-q", "-geom=NO", r7).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v\n%s", r7, err, out)
		}
		got := resolutions.FindAllSubmatch(out, -1)
		if len(got) != n7 {
			t.Fatalf("ogrinfo shows %d resolution values for %d cells", len(got), n7)
		}
		for _, m := range got {
			if string(m[1]) != "7" {
				t.Fatalf("a cell of resolution %s in the resolution-7 export", m[1])
			}
		}
		checkFile(t, r7)
	})

	t.Run("property filter", func(t *testing.T) {
		path := filepath.Join(dir, "community.fgb")
		export(t, "villages", "--where", "kind=community", "--format", "fgb", "-o", path)
		want := sqlCount(t, `SELECT count(*) FROM villages WHERE kind = 'community'`)
		if got := ogrCount(t, path); got != want || want == 0 {
			t.Errorf("--where kind=community: GDAL reads %d villages, the table has %d communities", got, want)
		}
		checkFile(t, path)
	})

	t.Run("offline package recorded", func(t *testing.T) {
		town := county.Towns[0].Code
		path := filepath.Join(dir, town+".pmtiles")
		export(t, "pmtiles", "--town", town, "--minzoom", "10", "--maxzoom", "12", "-o", path)
		rows, filter := lastExport(t, "pmtiles")
		if filter["town"] != town || rows == 0 {
			t.Errorf("export log: filter %v, %d tiles; want town %s and some tiles", filter, rows, town)
		}
		checkFile(t, path)
	})

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"villages", "--where", "kind"}, "want field=value"},
		{[]string{"villages", "--where", "colour=red"}, "colour"},
		{[]string{"villages", "--resolution", "7"}, "resolution"},
		{[]string{"h3_cells", "--resolution", "11"}, "resolution"},
		// A layer without geometry in a format of placed features only.
		{[]string{"members", "--format", "kml"}, "KML places placemarks"},
		{[]string{"members", "--format", "fgb"}, "FlatGeobuf holds features with geometry"},
	} {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"export"}, tc.args...), "--database-url", url, "-o", filepath.Join(dir, "refused")), noEnv, &out, &out)
		if err == nil || !strings.Contains(err.Error()+out.String(), tc.want) {
			t.Errorf("lianxin export %s = %v, want an error naming %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
