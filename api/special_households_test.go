package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
)

// GET /api/v1/reports/special-households: what a team leader takes into the
// field (five full coverages #4 and #5), in each format, and refused to a
// role without household access.
func TestSpecialHouseholdsEndpoint(t *testing.T) {
	s, _, county := demotest.New(t)
	server := func(scope lianxin.Scope) http.Handler {
		return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, DefaultScope: &scope})
	}
	town, other := county.Towns[0], county.Towns[1]
	system := server(lianxin.SystemScope())
	leader := server(lianxin.Scope{User: "leader-t", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town.ID},
		HouseholdPoints: true, PersonalFields: true})
	planner := server(lianxin.Scope{User: "planner-t", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	const path = "/api/v1/reports/special-households"

	cases := []struct {
		name     string
		h        http.Handler
		query    string
		status   int
		contains string
	}{
		{"leader json", leader, "?from=2026-06-01&to=2026-07-01", 200, `"household":"`},
		{"leader names", leader, "?town=" + town.Code, 200, `"head_name":"`},
		{"leader one group", leader, "?group=empty_nest", 200, `"groups":["empty_nest"`},
		{"leader another town", leader, "?town=" + other.Code, 403, `outside your towns`},
		{"planner", planner, "?town=" + town.Code, 403, `household points`},
		{"county-wide without town", system, "", 400, `town: required`},
		{"bad group", system, "?town=" + town.Code + "&group=rich", 400, `group:`},
		{"the reviewer's visited filter", system, "?town=" + town.Code + "&visited=false", 400, `visited: unknown parameter`},
		{"bad format", system, "?town=" + town.Code + "&format=xml", 400, `format:`},
		{"unknown town", system, "?town=NOPE", 404, `NOPE`},
		{"geojson", system, "?town=" + town.Code + "&format=geojson", 200, `"type":"Point"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, tc.h, "GET", path+tc.query, "")
			if res.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
				t.Fatalf("GET %s%s = %d %.300s; want %d containing %s", path, tc.query, res.StatusCode, body, tc.status, tc.contains)
			}
		})
	}

	t.Run("csv", func(t *testing.T) {
		res, body := do(t, leader, "GET", path+"?format=csv", "")
		if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("GET %s?format=csv = %d %.100q; want 200 starting with a UTF-8 BOM", path, res.StatusCode, body)
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("CSV: %d records, %v; want a header and rows", len(recs), err)
		}
		want := "town_code,village_code,village_name,household,groups,residents,last_visit,head_name,lon,lat"
		if got := strings.Join(recs[0], ","); got != want {
			t.Errorf("CSV header %q, want %q", got, want)
		}
		var js struct {
			Rows []json.RawMessage `json:"rows"`
		}
		_, jb := do(t, leader, "GET", path, "")
		if err := json.Unmarshal(jb, &js); err != nil || len(js.Rows) != len(recs)-1 {
			t.Errorf("JSON has %d rows (%v), CSV %d: want the same", len(js.Rows), err, len(recs)-1)
		}
	})
}
