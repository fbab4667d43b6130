package coverage_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"lianxin/coverage"
)

// A coverage share is written as the fraction (for re-use) and, in the
// column after it, as the percentage a spreadsheet reader expects.
func TestWriteCSVPercent(t *testing.T) {
	share, ifVisited := 0.1552, 1.0/3
	rows := []coverage.GapRow{
		{VillageCode: "V1", Coverage: &share, CoverageIfVisited: &ifVisited},
		{VillageCode: "V2"}, // no population: both null
	}
	var b bytes.Buffer
	if err := coverage.WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\xEF\xBB\xBF"))).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("CSV %q: %d records, %v; want header and 2 rows", b.String(), len(recs), err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, tc := range []struct {
		row          int
		column, want string
	}{
		{1, "coverage", "0.1552"},
		{1, "coverage_percent", "15.52%"},
		{1, "coverage_if_visited_percent", "33.33%"},
		{2, "coverage", ""},
		{2, "coverage_percent", ""},
	} {
		i, ok := col[tc.column]
		if !ok {
			t.Errorf("CSV header %v: no column %s", recs[0], tc.column)
			continue
		}
		if got := recs[tc.row][i]; got != tc.want {
			t.Errorf("row %d column %s = %q, want %q", tc.row, tc.column, got, tc.want)
		}
	}
	if i, j := col["coverage"], col["coverage_percent"]; j != i+1 {
		t.Errorf("header %v: coverage_percent at %d, want right after coverage (%d)", recs[0], j, i)
	}
}
