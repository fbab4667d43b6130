package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store/storetest"
)

// Projects mix points and polygons, which one shapefile cannot hold: the
// export's geometry parameter narrows the layer to one kind, so the GIS
// tab offers a shapefile of each. Read back with GDAL, each holds the
// table's rows of its kind only; without the parameter the shapefile is
// refused with a message that names it.
func TestExportOneGeometryKind(t *testing.T) {
	st, url, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	count := func(dim int) int {
		conn := storetest.Connect(t, url)
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM projects WHERE ST_Dimension(geom) = $1`, dim).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	points, polygons := count(0), count(2)
	if points == 0 || polygons == 0 {
		t.Fatalf("demo projects: %d points and %d polygons, want some of each (the test needs both)", points, polygons)
	}

	dir := t.TempDir()
	geometryLine := regexp.MustCompile(`(?m)^Geometry: (.+)$`)
	countLine := regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	for _, tc := range []struct {
		query, wantFile, wantGeometry string
		wantCount                     int
	}{
		{"format=shp&geometry=point", "projects_points.zip", "Point", points},
		{"format=shp&geometry=polygon", "projects_polygons.zip", "Polygon", polygons},
		{"format=shp&geometry=polygon&crs=EPSG:4490", "projects_polygons_cgcs2000.zip", "Polygon", polygons},
		{"format=gpkg&geometry=point", "projects_points.gpkg", "Point", points},
	} {
		t.Run(tc.query, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/projects?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			path := filepath.Join(dir, tc.wantFile)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET projects?%s = %d %.300s, want 200", tc.query, res.StatusCode, body)
			}
			if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename=`+tc.wantFile) {
				t.Errorf("GET projects?%s: Content-Disposition %q, want file name %s", tc.query, cd, tc.wantFile)
			}
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			src := path
			if strings.HasSuffix(path, ".zip") {
				src = "/vsizip/" + path
			}
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", src).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", src, err, out)
			}
			g := geometryLine.FindSubmatch(out)
			c := countLine.FindSubmatch(out)
			if g == nil || c == nil {
				t.Fatalf("ogrinfo %s: no geometry or count in\n%s", src, out)
			}
			if got := string(g[1]); !strings.EqualFold(strings.ReplaceAll(got, "Multi ", ""), tc.wantGeometry) {
				t.Errorf("projects?%s: geometry %q, want %s", tc.query, got, tc.wantGeometry)
			}
			if got, _ := strconv.Atoi(string(c[1])); got != tc.wantCount {
				t.Errorf("projects?%s: %d features, want %d (the table's of that kind)", tc.query, got, tc.wantCount)
			}
		})
	}

	// GeoJSON narrowed to polygons holds polygons only.
	var fc struct {
		Features []struct{ Geometry struct{ Type string } }
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/export/projects?geometry=polygon", http.StatusOK), &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != polygons {
		t.Errorf("projects?geometry=polygon as GeoJSON: %d features, want %d", len(fc.Features), polygons)
	}
	for _, f := range fc.Features {
		if !strings.HasSuffix(f.Geometry.Type, "Polygon") {
			t.Errorf("projects?geometry=polygon as GeoJSON: a %s, want polygons only", f.Geometry.Type)
		}
	}

	// Refusals name the parameter.
	for _, tc := range []struct{ query, want string }{
		{"projects?format=shp", "geometry=point"},
		{"projects?format=shp&geometry=line", `geometry "line"`},
		{"villages?format=shp&geometry=point", "mixed layer"},
	} {
		var e errorBody
		if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/export/"+tc.query, http.StatusBadRequest), &e); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(e.Error.Message, tc.want) {
			t.Errorf("GET %s: message %q, want it to say %q", tc.query, e.Error.Message, tc.want)
		}
	}
}
