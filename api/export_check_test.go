package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
)

// ?check=true on the download routes answers what the download would do
// without sending a file or logging an export: the server's refusal (the
// same status and message as the download), or the file's name and, for a
// layer, its rows. The web map asks it before it lets the browser download.
func TestExportCheck(t *testing.T) {
	st, url, _ := demotest.New(t)
	mine, other := twoTowns(t, st)
	scope := lianxin.Scope{User: "leader-one-town", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{mine.ID}, HouseholdPoints: true}
	ts := downloadServer(t, st, scope)
	wantVillages := count(t, url, "SELECT count(*) FROM villages WHERE town_id = "+itoa(int64(mine.ID)))
	exportsBefore := count(t, url, "SELECT count(*) FROM exports")

	for _, tc := range []struct {
		name, query string
		want        int
		file        string // the name the download would have
		rows        int    // -1: not said, -2: some, -3: said
		message     string // part of a refusal's message
	}{
		{"own town's villages", "villages?format=csv&check=true&town=" + mine.Code, http.StatusOK, "villages_" + mine.Code + "_" + mine.Name + ".csv", wantVillages, ""},
		{"own town's households as GeoPackage in GCJ-02", "households?format=gpkg&crs=gcj02&check=true&town=" + mine.Code, http.StatusOK, "households_" + mine.Code + "_" + mine.Name + "_gcj02.gpkg", -2, ""},
		{"another town's visits", "visits?format=gpkg&check=true&town=" + other.Code, http.StatusForbidden, "", 0, "outside your towns"},
		{"no such town", "villages?format=csv&check=true&town=nowhere", http.StatusBadRequest, "", 0, "nowhere"},
		{"a shapefile of points and polygons", "projects?format=shp&check=true", http.StatusBadRequest, "", 0, "points and polygons"},
		{"projects' points as a shapefile", "projects?format=shp&geometry=point&check=true", http.StatusOK, "projects_points.zip", -3, ""},
		{"unknown filter", "villages?format=csv&check=true&colour=red", http.StatusBadRequest, "", 0, "colour"},
		{"check not a boolean", "villages?format=csv&check=maybe", http.StatusBadRequest, "", 0, "check"},
		{"own town's package", "pmtiles?check=true&town=" + mine.Code, http.StatusOK, mine.Code + "_" + mine.Name + ".pmtiles", -1, ""},
		{"another town's package", "pmtiles?check=true&town=" + other.Code, http.StatusForbidden, "", 0, "outside your towns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("GET %s = %d %.300s, want %d", tc.query, res.StatusCode, body, tc.want)
			}
			if cd := res.Header.Get("Content-Disposition"); cd != "" {
				t.Errorf("GET %s: Content-Disposition %q, want none (a check is no file)", tc.query, cd)
			}
			if tc.want != http.StatusOK {
				if !strings.Contains(string(body), tc.message) {
					t.Errorf("GET %s: %s, want a message naming %q", tc.query, body, tc.message)
				}
				return
			}
			var got struct {
				Filename string `json:"filename"`
				Rows     *int   `json:"rows"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("GET %s: %s: %v", tc.query, body, err)
			}
			if got.Filename != tc.file {
				t.Errorf("GET %s: filename %q, want %q", tc.query, got.Filename, tc.file)
			}
			switch {
			case tc.rows == -1 && got.Rows != nil:
				t.Errorf("GET %s: rows %d, want none said", tc.query, *got.Rows)
			case tc.rows == -3 && got.Rows == nil:
				t.Errorf("GET %s: no rows said, want a count", tc.query)
			case tc.rows == -2 && (got.Rows == nil || *got.Rows <= 0):
				t.Errorf("GET %s: rows %v, want some", tc.query, got.Rows)
			case tc.rows >= 0 && (got.Rows == nil || *got.Rows != tc.rows):
				t.Errorf("GET %s: rows %v, want %d", tc.query, got.Rows, tc.rows)
			}
		})
	}
	if n := count(t, url, "SELECT count(*) FROM exports"); n != exportsBefore {
		t.Errorf("export log: %d rows after the checks, want %d as before (a check downloads nothing)", n, exportsBefore)
	}
}
