package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"testing"

	"lianxin/export"
)

// The layer parameters the exports take work on the OGC items too: the H3
// layer's resolution chooses the cells (not a property filter that matches
// none), below keeps the villages under one-third, and a 3-D bbox filters
// by its horizontal corners.
func TestOGCItemsLayerParameters(t *testing.T) {
	ts, _, _ := exportServer(t)
	type page struct {
		NumberMatched int `json:"numberMatched"`
		Features      []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
		Links []struct{ Rel, Href string } `json:"links"`
	}
	get := func(path string, wantStatus int) page {
		t.Helper()
		body := getBody(t, ts.URL+path, wantStatus)
		var p page
		if wantStatus == http.StatusOK {
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("GET %s: %v\n%.300s", path, err, body)
			}
		}
		return p
	}

	for _, tc := range []struct {
		name       string
		path, same string // two asks that must match the same features
		check      func(t *testing.T, p page)
	}{
		{"h3 resolution 7", "/ogc/collections/h3_cells/items?resolution=7&limit=3", "",
			func(t *testing.T, p page) {
				if p.NumberMatched == 0 || len(p.Features) != 3 {
					t.Fatalf("resolution=7 matched %d and returned %d cells, want some and 3", p.NumberMatched, len(p.Features))
				}
				for _, f := range p.Features {
					if f.Properties["resolution"] != float64(7) || len(f.Properties["cell"].(string)) != 15 {
						t.Errorf("resolution=7 gave cell %v %v, want resolution 7", f.Properties["cell"], f.Properties["resolution"])
					}
				}
				for _, l := range p.Links {
					if l.Rel == "next" {
						u, err := url.Parse(l.Href)
						if err != nil || u.Query().Get("resolution") != "7" {
							t.Errorf("next link %s: want it to keep resolution=7", l.Href)
						}
					}
				}
			}},
		{"h3 fewer cells at resolution 6 than at 8", "/ogc/collections/h3_cells/items?resolution=6&limit=1", "",
			func(t *testing.T, p page) {
				r8 := get("/ogc/collections/h3_cells/items?limit=1", http.StatusOK)
				if p.NumberMatched == 0 || p.NumberMatched >= r8.NumberMatched {
					t.Errorf("resolution=6 matched %d cells, default (8) %d: want fewer, not none", p.NumberMatched, r8.NumberMatched)
				}
			}},
		{"below one-third", "/ogc/collections/village_coverage/items?below=true&limit=1", "/ogc/collections/village_coverage/items?reached=false&limit=1", nil},
		{"gaps below one-third", "/ogc/collections/gaps/items?below=true&limit=1", "/ogc/collections/gaps/items?reached=false&limit=1", nil},
		{"3-D bbox", "/ogc/collections/villages/items?bbox=120.2,32.1,0,120.3,32.2,100&limit=1", "/ogc/collections/villages/items?bbox=120.2,32.1,120.3,32.2&limit=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := get(tc.path, http.StatusOK)
			if tc.check != nil {
				tc.check(t, p)
			}
			if tc.same != "" {
				q := get(tc.same, http.StatusOK)
				if p.NumberMatched != q.NumberMatched || p.NumberMatched == 0 {
					t.Errorf("%s matched %d, %s matched %d: want the same, not 0", tc.path, p.NumberMatched, tc.same, q.NumberMatched)
				}
			}
		})
	}

	// The layer parameters stay the layer's: elsewhere they are unknown.
	for _, path := range []string{
		"/ogc/collections/villages/items?resolution=7",
		"/ogc/collections/villages/items?below=true",
		"/ogc/collections/h3_cells/items?resolution=12",
		"/ogc/collections/villages/items?bbox=120.2,32.1,120.3",
	} {
		get(path, http.StatusBadRequest)
	}
}

// GDAL's OAPIF driver loads every collection whole, following next links,
// with the feature count the CSV export of the same layer has.
func TestOGCEveryCollectionLoadsInGDAL(t *testing.T) {
	ts, _, _ := exportServer(t)
	for _, l := range export.Layers() {
		t.Run(l.Name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/" + l.Name + "?format=csv")
			if err != nil {
				t.Fatal(err)
			}
			csv, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("CSV export of %s = %d %.200s", l.Name, res.StatusCode, csv)
			}
			want := bytes.Count(csv, []byte("\r\n")) - 1 // the header; WKT never holds a line break
			cmd := exec.Command("ogr2ogr", "-f", "GeoJSONSeq", "/vsistdout/", "OAPIF:"+ts.URL+"/ogc", l.Name, "-oo", "PAGE_SIZE=5000")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("ogr2ogr from OAPIF %s: %v\n%s", l.Name, err, stderr.Bytes())
			}
			if got := bytes.Count(out, []byte("\n")); got != want || want == 0 {
				t.Errorf("GDAL loaded %d features of %s through OAPIF, the CSV export has %d (want the same, not 0)\n%s", got, l.Name, want, stderr.Bytes())
			}
		})
	}
}
