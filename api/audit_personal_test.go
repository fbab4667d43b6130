package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/diary"
	"lianxin/export"
)

// Every answer that carries personal fields writes exactly one view_personal
// event naming who, which report, the filters, the fields, the format and the
// rows; an answer without personal fields writes none (review 3, fault 2).
func TestPersonalFieldsAreAudited(t *testing.T) {
	ctx := context.Background()
	s, _, county := demotest.New(t)
	svc, err := auth.New(s, auth.Options{Params: cheap, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	town := county.Towns[0]
	for _, nu := range []auth.NewUser{
		{Username: "leader", Password: "leader-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleTeamLeader, Town: town.Code}}},
		{Username: "gis-points", Password: "gis-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleGIS}, {Role: auth.GrantHouseholdPoints}}},
	} {
		if _, err := svc.AddUser(ctx, nu, "test"); err != nil {
			t.Fatalf("add %s: %v", nu.Username, err)
		}
	}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, Auth: svc,
		Export: export.New(s, export.Options{Logger: quietLogger()}), Diary: diary.NewService(s, orb.Bound{})})
	f := authFixture{srv: srv, svc: svc, ctx: ctx}
	leader, _ := f.login(t, "leader", "leader-password-1")
	gis, _ := f.login(t, "gis-points", "gis-password-1")

	const path = "/api/v1/reports/special-households"
	cases := []struct {
		name    string
		cookie  *http.Cookie
		query   string
		want    int // events
		format  string
		filters map[string]any
		actor   string
	}{
		{"leader json", leader, "?town=" + town.Code, 1, "json", map[string]any{"town": town.Code}, "leader"},
		{"leader csv", leader, "?town=" + town.Code + "&format=csv&lang=zh", 1, "csv", map[string]any{"town": town.Code}, "leader"},
		{"leader geojson one group", leader, "?group=left_behind_children&format=geojson", 1, "geojson",
			map[string]any{"group": "left_behind_children"}, "leader"},
		{"gis without personal_fields", gis, "?town=" + town.Code, 0, "", nil, ""},
		{"leader, a refused request", leader, "?town=" + town.Code + "&format=xml", 0, "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := svc.Audit(ctx, auth.AuditFilter{Action: auth.ActionViewPersonal, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", path+tc.query, nil)
			req.AddCookie(tc.cookie)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			body := rec.Body.String()
			if wantOK := !strings.Contains(tc.name, "refused"); (rec.Code == 200) != wantOK {
				t.Fatalf("GET %s%s = %d %.300s, want 200: %v", path, tc.query, rec.Code, body, wantOK)
			}
			after, err := svc.Audit(ctx, auth.AuditFilter{Action: auth.ActionViewPersonal, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(after) - len(before); got != tc.want {
				t.Fatalf("GET %s%s wrote %d view_personal events, want %d (answer %d %.200s)", path, tc.query, got, tc.want, rec.Code, body)
			}
			if tc.want == 0 {
				return
			}
			e := after[0]
			if e.Actor != tc.actor || e.Target != "special-households" || e.Rows == nil || *e.Rows <= 0 {
				t.Fatalf("event = %+v, want actor %s, target special-households, rows > 0", e, tc.actor)
			}
			if e.Detail["format"] != tc.format || e.Detail["report"] != "special-households" {
				t.Fatalf("event detail = %v, want format %s and report special-households", e.Detail, tc.format)
			}
			filters, _ := e.Detail["filters"].(map[string]any)
			for k, v := range tc.filters {
				if filters[k] != v {
					t.Fatalf("event filters = %v, want %s = %v", filters, k, v)
				}
			}
			if filters["from"] == nil || filters["to"] == nil {
				t.Fatalf("event filters = %v, want the window used (from, to)", filters)
			}
			if fields, _ := e.Detail["fields"].([]any); len(fields) != 1 || fields[0] != "head_name" {
				t.Fatalf("event fields = %v, want [head_name]", e.Detail["fields"])
			}
			// The rows counted are the rows that carried a name.
			if tc.format == "json" {
				if n := strings.Count(body, `"head_name":"`); int64(n) != *e.Rows {
					t.Fatalf("answer has %d names, event says %d rows", n, *e.Rows)
				}
			}
		})
	}

	// The other answers a leader with personal_fields gets about the same
	// households carry no personal field, and write no view_personal event:
	// if one ever did, it would have to call auditPersonal.
	var village, head string
	for _, v := range county.Villages {
		if v.TownID == town.ID {
			village = v.Code
			break
		}
	}
	for _, h := range county.Households {
		if h.TownID == town.ID && len(h.HeadName) >= 2 {
			head = h.HeadName
			break
		}
	}
	others := []string{
		"/api/v1/export/households?format=csv&town=" + town.Code,
		"/api/v1/export/households?format=geojson&town=" + town.Code,
		"/ogc/collections/households/items?limit=1000",
		"/api/v1/diary?limit=200",
		"/api/v1/villages/" + village,
		"/api/v1/reports/gaps?town=" + town.Code,
	}
	for _, path := range others {
		t.Run(path, func(t *testing.T) {
			before, _ := svc.Audit(ctx, auth.AuditFilter{Action: auth.ActionViewPersonal, Limit: 1000})
			req := httptest.NewRequest("GET", path, nil)
			req.AddCookie(leader)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("GET %s = %d %.300s, want 200", path, rec.Code, rec.Body)
			}
			for _, field := range []string{"head_name", "phone", "id_number", "户主"} {
				if strings.Contains(rec.Body.String(), field) {
					t.Fatalf("GET %s carries %s; it must call auditPersonal (and this test list it above)", path, field)
				}
			}
			if strings.Contains(rec.Body.String(), head) && strings.Contains(path, "households") {
				// A name may be a village's too; only the households rows are checked by value.
				t.Fatalf("GET %s carries the head's name %s", path, head)
			}
			after, _ := svc.Audit(ctx, auth.AuditFilter{Action: auth.ActionViewPersonal, Limit: 1000})
			if len(after) != len(before) {
				t.Fatalf("GET %s wrote %d view_personal events, want 0", path, len(after)-len(before))
			}
		})
	}
}
