package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lianxin/export"
	"lianxin/store/storetest"
)

// Each stored layer's catalogue geometry is its column's declared type, so
// the one mixed layer is the one whose column takes any geometry: projects
// (points and polygons).
func TestCatalogueGeometryIsTheColumnType(t *testing.T) {
	_, url, _ := exportServer(t)
	for _, tc := range []struct{ layer, table, column string }{
		{"towns", "towns", "boundary"},
		{"villages", "villages", "boundary"},
		{"teams", "teams", "base"},
		{"households", "households", "location"},
		{"contact_points", "contact_points", "location"},
		{"visits", "visits", "location"},
		{"projects", "projects", "geom"},
		{"river_works", "river_works", "geom"},
	} {
		t.Run(tc.layer, func(t *testing.T) {
			l, err := export.LookupLayer(tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			var declared string
			sql := `SELECT type FROM geometry_columns WHERE f_table_schema = 'public' AND f_table_name = '` + tc.table +
				`' AND f_geometry_column = '` + tc.column + `'`
			storetest.QueryRow(t, url, sql, &declared)
			if string(l.Geometry) != declared {
				t.Errorf("layer %s: catalogue geometry %s, column %s.%s is %s: want the same", tc.layer, l.Geometry, tc.table, tc.column, declared)
			}
		})
	}
}

// A mixed layer's pages take its geometry kinds in turn, so the first page
// a client samples to type the layer (GDAL: PAGE_SIZE features, QGIS: 10)
// holds both; it is paged by offset, every feature once. GDAL then reports
// Unknown (any) and copies points and polygons alike into a GeoPackage.
func TestOGCMixedGeometryLayer(t *testing.T) {
	ts, url, _ := exportServer(t)
	points := count(t, url, `SELECT count(*) FROM projects WHERE GeometryType(geom) = 'POINT'`)
	polygons := count(t, url, `SELECT count(*) FROM projects WHERE GeometryType(geom) = 'POLYGON'`)
	total := count(t, url, `SELECT count(*) FROM projects`)
	if points < 2 || polygons < 2 || points+polygons != total {
		t.Fatalf("demo projects: %d points, %d polygons of %d, want at least 2 of each and nothing else", points, polygons, total)
	}

	type page struct {
		Features []struct {
			ID       int64 `json:"id"`
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
		} `json:"features"`
		Links []struct{ Rel, Href string } `json:"links"`
	}
	get := func(path string) page {
		t.Helper()
		var p page
		if body := getBody(t, ts.URL+path, 200); json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: not an items page\n%.300s", path, body)
		}
		return p
	}
	for _, tc := range []struct {
		name, path string
		want       []string // geometry types of the first features, in order
	}{
		{"GDAL's and QGIS's first page", "/ogc/collections/projects/items?limit=10", []string{"Point", "Polygon", "Point", "Polygon"}},
		{"a page of two", "/ogc/collections/projects/items?limit=2", []string{"Point", "Polygon"}},
		{"a later page", "/ogc/collections/projects/items?limit=2&offset=2", []string{"Point", "Polygon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range get(tc.path).Features {
				got = append(got, f.Geometry.Type)
			}
			if len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) {
				t.Errorf("GET %s: geometries %v, want them to start %v", tc.path, got, tc.want)
			}
		})
	}

	// Walking by next links: every project once, next links by offset.
	seen := map[int64]bool{}
	p := get("/ogc/collections/projects/items?limit=7")
	for pages := 0; ; pages++ {
		for _, f := range p.Features {
			if seen[f.ID] {
				t.Errorf("project %d came twice: pages overlap", f.ID)
			}
			seen[f.ID] = true
		}
		next := ""
		for _, l := range p.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
		if next == "" || pages > total {
			break
		}
		if !strings.Contains(next, "offset=") || strings.Contains(next, "after=") {
			t.Fatalf("next link %s: want an offset, not after", next)
		}
		p = get(strings.TrimPrefix(next, ts.URL))
	}
	if len(seen) != total {
		t.Errorf("walked %d distinct projects by next links, want %d", len(seen), total)
	}
	getBody(t, ts.URL+"/ogc/collections/projects/items?after=3", 400)

	// GDAL, at a page size below the demo's project count (8 at scale 0.2)
	// so that it types the layer from a page, as it does at its default of
	// 10 on a real county.
	out, err := exec.Command("ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=2", "OAPIF:"+ts.URL+"/ogc", "projects").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo OAPIF projects: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`Geometry: (.*)`).FindSubmatch(out); m == nil || string(m[1]) != "Unknown (any)" {
		t.Errorf("ogrinfo OAPIF projects: geometry %q, want Unknown (any)\n%s", m, out)
	}
	gpkg := filepath.Join(t.TempDir(), "projects.gpkg")
	cmd := exec.Command("ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+ts.URL+"/ogc", "projects", "-oo", "PAGE_SIZE=2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || bytes.Contains(stderr.Bytes(), []byte("geometry of type")) {
		t.Fatalf("ogr2ogr OAPIF projects to GPKG: %v\n%s", err, stderr.Bytes())
	}
	out, err = exec.Command("ogrinfo", "-ro", "-q", "-dialect", "sqlite", "-sql",
		"SELECT sum(ST_GeometryType(geom) = 'POINT') AS points, sum(ST_GeometryType(geom) = 'POLYGON') AS polygons FROM projects", gpkg).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo the GeoPackage: %v\n%s", err, out)
	}
	for name, want := range map[string]int{"points": points, "polygons": polygons} {
		m := regexp.MustCompile(name + ` \(Integer\) = (\d+)`).FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(want) {
			t.Errorf("GeoPackage from OAPIF projects: %s %q, want %d\n%s", name, m, want, out)
		}
	}
	out, _ = exec.Command("ogrinfo", "-ro", "-so", gpkg, "projects").CombinedOutput()
	if !bytes.Contains(out, []byte("Geometry: Unknown (any)")) {
		t.Errorf("GeoPackage layer projects: want geometry Unknown (any)\n%s", out)
	}
}

// Beside the mixed layer, a collection per geometry kind: QGIS 3.22 types
// an OAPIF layer by its first feature and draws no other kind, so
// projects_points and projects_polygons are how it shows every project.
// They page in id order, hold only their kind, and no other layer has them.
func TestOGCGeometryKindCollections(t *testing.T) {
	ts, url, _ := exportServer(t)
	var cols struct {
		Collections []struct{ ID string } `json:"collections"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/ogc/collections", 200), &cols); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cols.Collections {
		ids = append(ids, c.ID)
	}
	var want []string
	for _, l := range export.Layers() {
		want = append(want, l.Name)
		if l.Name == "projects" {
			want = append(want, "projects_points", "projects_polygons")
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("/ogc/collections lists %v, want %v", ids, want)
	}
	for _, tc := range []struct {
		collection, geometry, sql, ogr string
	}{
		{"projects_points", "Point", `SELECT count(*) FROM projects WHERE GeometryType(geom) = 'POINT'`, "Point"},
		{"projects_polygons", "Polygon", `SELECT count(*) FROM projects WHERE GeometryType(geom) = 'POLYGON'`, "Polygon"},
	} {
		t.Run(tc.collection, func(t *testing.T) {
			want := count(t, url, tc.sql)
			var p struct {
				NumberMatched int `json:"numberMatched"`
				Features      []struct {
					ID       int64                 `json:"id"`
					Geometry struct{ Type string } `json:"geometry"`
				} `json:"features"`
				Links []struct{ Rel, Href string } `json:"links"`
			}
			if err := json.Unmarshal(getBody(t, ts.URL+"/ogc/collections/"+tc.collection+"/items?limit=2", 200), &p); err != nil {
				t.Fatal(err)
			}
			if p.NumberMatched != want || want == 0 {
				t.Errorf("%s numberMatched %d, want %d, not 0", tc.collection, p.NumberMatched, want)
			}
			for _, f := range p.Features {
				if f.Geometry.Type != tc.geometry {
					t.Errorf("%s feature %d is a %s, want a %s", tc.collection, f.ID, f.Geometry.Type, tc.geometry)
				}
			}
			for _, l := range p.Links {
				if l.Rel == "next" && !strings.Contains(l.Href, "after=") {
					t.Errorf("%s next link %s: want after= (id order)", tc.collection, l.Href)
				}
			}
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-oo", "PAGE_SIZE=2", "OAPIF:"+ts.URL+"/ogc", tc.collection).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo OAPIF %s: %v\n%s", tc.collection, err, out)
			}
			if !bytes.Contains(out, []byte("Geometry: "+tc.ogr+"\n")) || !bytes.Contains(out, []byte("Feature Count: "+strconv.Itoa(want)+"\n")) {
				t.Errorf("ogrinfo OAPIF %s: want geometry %s and %d features\n%s", tc.collection, tc.ogr, want, out)
			}
		})
	}
	var pointID, polygonID int64
	storetest.QueryRow(t, url, `SELECT (SELECT min(id) FROM projects WHERE GeometryType(geom) = 'POINT'),
		(SELECT min(id) FROM projects WHERE GeometryType(geom) = 'POLYGON')`, &pointID, &polygonID)
	for _, tc := range []struct {
		path       string
		wantStatus int
	}{
		{fmt.Sprintf("/ogc/collections/projects_points/items/%d", pointID), 200},
		{fmt.Sprintf("/ogc/collections/projects_points/items/%d", polygonID), 404},
		{fmt.Sprintf("/ogc/collections/projects_polygons/items/%d", polygonID), 200},
		{fmt.Sprintf("/ogc/collections/projects_polygons/items/%d", pointID), 404},
		{fmt.Sprintf("/ogc/collections/projects/items/%d", polygonID), 200},
		{"/ogc/collections/projects_polygons", 200},
		{"/ogc/collections/villages_polygons", 404},
		{"/ogc/collections/contact_points_points/items", 404},
	} {
		getBody(t, ts.URL+tc.path, tc.wantStatus)
	}
}
