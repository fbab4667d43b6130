package api_test

import (
	"encoding/json"
	"slices"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
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
	// Every layer without geometry, in every format: what the catalogue
	// leaves out, the export refuses by a worded reason naming the format
	// (a download, not only a check, so no writer is reached), and the
	// formats of placed features only (KML, FlatGeobuf) are never offered.
	geometryOnly := map[string]string{"kml": export.ReasonKMLNoGeometry, "fgb": export.ReasonFgbNoGeometry}
	none := 0
	for _, l := range cat.Layers {
		if l.Geometry != "NONE" || !l.Allowed {
			continue
		}
		none++
		for _, f := range export.FormatNames {
			t.Run(l.Name+" as "+f, func(t *testing.T) {
				offered := slices.Contains(l.Formats, f)
				reason, placedOnly := geometryOnly[f]
				if offered == placedOnly {
					t.Fatalf("catalogue offers %s as %s: %v; want %v", l.Name, f, offered, !placedOnly)
				}
				if offered {
					getBody(t, ts.URL+"/api/v1/export/"+l.Name+"?check=true&format="+f, 200)
					return
				}
				var got refusalBody
				if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/export/"+l.Name+"?format="+f, 400), &got); err != nil {
					t.Fatal(err)
				}
				if d := got.Error.Details; d.Field != "format" || d.Reason != reason || d.Params["layer"] != l.Name {
					t.Errorf("export %s as %s refused with %+v, want field format, reason %s, layer %s", l.Name, f, d, reason, l.Name)
				}
			})
		}
	}
	if none == 0 {
		t.Fatal("the catalogue lists no layer without geometry: members was expected")
	}
}
