package export_test

import (
	"context"
	"strconv"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// village_coverage carries the rule each village is judged by (rural) and
// the rule it fails (gap_reason), as gaps does: "reached" on an urban
// community means "visited in the window", not one-third, and a GIS user
// must be able to tell which.
func TestVillageCoverageRule(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	ctx := context.Background()
	scope := lianxin.SystemScope()
	vc, err := export.LookupLayer("village_coverage")
	if err != nil {
		t.Fatal(err)
	}
	gaps, err := export.LookupLayer("gaps")
	if err != nil {
		t.Fatal(err)
	}
	count := func(l *export.Layer, eq map[string]string) int64 {
		t.Helper()
		n, err := svc.Count(ctx, scope, l, export.Filter{Equals: eq})
		if err != nil {
			t.Fatalf("count %s where %v: %v", l.Name, eq, err)
		}
		return n
	}
	urban, _ := strconv.ParseInt(dbValues(t, url, `SELECT 'n', count(*)::text FROM villages WHERE NOT rural`)["n"], 10, 64)
	if got := count(vc, map[string]string{"rural": "false"}); got != urban || urban == 0 {
		t.Errorf("village_coverage rural=false: %d rows, want the %d urban communities (and not 0)", got, urban)
	}
	// Each reason: the same villages as the gap report's, and only under
	// its own rule.
	for _, tc := range []struct{ reason, rural, otherRural string }{
		{"below_one_third", "true", "false"},
		{"no_population", "true", "false"},
		{"no_visit", "false", "true"},
	} {
		got := count(vc, map[string]string{"gap_reason": tc.reason})
		want := count(gaps, map[string]string{"gap_reason": tc.reason})
		if got != want {
			t.Errorf("village_coverage gap_reason=%s: %d rows, gaps has %d: want the same", tc.reason, got, want)
		}
		if n := count(vc, map[string]string{"gap_reason": tc.reason, "rural": tc.otherRural}); n != 0 {
			t.Errorf("village_coverage gap_reason=%s rural=%s: %d rows, want 0 (the rule belongs to rural=%s)", tc.reason, tc.otherRural, n, tc.rural)
		}
	}
	// An urban community that meets its rule (visited) is reached with an
	// empty gap_reason: reached=true rural=false are the visited ones.
	if got, no := count(vc, map[string]string{"reached": "true", "rural": "false"}), count(vc, map[string]string{"gap_reason": "no_visit"}); got+no != urban {
		t.Errorf("village_coverage urban: %d reached + %d no_visit, want the %d urban communities", got, no, urban)
	}
	if got := count(vc, map[string]string{"gap_reason": "below_one_third"}); got == 0 {
		t.Errorf("village_coverage gap_reason=below_one_third: 0 rows; the demo county has rural villages below one-third")
	}
}
