package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"
)

// The gap report carries special_waiting_households (each special-group
// household once) beside special_waiting (the sum over groups) in JSON and
// CSV, with a Chinese header, and the village panel answers it too; where a
// household is in two groups the sum exceeds it.
func TestSpecialWaitingHouseholdsFields(t *testing.T) {
	srv := reportServer(t)
	res, body := do(t, srv, "GET", "/api/v1/reports/gaps?all=true", "")
	if res.StatusCode != 200 {
		t.Fatalf("gaps: %d %.300s", res.StatusCode, body)
	}
	var report struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(body, &report); err != nil || len(report.Rows) == 0 {
		t.Fatalf("gaps: %v, %d rows", err, len(report.Rows))
	}
	larger := 0
	for _, r := range report.Rows {
		sum, ok1 := r["special_waiting"].(float64)
		distinct, ok2 := r["special_waiting_households"].(float64)
		if !ok1 || !ok2 {
			t.Fatalf("village %v: special_waiting %v, special_waiting_households %v; want two numbers (system scope)",
				r["village_code"], r["special_waiting"], r["special_waiting_households"])
		}
		if distinct > sum {
			t.Errorf("village %v: special_waiting_households %v above the sum over groups %v", r["village_code"], distinct, sum)
		}
		if sum > distinct {
			larger++
		}
	}
	if larger == 0 {
		t.Error("no village whose sum over groups exceeds its distinct households; the two fields look the same")
	}

	for _, tc := range []struct{ query, header string }{
		{"format=csv", "special_waiting_households"},
		{"format=csv&lang=zh", "待走访特殊群体户（每户计一次）"},
	} {
		res, body := do(t, srv, "GET", "/api/v1/reports/gaps?all=true&"+tc.query, "")
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
		if res.StatusCode != 200 || err != nil || len(recs) < 2 {
			t.Fatalf("gaps?%s: %d, %v, %d records", tc.query, res.StatusCode, err, len(recs))
		}
		if !slices.Contains(recs[0], tc.header) {
			t.Errorf("gaps?%s header %q: want a column %q", tc.query, recs[0], tc.header)
		}
	}

	code := report.Rows[0]["village_code"].(string)
	res, body = do(t, srv, "GET", "/api/v1/villages/"+code, "")
	var panel map[string]any
	if res.StatusCode != 200 || json.Unmarshal(body, &panel) != nil {
		t.Fatalf("village %s: %d %.300s", code, res.StatusCode, body)
	}
	if got, want := panel["special_waiting_households"], report.Rows[0]["special_waiting_households"]; got != want {
		t.Errorf("village panel %s: special_waiting_households %v, want the gap report's %v", code, got, want)
	}
}
