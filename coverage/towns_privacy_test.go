package coverage_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// The morning check's rows are the towns' summaries, published for the
// caller: every row says what summary?town= says to the same role, no
// more; a row's hidden count stays hidden. Across the rows, a town's
// special-group households waiting (counted once each) is never the one
// hidden beside a shown county and shown towns (the county less the towns
// shown would give it back), nor are the towns hidden together a small
// count. The rows are sorted who is behind first, and one row per town.
func TestTownsReportPrivacy(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "towns-member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-05-03")}
	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
	}{{"household access", lianxin.SystemScope()}, {"planner", r.planner}, {"leader", r.leader}, {"member", r.member}} {
		t.Run(tc.name, func(t *testing.T) {
			rows, _, err := reports.Towns(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(r.county.Towns) {
				t.Fatalf("%d rows, want one per town (%d)", len(rows), len(r.county.Towns))
			}
			county, err := reports.SummaryReport(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			var hidden int
			var hiddenSum, shownSum int64
			seen := map[string]bool{}
			for i, row := range rows {
				if seen[row.TownCode] || row.TownName == "" || row.TeamName == "" {
					t.Errorf("row %d: town %q %q team %q: repeated or unnamed", i, row.TownCode, row.TownName, row.TeamName)
				}
				seen[row.TownCode] = true
				s, err := reports.SummaryReport(ctx, tc.scope, coverage.Query{Town: row.TownCode, From: q.From, To: q.To})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := row.SpecialWaitingHouseholds.String(), s.SpecialWaitingHouseholds.String(); got != want {
					t.Errorf("town %s: row's special_waiting_households %s, summary?town= says %s", row.TownCode, got, want)
				}
				if row.RuralVillagesReached != s.RuralVillagesReached || row.RuralVillages != s.RuralVillages ||
					row.VillagesWithoutVisit != int64(len(s.Checks.VillagesWithoutVisit)) || row.Villages != s.Villages {
					t.Errorf("town %s: row %d/%d rural, %d not visited of %d; summary %d/%d, %d of %d", row.TownCode,
						row.RuralVillagesReached, row.RuralVillages, row.VillagesWithoutVisit, row.Villages,
						s.RuralVillagesReached, s.RuralVillages, len(s.Checks.VillagesWithoutVisit), s.Villages)
				}
				if (row.ProjectsLanded == nil) != (s.Works == nil) {
					t.Errorf("town %s: row's works %v, summary's %v: counted in one and not the other", row.TownCode, row.ProjectsLanded, s.Works)
				}
				c := row.SpecialWaitingHouseholds
				own := tc.scope.User == r.leader.User && row.TownCode == r.own.Code
				switch {
				case c.Hidden:
					hidden++
					hiddenSum += c.N
				case privacy.Applies(tc.scope) || (privacy.Partial(tc.scope) && !own):
					if privacy.SmallCount(c.N) {
						t.Errorf("town %s shows %d special-group households waiting, a small count", row.TownCode, c.N)
					}
					shownSum += c.N
				default:
					shownSum += c.N
				}
				if i > 0 {
					a, b := rows[i-1], row
					if share(a.RuralReachedShare) > share(b.RuralReachedShare) {
						t.Errorf("rows %d and %d: %s (%v) before %s (%v); want who is behind first", i-1, i, a.TownCode, share(a.RuralReachedShare), b.TownCode, share(b.RuralReachedShare))
					}
				}
			}
			if !county.SpecialWaitingHouseholds.Hidden {
				if hidden == 1 || (hidden > 1 && privacy.SmallCount(hiddenSum)) {
					t.Errorf("county shows %d, with %d town(s) hidden holding %d: the county less the towns shown gives them back",
						county.SpecialWaitingHouseholds.N, hidden, hiddenSum)
				}
				if hidden == 0 && shownSum != county.SpecialWaitingHouseholds.N {
					t.Errorf("towns add up to %d, county says %d", shownSum, county.SpecialWaitingHouseholds.N)
				}
			}
			t.Logf("%s: %d of %d towns' special_waiting_households hidden", tc.name, hidden, len(rows))
		})
	}
}

func share(p *float64) float64 {
	if p == nil {
		return 2
	}
	return *p
}
