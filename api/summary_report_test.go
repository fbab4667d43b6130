package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
)

// The summary's CSV reads as a report: four columns (section, item, value,
// code; 类别, 项目, 数量, 代码 with lang=zh), one line per figure, the
// works among them with the JSON's figures, and each list one line per
// thing with its name and where it is, its code kept as text for Excel.
func TestSummaryCSVReport(t *testing.T) {
	s, _, county := demotest.New(t)
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	system := lianxin.SystemScope()
	for _, tc := range []struct {
		name   string
		scope  lianxin.Scope
		query  string
		zh     bool
		header []string
		roadKm string // the item of the roads' km
	}{
		{"household access, zh", system, "lang=zh", true, []string{"类别", "项目", "数量", "代码"}, "建成道路里程（公里）"},
		{"household access, en", system, "", false, []string{"section", "item", "value", "code"}, "roads built (km)"},
		{"planner, zh", planner, "lang=zh", true, []string{"类别", "项目", "数量", "代码"}, "建成道路里程（公里）"},
		{"planner, a town, en", planner, "town=" + county.Towns[1].Code, false, []string{"section", "item", "value", "code"}, "roads built (km)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scope := tc.scope
			h := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, DefaultScope: &scope})
			town := ""
			if strings.HasPrefix(tc.query, "town=") {
				town = "?" + tc.query
			}
			res, body := do(t, h, http.MethodGet, "/api/v1/reports/summary"+town, "")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET summary = %d %.300s", res.StatusCode, body)
			}
			var sum struct {
				Works *struct {
					Roads struct {
						CompletedMetres int64 `json:"completed_metres"`
					} `json:"roads"`
				} `json:"works"`
				Five struct {
					Villages []string `json:"villages_without_visit"`
				} `json:"five_coverages"`
				Names struct {
					Villages map[string]struct{ Name, In string } `json:"villages"`
				} `json:"names"`
			}
			if err := json.Unmarshal(body, &sum); err != nil || sum.Works == nil {
				t.Fatalf("summary JSON: %v, works %v", err, sum.Works)
			}
			path := "/api/v1/reports/summary?format=csv&" + tc.query
			res, body = do(t, h, http.MethodGet, path, "")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d %.300s", path, res.StatusCode, body)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
			if err != nil || len(recs) < 40 {
				t.Fatalf("GET %s: %d lines (%v), want a report of many lines", path, len(recs), err)
			}
			if fmt.Sprint(recs[0]) != fmt.Sprint(tc.header) {
				t.Errorf("GET %s: header %q, want %q", path, recs[0], tc.header)
			}
			byItem := map[string][]string{}
			byCode := map[string][]string{}
			for _, r := range recs[1:] {
				if len(r) != 4 {
					t.Fatalf("GET %s: line %q has %d cells, want 4", path, r, len(r))
				}
				byItem[r[1]] = r
				if r[3] != "" {
					byCode[strings.Trim(r[3], `="`)] = r
				}
			}
			want := strconv.FormatFloat(float64(sum.Works.Roads.CompletedMetres)/1000, 'f', 1, 64)
			if got := byItem[tc.roadKm]; got == nil || got[2] != want {
				t.Errorf("GET %s: %q line %q, want value %s (the JSON's completed_metres in km)", path, tc.roadKm, got, want)
			}
			if len(sum.Five.Villages) == 0 && town == "" {
				t.Fatal("set-up: no village in the county without a visit; the lists are not tested")
			}
			for _, code := range sum.Five.Villages {
				line := byCode[code]
				n := sum.Names.Villages[code]
				if line == nil || !strings.Contains(line[1], n.Name) || !strings.Contains(line[1], n.In) || n.Name == "" {
					t.Errorf("GET %s: village %s line %q, want its name %q and town %q", path, code, line, n.Name, n.In)
				} else if line[3] != `="`+code+`"` {
					t.Errorf("GET %s: village code cell %q, want =\"%s\" for Excel", path, line[3], code)
				}
			}
		})
	}
}

// GET /api/v1/reports/towns: one row per town with its name and team, as
// JSON and as a Chinese CSV; a town filter gives its row alone.
func TestTownsReportEndpoint(t *testing.T) {
	s, _, county := demotest.New(t)
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	h := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, DefaultScope: &planner})
	for _, tc := range []struct {
		name string
		path string
		rows int
	}{
		{"county", "/api/v1/reports/towns", len(county.Towns)},
		{"one town", "/api/v1/reports/towns?town=" + county.Towns[3].Code, 1},
		{"one team's town", "/api/v1/reports/towns?team=" + county.Teams[0].Code, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, h, http.MethodGet, tc.path, "")
			var got struct {
				Rows []struct {
					TownName string `json:"town_name"`
					TeamName string `json:"team_name"`
				} `json:"rows"`
			}
			if res.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Rows) != tc.rows {
				t.Fatalf("GET %s = %d, %d rows (%.200s); want 200 and %d rows", tc.path, res.StatusCode, len(got.Rows), body, tc.rows)
			}
			for _, r := range got.Rows {
				if r.TownName == "" || r.TeamName == "" {
					t.Errorf("GET %s: row %+v without a town or team name", tc.path, r)
				}
			}
		})
	}
	res, body := do(t, h, http.MethodGet, "/api/v1/reports/towns?format=csv&lang=zh", "")
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if res.StatusCode != http.StatusOK || err != nil || len(recs) != len(county.Towns)+1 {
		t.Fatalf("towns CSV = %d, %d records (%v); want a header and %d rows", res.StatusCode, len(recs), err, len(county.Towns))
	}
	for _, col := range recs[0] {
		if strings.ContainsAny(col, "abcdefghijklmnopqrstuvwxyz") {
			t.Errorf("towns CSV header %q: want Chinese", col)
		}
	}
	if res, _ := do(t, h, http.MethodGet, "/api/v1/reports/towns?town=nowhere", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("towns?town=nowhere = %d, want 404", res.StatusCode)
	}
}
