package store_test

import (
	"context"
	"strings"
	"testing"

	"lianxin/store/storetest"
)

// The small SQL functions the coverage triggers and reads call for every
// row are inlined by the planner into the query that calls them: a call
// that stays a call costs a function execution per row (migration 028 found
// household_contact was one, kept so by STRICT over an IN list). The plan's
// output names none of them.
func TestPerRowFunctionsAreInlined(t *testing.T) {
	_, url := storetest.New(t)
	conn := storetest.Connect(t, url)
	for _, tc := range []struct {
		function, query string
	}{
		{"campaign_day", `SELECT campaign_day(occurred_at) FROM visits`},
		{"h3_parent", `SELECT h3_parent(cell, 10) FROM households`},
		{"household_contact", `SELECT count(*) FILTER (WHERE household_contact(kind)) FROM visits`},
		{"special_flags", `SELECT special_flags(poor, seriously_ill, disabled, empty_nest, left_behind_children, community_correction) FROM households`},
	} {
		rows, err := conn.Query(context.Background(), "EXPLAIN (VERBOSE, COSTS OFF) "+tc.query)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", tc.query, err)
		}
		var plan strings.Builder
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plan.String(), tc.function+"(") {
			t.Errorf("%s is called, not inlined, in %s:\n%s", tc.function, tc.query, plan.String())
		}
	}
}
