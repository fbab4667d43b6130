package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"
)

// The gap report with every village (all=true) lists reached villages
// without a rank, in JSON (null) and in CSV (an empty cell), and numbers
// the villages in gap 1, 2, 3 … in the report's order.
func TestGapReportRanksOnlyVillagesInGap(t *testing.T) {
	srv := reportServer(t)
	const q = "/api/v1/reports/gaps?all=true&from=2026-03-01&to=2026-06-01"
	res, body := do(t, srv, "GET", q, "")
	if res.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", q, res.StatusCode, body)
	}
	var env struct {
		Rows []struct {
			Rank    *int   `json:"rank"`
			Code    string `json:"village_code"`
			Reached bool   `json:"reached"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	reached, next := 0, 1
	for _, r := range env.Rows {
		switch {
		case r.Reached && r.Rank != nil:
			t.Errorf("village %s reached one-third but ranked %d", r.Code, *r.Rank)
		case r.Reached:
			reached++
		case r.Rank == nil || *r.Rank != next:
			t.Errorf("village %s in gap ranked %v, want %d", r.Code, r.Rank, next)
			next++
		default:
			next++
		}
	}
	if reached == 0 || next == 1 {
		t.Fatalf("set-up: %d reached and %d in gap of %d villages, want some of each", reached, next-1, len(env.Rows))
	}
	res, body = do(t, srv, "GET", q+"&format=csv", "")
	if res.StatusCode != 200 {
		t.Fatalf("GET %s&format=csv = %d", q, res.StatusCode)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	ri, rd := slices.Index(recs[0], "rank"), slices.Index(recs[0], "reached")
	if ri < 0 || rd < 0 {
		t.Fatalf("CSV header %v: no rank or reached", recs[0])
	}
	empty := 0
	for _, rec := range recs[1:] {
		if (rec[rd] == "true") != (rec[ri] == "") {
			t.Errorf("CSV %v: reached %s with rank %q", rec[:3], rec[rd], rec[ri])
		}
		if rec[ri] == "" {
			empty++
		}
	}
	if empty != reached {
		t.Errorf("CSV: %d rows without a rank, JSON has %d reached", empty, reached)
	}
}
