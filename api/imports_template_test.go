package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/ingest"
)

// TestImportTemplate downloads each layer's template as the roles that may
// import and as one that may not: the importers get the CLI's template (a
// BOM, a header whose every column is explained in a # line) as an
// attachment, everyone else a 403, and an unknown layer is a 400.
func TestImportTemplate(t *testing.T) {
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1}}
	// Without household points: the households and visits templates hold
	// no household, so they are still this user's to download.
	gis := lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	serverAs := func(scope lianxin.Scope) *api.Server {
		// No import service: the templates come from the layer definitions alone.
		return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), DefaultScope: &scope})
	}
	get := func(srv *api.Server, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}

	for _, scope := range []lianxin.Scope{leader, gis} {
		srv := serverAs(scope)
		for _, layer := range ingest.LayerNames() {
			t.Run(string(scope.Roles[0])+"/"+layer, func(t *testing.T) {
				path := "/api/v1/imports/template?layer=" + layer
				rec := get(srv, path)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s as %s = %d %s, want 200", path, scope.User, rec.Code, rec.Body)
				}
				if got := rec.Header().Get("Content-Type"); got != "text/csv; charset=utf-8" {
					t.Errorf("GET %s: Content-Type %q, want text/csv; charset=utf-8", path, got)
				}
				wantDisp := `attachment; filename="lianxin-` + layer + `-template.csv"`
				if got := rec.Header().Get("Content-Disposition"); got != wantDisp {
					t.Errorf("GET %s: Content-Disposition %q, want %q", path, got, wantDisp)
				}
				var want bytes.Buffer
				if err := ingest.WriteTemplate(&want, layer, ingest.LangEN); err != nil {
					t.Fatal(err)
				}
				body := rec.Body.String()
				if body != want.String() {
					t.Fatalf("GET %s body:\n%s\nwant what lianxin ingest --template %s writes:\n%s", path, body, layer, want.String())
				}
				if !strings.HasPrefix(body, "\ufeff") {
					t.Errorf("GET %s: body starts %q, want a UTF-8 BOM", path, body[:min(8, len(body))])
				}
				header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).Read()
				if err != nil {
					t.Fatalf("GET %s: header: %v", path, err)
				}
				for _, col := range header {
					// lon and lat share one line.
					if !strings.Contains(body, "\n# "+col) && !strings.Contains(body, ", "+col) {
						t.Errorf("GET %s: column %s has no # line explaining it", path, col)
					}
				}
			})
		}
	}

	cases := []struct {
		name  string
		scope lianxin.Scope
		path  string
		want  int
	}{
		{"planner may not import", planner, "/api/v1/imports/template?layer=visits", http.StatusForbidden},
		{"unknown layer", leader, "/api/v1/imports/template?layer=rivers", http.StatusBadRequest},
		{"no layer", leader, "/api/v1/imports/template", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(serverAs(tc.scope), tc.path)
			if rec.Code != tc.want {
				t.Fatalf("GET %s as %s = %d %s, want %d", tc.path, tc.scope.User, rec.Code, rec.Body, tc.want)
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != "" {
				t.Errorf("GET %s as %s: Content-Disposition %q on an error, want none", tc.path, tc.scope.User, cd)
			}
		})
	}
}
