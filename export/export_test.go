package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store/storetest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// exportFile runs one export into a file under dir and returns its path and
// the rows the service reported.
func exportFile(t *testing.T, svc *export.Service, req export.Request, dir string) (string, int64) {
	t.Helper()
	var buf bytes.Buffer
	var meta export.Meta
	rows, err := svc.Export(context.Background(), lianxin.SystemScope(), req, &buf, func(m export.Meta) error { meta = m; return nil })
	if err != nil {
		t.Fatalf("export %s as %s (%s): %v", req.Layer, req.Format, req.CRS.Name, err)
	}
	if meta.Filename != req.Filename() {
		t.Fatalf("export %s as %s: file name %q, want %q", req.Layer, req.Format, meta.Filename, req.Filename())
	}
	path := filepath.Join(dir, meta.Filename)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

// gdalSource is the name GDAL opens an exported file by.
func gdalSource(path string, f export.Format) string {
	if f == export.Shapefile {
		return "/vsizip/" + path
	}
	return path
}

// ogrSummary is what `ogrinfo -so -al` says of the one layer in src.
type ogrSummary struct {
	geometry string
	count    int
	srs      string
}

var (
	geometryLine = regexp.MustCompile(`(?m)^Geometry: (.+)$`)
	countLine    = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
)

func ogrinfo(t *testing.T, src string, env ...string) ogrSummary {
	t.Helper()
	cmd := exec.Command("ogrinfo", "-ro", "-so", "-al", src)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", src, err, out)
	}
	var s ogrSummary
	if m := geometryLine.FindSubmatch(out); m != nil {
		s.geometry = string(m[1])
	}
	m := countLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo %s: no feature count in\n%s", src, out)
	}
	s.count, _ = strconv.Atoi(string(m[1]))
	s.srs = string(out)
	return s
}

// readBack converts src to GeoJSON with ogr2ogr and returns its features.
func readBack(t *testing.T, src string, env ...string) []feature {
	t.Helper()
	cmd := exec.Command("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", src)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ogr2ogr %s: %v\n%s", src, err, stderr.Bytes())
	}
	var fc struct {
		Features []feature `json:"features"`
	}
	if err := json.Unmarshal(out, &fc); err != nil {
		t.Fatalf("ogr2ogr %s: GeoJSON does not parse: %v", src, err)
	}
	return fc.Features
}

type feature struct {
	ID       json.RawMessage `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// dbValues reads column col of table keyed by id, straight from the table.
func dbValues(t *testing.T, url, sql string) map[string]string {
	t.Helper()
	ctx := context.Background()
	conn := storetest.Connect(t, url)
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func idOf(ft feature) string {
	if len(ft.ID) > 0 && ft.Properties["id"] == nil {
		return strings.Trim(string(ft.ID), `"`)
	}
	switch v := ft.Properties["id"].(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	}
	return fmt.Sprint(ft.Properties["id"])
}

// Every stored layer in every format, read back with GDAL: the feature
// count is the table's, the geometry type and CRS are the layer's, and a
// text attribute (Chinese where the layer has names) matches the table row
// for row.
func TestExportsReadBackWithGDAL(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()

	// The first town's households keep the households cases quick; the
	// filter is part of what is tested.
	town := dbValues(t, url, `SELECT code, code FROM towns ORDER BY code LIMIT 1`)
	var townCode string
	for k := range town {
		townCode = k
	}

	layers := []struct {
		layer    string
		filter   export.Filter
		count    string // SQL counting the rows that should go out
		values   string // SQL: id, the text attribute compared
		field    string
		geometry string // ogrinfo's geometry name in GeoPackage
	}{
		{"towns", export.Filter{}, `SELECT count(*) FROM towns`, `SELECT id::text, name FROM towns`, "name", "Multi Polygon"},
		{"villages", export.Filter{}, `SELECT count(*) FROM villages`, `SELECT id::text, name FROM villages`, "name", "Multi Polygon"},
		{"teams", export.Filter{}, `SELECT count(*) FROM teams`, `SELECT id::text, name FROM teams`, "name", "Point"},
		{"members", export.Filter{}, `SELECT count(*) FROM members`, `SELECT id::text, name FROM members`, "name", "None"},
		{"households", export.Filter{Town: townCode},
			`SELECT count(*) FROM households h JOIN towns t ON t.id = h.town_id WHERE t.code = '` + townCode + `'`,
			`SELECT h.id::text, h.external_id FROM households h JOIN towns t ON t.id = h.town_id WHERE t.code = '` + townCode + `'`,
			"external_id", "Point"},
		{"contact_points", export.Filter{}, `SELECT count(*) FROM contact_points`, `SELECT id::text, code FROM contact_points`, "code", "Point"},
		{"visits", export.Filter{Town: townCode},
			`SELECT count(*) FROM visits v JOIN towns t ON t.id = v.town_id WHERE t.code = '` + townCode + `'`,
			`SELECT v.id::text, v.external_id FROM visits v JOIN towns t ON t.id = v.town_id WHERE t.code = '` + townCode + `'`,
			"external_id", "Point"},
		{"projects", export.Filter{}, `SELECT count(*) FROM projects`, `SELECT id::text, name FROM projects`, "name", "Unknown (any)"},
		{"river_works", export.Filter{}, `SELECT count(*) FROM river_works`, `SELECT id::text, name FROM river_works`, "name", "Multi Line String"},
	}
	crsOf := map[export.Format]export.CRS{
		export.GeoJSON: export.CGCS2000, export.CSV: export.WGS84, export.GeoPackage: export.CGCS2000,
		export.Shapefile: export.CGCS2000, export.KML: export.WGS84, export.FlatGeobuf: export.CGCS2000,
	}
	for _, lc := range layers {
		wantCount, _ := strconv.Atoi(dbValues(t, url, `SELECT 'n', (`+lc.count+`)::text`)["n"])
		want := dbValues(t, url, lc.values)
		located := wantCount
		if lc.layer == "visits" {
			located, _ = strconv.Atoi(dbValues(t, url, `SELECT 'n', (`+strings.Replace(lc.count, "WHERE", "WHERE v.location IS NOT NULL AND", 1)+`)::text`)["n"])
		}
		if wantCount == 0 || len(want) != wantCount {
			t.Fatalf("%s: the test county has %d rows (%d values): the test needs some", lc.layer, wantCount, len(want))
		}
		for _, f := range export.Formats {
			if f == export.Shapefile && lc.layer == "projects" || (f == export.FlatGeobuf || f == export.KML) && lc.layer == "members" {
				continue // mixed geometry, no geometry: refused (api refusals_test.go, export_catalogue_test.go)
			}
			t.Run(lc.layer+"/"+string(f), func(t *testing.T) {
				req := export.Request{Layer: lc.layer, Format: f, CRS: crsOf[f], Filter: lc.filter}
				path, rows := exportFile(t, svc, req, dir)
				wantCount := wantCount
				if f == export.FlatGeobuf && lc.layer == "visits" {
					wantCount = located // FlatGeobuf leaves out visits recorded without a place
				}
				if rows != int64(wantCount) {
					t.Errorf("export reported %d rows, want %d", rows, wantCount)
				}
				src := gdalSource(path, f)
				var env []string
				field := lc.field
				if f == export.KML {
					env = []string{"GDAL_SKIP=KML"} // LIBKML reads the ExtendedData fields
					if lc.field == "name" {
						field = "Name"
					}
				}
				if f == export.Shapefile && len(field) > 10 {
					field = field[:10] // dBase field names
				}
				sum := ogrinfo(t, src, env...)
				if sum.count != wantCount {
					t.Errorf("GDAL counts %d features, want %d", sum.count, wantCount)
				}
				if f == export.GeoPackage || f == export.FlatGeobuf {
					if sum.geometry != lc.geometry {
						t.Errorf("GDAL geometry type %q, want %q", sum.geometry, lc.geometry)
					}
				}
				if lc.geometry != "None" && (f == export.GeoPackage || f == export.Shapefile || f == export.FlatGeobuf || f == export.GeoJSON) &&
					!strings.Contains(sum.srs, `ID["EPSG",4490]`) {
					t.Errorf("GDAL finds no EPSG:4490 CRS in %s:\n%s", src, sum.srs)
				}
				feats := readBack(t, src, env...)
				if len(feats) != wantCount {
					t.Fatalf("read back %d features, want %d", len(feats), wantCount)
				}
				if f == export.CSV {
					// An importable layer's CSV holds the import's
					// columns only, no internal id: compare the values.
					var got, wantValues []string
					for _, ft := range feats {
						s, _ := ft.Properties[field].(string)
						got = append(got, s)
					}
					for _, v := range want {
						wantValues = append(wantValues, v)
					}
					slices.Sort(got)
					slices.Sort(wantValues)
					if !slices.Equal(got, wantValues) {
						t.Fatalf("CSV %s values differ from the table's (%d and %d values)", field, len(got), len(wantValues))
					}
					return
				}
				for i, ft := range feats {
					if lc.geometry != "None" && lc.layer != "visits" && ft.Geometry == nil {
						t.Fatalf("feature %d has no geometry", i)
					}
					id := idOf(ft)
					got, ok := ft.Properties[field].(string)
					if !ok || got != want[id] {
						t.Fatalf("feature id %s: %s = %v, want %q (properties %v)", id, field, ft.Properties[field], want[id], ft.Properties)
					}
				}
			})
		}
	}
}

// Shapefiles in UTF-8 and GBK: the .cpg names the encoding and GDAL reads
// the Chinese names back intact from both.
func TestShapefileEncodings(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	want := dbValues(t, url, `SELECT id::text, name FROM villages`)
	for _, tc := range []struct {
		enc     export.Encoding
		wantCPG string
	}{{export.UTF8, "UTF-8"}, {export.GBK, "CP936"}} {
		t.Run(string(tc.enc), func(t *testing.T) {
			req := export.Request{Layer: "villages", Format: export.Shapefile, CRS: export.WGS84, Encoding: tc.enc}
			path, _ := exportFile(t, svc, req, dir)
			base := strings.TrimSuffix(filepath.Base(path), ".zip")
			cpg, err := exec.Command("unzip", "-p", path, base+".cpg").Output()
			if err != nil || strings.TrimSpace(string(cpg)) != tc.wantCPG {
				t.Fatalf("%s.cpg = %q (%v), want %q", base, cpg, err, tc.wantCPG)
			}
			dbf, err := exec.Command("unzip", "-p", path, base+".dbf").Output()
			if err != nil {
				t.Fatal(err)
			}
			var anyName string
			for _, n := range want {
				anyName = n
				break
			}
			if tc.enc == export.UTF8 != bytes.Contains(dbf, []byte(anyName)) {
				t.Errorf("%s .dbf holds the UTF-8 bytes of %q: %v, want %v", tc.enc, anyName, !(tc.enc == export.UTF8), tc.enc == export.UTF8)
			}
			feats := readBack(t, "/vsizip/"+path)
			if len(feats) != len(want) {
				t.Fatalf("read back %d villages, want %d", len(feats), len(want))
			}
			for _, ft := range feats {
				if got := ft.Properties["name"]; got != want[idOf(ft)] {
					t.Fatalf("village %s: name %v, want %q", idOf(ft), got, want[idOf(ft)])
				}
			}
		})
	}
}

// The aggregate layers: one polygon per village (below=true keeps exactly
// the villages not reached), hexagons at the asked resolution, read back
// with GDAL from a GeoPackage.
func TestAggregateLayers(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	villages, _ := strconv.Atoi(dbValues(t, url, `SELECT 'n', count(*)::text FROM villages`)["n"])
	for _, tc := range []struct {
		name     string
		req      export.Request
		geometry string
	}{
		{"village coverage", export.Request{Layer: "village_coverage", Format: export.GeoPackage, CRS: export.WGS84}, "Multi Polygon"},
		{"gaps", export.Request{Layer: "gaps", Format: export.GeoPackage, CRS: export.WGS84}, "Multi Polygon"},
		{"cells r7", export.Request{Layer: "h3_cells", Format: export.GeoPackage, CRS: export.WGS84, Filter: export.Filter{Resolution: 7}}, "Polygon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, rows := exportFile(t, svc, tc.req, dir)
			sum := ogrinfo(t, path)
			if sum.geometry != tc.geometry || int64(sum.count) != rows || rows == 0 {
				t.Fatalf("GDAL reads %d %q features, want %d %q", sum.count, sum.geometry, rows, tc.geometry)
			}
			feats := readBack(t, path)
			switch tc.req.Layer {
			case "gaps":
				// The gap report's villages: those below one-third, as
				// village_coverage's below=true gives them.
				below := export.Request{Layer: "village_coverage", Format: export.GeoPackage, CRS: export.WGS84, Filter: export.Filter{Below: true}}
				_, brows := exportFile(t, svc, below, t.TempDir())
				for _, f := range feats {
					if f.Properties["reached"] == true || f.Properties["reached"] == float64(1) {
						t.Fatalf("gaps holds reached village %v", f.Properties["code"])
					}
				}
				if int64(len(feats)) != brows || brows == 0 || brows == int64(villages) {
					t.Fatalf("gaps holds %d villages, village_coverage below=true %d of %d: want the same, some, not all", len(feats), brows, villages)
				}
			case "village_coverage":
				if len(feats) != villages {
					t.Fatalf("%d villages, want %d", len(feats), villages)
				}
				below := tc.req
				below.Filter.Below = true
				bpath, brows := exportFile(t, svc, below, t.TempDir())
				var reached int64
				for _, f := range feats {
					if f.Properties["reached"] == true || f.Properties["reached"] == float64(1) {
						reached++
					}
				}
				if brows+reached != int64(villages) || len(readBack(t, bpath)) != int(brows) {
					t.Errorf("below=true gives %d villages and %d are reached, want them to add up to %d", brows, reached, villages)
				}
			case "h3_cells":
				for _, f := range feats {
					if f.Properties["resolution"] != float64(7) || len(f.Properties["cell"].(string)) != 15 {
						t.Fatalf("cell %v: want resolution 7 and a 15-digit hex id", f.Properties)
					}
				}
			}
		})
	}
}
