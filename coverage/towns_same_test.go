package coverage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
)

// The morning check reads the county's villages once for every town; each
// row must still be byte for byte the row of that town's own summary
// (SummaryReport with town=, one after another, the way the report was
// built before), for every role and for windows of whole weeks, not whole
// weeks and the default, and the window it says it covers the same.
func TestTownsReportSameAsSummaries(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "towns-same-member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	scopes := []struct {
		name  string
		scope lianxin.Scope
	}{{"household access", lianxin.SystemScope()}, {"planner", r.planner}, {"leader", r.leader}, {"member", r.member}}
	queries := []struct {
		name string
		q    coverage.Query
	}{
		{"default window", coverage.Query{}},
		{"whole weeks", coverage.Query{From: day("2026-03-01"), To: day("2026-05-03")}},
		{"not whole weeks", coverage.Query{From: day("2026-03-04"), To: day("2026-05-13")}},
		{"one day", coverage.Query{From: day("2026-04-15"), To: day("2026-04-16")}},
		{"own town", coverage.Query{Town: r.own.Code, From: day("2026-03-04"), To: day("2026-06-10")}},
		{"another town", coverage.Query{Town: r.other.Code, From: day("2026-03-04"), To: day("2026-06-10")}},
	}
	for _, sc := range scopes {
		for _, qc := range queries {
			t.Run(sc.name+"/"+qc.name, func(t *testing.T) {
				got, gotWindow, err := reports.Towns(ctx, sc.scope, qc.q)
				if err != nil {
					t.Fatal(err)
				}
				want, wantWindow, err := townsPerTown(ctx, reports, r.app, sc.scope, qc.q)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 || len(got) != len(want) {
					t.Fatalf("%d rows, the towns' summaries give %d (want some)", len(got), len(want))
				}
				for i := range want {
					g, _ := json.Marshal(got[i])
					w, _ := json.Marshal(want[i])
					if string(g) != string(w) {
						t.Errorf("row %d:\n got  %s\n want %s (town %s's own summary)", i, g, w, want[i].TownCode)
					}
				}
				if gotWindow != wantWindow {
					t.Errorf("window %v, the towns' summaries cover %v", gotWindow, wantWindow)
				}
			})
		}
	}
}
