package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// The gaps layer, which the GIS tab offers as 缺口报告, holds exactly the
// gap report's villages, in every format and in OGC API – Features.
func TestGapsExportIsTheGapReport(t *testing.T) {
	st, _, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, Reports: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	var report struct {
		Rows []struct {
			VillageCode string `json:"village_code"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/reports/gaps", http.StatusOK), &report); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range report.Rows {
		want = append(want, r.VillageCode)
	}
	slices.Sort(want)
	var villages struct{ Features []any }
	if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/export/villages", http.StatusOK), &villages); err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || len(want) >= len(villages.Features) {
		t.Fatalf("gap report holds %d of %d villages: want some, not all (the test needs both kinds)", len(want), len(villages.Features))
	}
	for _, path := range []string{"/api/v1/export/gaps", "/api/v1/export/gaps?below=true", "/ogc/collections/gaps/items?limit=5000"} {
		var fc struct {
			Features []struct {
				Properties struct {
					Code    string
					Reached *bool
				}
			}
		}
		if err := json.Unmarshal(getBody(t, ts.URL+path, http.StatusOK), &fc); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fc.Features {
			got = append(got, f.Properties.Code)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s: %d villages, the gap report %d: want the same villages", path, len(got), len(want))
		}
	}
	// The CSV and the shapefile hold the same count.
	csv := string(getBody(t, ts.URL+"/api/v1/export/gaps?format=csv", http.StatusOK))
	if got := strings.Count(csv, "\r\n") - 1; got != len(want) {
		t.Errorf("gaps CSV: %d rows, want the gap report's %d", got, len(want))
	}
}

// The H3 layer's errors name its parameter, resolution, not the engine's res.
func TestH3ResolutionErrorNamesTheParameter(t *testing.T) {
	st, _, _ := demotest.New(t)
	scope := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for _, path := range []string{
		"/ogc/collections/h3_cells/items?resolution=10",
		"/api/v1/export/h3_cells?resolution=10",
		"/api/v1/export/h3_cells?resolution=10&format=gpkg",
	} {
		body := string(getBody(t, ts.URL+path, http.StatusForbidden))
		if !strings.Contains(body, `"resolution: 10`) || strings.Contains(body, "res:") {
			t.Errorf("GET %s as a planner = %s, want an error naming resolution", path, body)
		}
	}
	getBody(t, ts.URL+"/ogc/collections/h3_cells/items?resolution=8&limit=1", http.StatusOK)
}
