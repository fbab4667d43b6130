package coverage_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// special_waiting_households counts the special-group households not
// visited once each (special_waiting sums the groups): exact for household
// access, matching the owner's count of the raw tables; for a planner and a
// team leader asking beyond their town, the same number or hidden, never a
// shown 1 to 10, and under each town the hidden villages none or at least
// two whose total is not small (so the town's count less the villages shown
// gives none back).
func TestSpecialWaitingHouseholds(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "distinct-member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-06-07")} // whole weeks

	exact := map[string]int64{}
	var doubled int // villages where a household in two groups makes the sum differ
	rows, err := r.conn.Query(ctx, `
SELECT v.code, count(h.id) FILTER (WHERE (h.poor OR h.seriously_ill OR h.disabled OR h.empty_nest
                                          OR h.left_behind_children OR h.community_correction)
                                     AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id
                                                     AND x.kind IN ('household_visit', 'assistance_delivery')
                                                     AND x.occurred_at >= $1 AND x.occurred_at < $2))
FROM villages v LEFT JOIN households h ON h.village_id = v.id
GROUP BY v.code`, q.From, q.To)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			t.Fatal(err)
		}
		exact[code] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	system, err := gapRows(ctx, reports, lianxin.SystemScope(), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(system) != len(exact) {
		t.Fatalf("system gap report: %d villages, want %d", len(system), len(exact))
	}
	for code, g := range system {
		if g.SpecialWaitingHouseholds.Hidden || g.SpecialWaitingHouseholds.N != exact[code] {
			t.Errorf("system: village %s special_waiting_households %v, want %d (owner's count)", code, g.SpecialWaitingHouseholds, exact[code])
		}
		if g.SpecialWaiting.N < g.SpecialWaitingHouseholds.N {
			t.Errorf("system: village %s special_waiting %d below the distinct %d", code, g.SpecialWaiting.N, g.SpecialWaitingHouseholds.N)
		}
		if g.SpecialWaiting.N > g.SpecialWaitingHouseholds.N {
			doubled++
		}
	}
	t.Logf("%d of %d villages count a household in two groups twice in special_waiting", doubled, len(system))
	if doubled == 0 {
		t.Fatal("set-up: no village holds a household in two groups; the sum and the distinct count never differ")
	}

	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
	}{{"planner", r.planner}, {"leader of " + r.own.Code, r.leader}, {"member", r.member}} {
		got, err := gapRows(ctx, reports, tc.scope, q)
		if err != nil {
			t.Fatal(err)
		}
		type town struct {
			hidden    int
			hiddenSum int64
		}
		towns := map[string]*town{}
		var hidden int
		for code, g := range got {
			c, want := g.SpecialWaitingHouseholds, exact[code]
			tw := towns[g.TownCode]
			if tw == nil {
				tw = &town{}
				towns[g.TownCode] = tw
			}
			switch {
			case c.Hidden && c.Label() != privacy.HiddenLabel:
				t.Errorf("%s: village %s reads %q, want %q", tc.name, code, c.Label(), privacy.HiddenLabel)
			case c.Hidden:
				hidden++
				tw.hidden++
				tw.hiddenSum += want
				if tc.scope.User == r.leader.User && g.TownCode == r.own.Code {
					t.Errorf("leader: own village %s hidden, want %d exactly", code, want)
				}
			case c.N != want:
				t.Errorf("%s: village %s special_waiting_households %d, want %d", tc.name, code, c.N, want)
			case privacy.SmallCount(c.N) && !(tc.scope.User == r.leader.User && g.TownCode == r.own.Code):
				t.Errorf("%s: village %s shows %d, a small count", tc.name, code, c.N)
			}
		}
		t.Logf("%s: %d of %d villages' special_waiting_households hidden", tc.name, hidden, len(got))
		if hidden == 0 {
			t.Errorf("%s: no village's special_waiting_households hidden; the demo holds small ones, so the rules did nothing", tc.name)
		}
		for code, tw := range towns {
			if tw.hidden == 1 || (tw.hidden > 1 && privacy.SmallCount(tw.hiddenSum)) {
				t.Errorf("%s: town %s hides %d village(s) holding %d together: the town's count less those shown gives them back",
					tc.name, code, tw.hidden, tw.hiddenSum)
			}
		}
	}
}

func gapRows(ctx context.Context, reports *coverage.Reports, scope lianxin.Scope, q coverage.Query) (map[string]coverage.GapRow, error) {
	rows, _, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: q, All: true})
	if err != nil {
		return nil, err
	}
	out := make(map[string]coverage.GapRow, len(rows))
	for _, g := range rows {
		out[g.VillageCode] = g
	}
	return out, nil
}
