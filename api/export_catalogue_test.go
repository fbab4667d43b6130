package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
)

// GET /api/v1/export lists every layer with its geometry, the formats it is
// offered in and whether the caller may export it: the web map offers its
// links from this (no FlatGeobuf or KML for members, which has no
// geometry), and each format offered downloads.
func TestExportCatalogue(t *testing.T) {
	st, _, _ := demotest.New(t)
	ts := downloadServer(t, st, lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	var cat struct {
		Layers []struct {
			Name, Geometry string
			Formats        []string
			Allowed        bool
		} `json:"layers"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/export", 200), &cat); err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, l := range cat.Layers {
		byName[l.Name] = i
	}
	for _, tc := range []struct {
		layer, geometry string
		formats         []string
		allowed         bool
	}{
		{"members", "NONE", []string{"geojson", "csv", "gpkg", "shp"}, true},
		{"villages", "MULTIPOLYGON", []string{"geojson", "csv", "gpkg", "shp", "kml", "fgb"}, true},
		{"households", "POINT", []string{"geojson", "csv", "gpkg", "shp", "kml", "fgb"}, false},
	} {
		t.Run(tc.layer, func(t *testing.T) {
			i, ok := byName[tc.layer]
			if !ok {
				t.Fatalf("catalogue %+v: no layer %s", cat.Layers, tc.layer)
			}
			l := cat.Layers[i]
			if l.Geometry != tc.geometry || !slices.Equal(l.Formats, tc.formats) || l.Allowed != tc.allowed {
				t.Errorf("catalogue %s = %+v, want geometry %s, formats %v, allowed %v", tc.layer, l, tc.geometry, tc.formats, tc.allowed)
			}
			if !l.Allowed {
				return
			}
			for _, f := range l.Formats { // each format offered is one the export takes
				getBody(t, ts.URL+"/api/v1/export/"+tc.layer+"?check=true&format="+f, 200)
			}
		})
	}
}
