package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
)

// csvASCIIAllowed are the Latin-letter tokens a Chinese report header may
// keep: units and abbreviations a Chinese reader writes in Latin letters
// too. Every other word of a lang=zh header is Chinese.
var csvASCIIAllowed = map[string]bool{"H3": true}

// The summary CSV with lang=zh is headed in Chinese throughout: no column
// keeps its English JSON name (villages_suppressed, household_visit_entries,
// five_coverages.towns), nor a half-translated nested one
// (five_coverages.未走访的信访户), for a planner (published figures, with
// the rules' counts) as for a role with household access.
func TestSummaryCSVZhHeaders(t *testing.T) {
	s, _, _ := demotest.New(t)
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	system := lianxin.SystemScope()
	latin := regexp.MustCompile(`[A-Za-z][A-Za-z0-9]*`)
	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
		path  string
	}{
		{"planner, county", planner, "/api/v1/reports/summary?format=csv&lang=zh"},
		{"planner, a town", planner, "/api/v1/reports/summary?format=csv&lang=zh&town=321299101"},
		{"household access, county", system, "/api/v1/reports/summary?format=csv&lang=zh"},
		{"planner, gaps", planner, "/api/v1/reports/gaps?format=csv&lang=zh&all=true"},
		{"planner, forecast", planner, "/api/v1/reports/forecast?format=csv&lang=zh"},
		{"planner, members", planner, "/api/v1/reports/members?format=csv&lang=zh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scope := tc.scope
			h := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, DefaultScope: &scope})
			res, body := do(t, h, http.MethodGet, tc.path, "")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d %.300s, want 200", tc.path, res.StatusCode, body)
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
			if err != nil || len(recs) < 2 {
				t.Fatalf("GET %s: %d records, %v", tc.path, len(recs), err)
			}
			var english []string
			for _, col := range recs[0] {
				for _, w := range latin.FindAllString(col, -1) {
					if !csvASCIIAllowed[w] {
						english = append(english, col)
						break
					}
				}
			}
			if len(english) > 0 {
				t.Errorf("GET %s: %d of %d headers keep Latin words: %q; want every header in Chinese (Latin only for %v)",
					tc.path, len(english), len(recs[0]), english, csvASCIIAllowed)
			}
		})
	}
}
