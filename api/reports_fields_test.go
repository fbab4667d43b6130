package api_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// The gap report's fields for the one-third rule and the households needed,
// the summary as CSV, and the snapshot body: unknown fields refused, the
// author answered.
func TestReportFieldsAndBodies(t *testing.T) {
	srv := reportServer(t)
	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 []string
	}{
		{"gap rows say rural and the rule they fail", "GET", "/api/v1/reports/gaps", "", 200,
			[]string{`"rural":`, `"gap_reason":"below_one_third"`, `"households_needed_typical":`}},
		{"gap CSV has the new columns", "GET", "/api/v1/reports/gaps?format=csv", "", 200,
			[]string{"rural,", ",gap_reason,", ",households_needed_typical,"}},
		{"summary CSV", "GET", "/api/v1/reports/summary?format=csv", "", 200,
			[]string{"\xEF\xBB\xBFsection,item,value,code\r\n", "coverage,rural villages,", "five full coverages,villages and communities not visited,"}},
		{"summary refuses geojson", "GET", "/api/v1/reports/summary?format=geojson", "", 400, []string{`format:`}},
		{"from before the campaign is clamped", "GET", "/api/v1/reports/gaps?from=2025-01-01&to=2026-04-01", "", 200,
			[]string{`"from":"2026-03-01"`, `"to":"2026-04-01"`}},
		{"snapshot with an unknown field", "POST", "/api/v1/snapshots", `{"as_of":"2026-04-01","label":"week 5"}`, 400,
			[]string{`label: unknown field`}},
		{"snapshot with to", "POST", "/api/v1/snapshots", `{"to":"2026-04-01"}`, 400, []string{`to: unknown field`}},
		{"snapshot body not an object", "POST", "/api/v1/snapshots", `[1]`, 400, []string{`body: not a JSON object`}},
		{"snapshot answers its author", "POST", "/api/v1/snapshots", `{"as_of":"2026-04-01"}`, 201,
			[]string{`"created_by":"system"`}},
		{"snapshot without a body", "POST", "/api/v1/snapshots", ``, 201, []string{`"created_by":"system"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, srv, tc.method, tc.path, tc.body)
			ok := res.StatusCode == tc.status
			for _, c := range tc.contains {
				ok = ok && strings.Contains(string(body), c)
			}
			if !ok {
				t.Errorf("%s %s %s = %d %.400s, want %d containing %q", tc.method, tc.path, tc.body, res.StatusCode, body, tc.status, tc.contains)
			}
		})
	}
	// The summary CSV is a report: lines of four cells under its header.
	_, body := do(t, srv, "GET", "/api/v1/reports/summary?format=csv", "")
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil || len(recs) < 40 || len(recs[0]) != 4 {
		t.Errorf("summary CSV = %d records (%v); want a header of four cells and a line per figure", len(recs), err)
	}
}
