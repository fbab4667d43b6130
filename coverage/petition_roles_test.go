package coverage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// The households with a standing petition case not visited
// (five_coverages.petition_households_unvisited) reach a team leader asking
// about the county or another town, and a member, as published counts
// (migration 032 counts them past their row-level security): a number that
// matches the owner's count of the raw tables (leaving out the villages the
// caller's gap report suppresses), or the privacy label. A town cut down to
// 3 such households then reads hidden, with a complement hidden beside it,
// and no published total gives it back.
func TestPetitionHouseholdsForEveryRole(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "pet-member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	// Whole campaign weeks: every role's window is the one asked.
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-06-07")}
	own, other := r.own, r.other

	// exact counts per town code, as the owner reads the raw tables,
	// without the villages scope's gap report suppresses.
	exact := func(t *testing.T, scope lianxin.Scope) map[string]int64 {
		t.Helper()
		rows, _, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: q, All: true})
		if err != nil {
			t.Fatal(err)
		}
		leaveOut := []string{}
		for _, g := range rows {
			if g.Suppressed {
				leaveOut = append(leaveOut, g.VillageCode)
			}
		}
		got := map[string]int64{}
		res, err := r.conn.Query(ctx, `
SELECT t.code, count(h.id) FROM towns t
LEFT JOIN households h ON h.town_id = t.id AND h.petition_case
  AND NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = h.village_id AND v.code = ANY ($3))
  AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $1 AND x.occurred_at < $2)
GROUP BY t.code`, q.From, q.To, leaveOut)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Close()
		for res.Next() {
			var code string
			var n int64
			if err := res.Scan(&code, &n); err != nil {
				t.Fatal(err)
			}
			got[code] = n
		}
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		return got
	}
	ask := func(t *testing.T, scope lianxin.Scope, town string) *privacy.Count {
		t.Helper()
		qq := q
		qq.Town = town
		s, err := reports.Summary(ctx, scope, qq)
		if err != nil {
			t.Fatalf("summary of %q: %v", town, err)
		}
		return s.Checks.PetitionHouseholdsUnvisited
	}
	sum := func(m map[string]int64) (n int64) {
		for _, v := range m {
			n += v
		}
		return n
	}

	t.Run("published numbers match the raw tables", func(t *testing.T) {
		cases := []struct {
			name  string
			scope lianxin.Scope
			town  string
		}{
			{"leader, county", r.leader, ""},
			{"leader, another town", r.leader, other.Code},
			{"member, own town", r.member, own.Code},
			{"member, county", r.member, ""},
			{"member, another town", r.member, other.Code},
		}
		for _, tc := range cases {
			want := exact(t, tc.scope)
			n := sum(want)
			if tc.town != "" {
				n = want[tc.town]
			}
			got := ask(t, tc.scope, tc.town)
			t.Logf("%s: got %v, owner's count %d", tc.name, got, n)
			switch {
			case got == nil:
				t.Errorf("%s: petition_households_unvisited = null, want %d or the privacy label", tc.name, n)
			case got.Hidden && tc.town != "":
				// Small, or a complement: then another town is hidden too.
				var hidden int
				for code := range want {
					if c := ask(t, tc.scope, code); c != nil && c.Hidden {
						hidden++
					}
				}
				if hidden < 2 {
					t.Errorf("%s: hidden (%q) and %d town(s) hidden in all; want it shown (%d) or hidden with a complement", tc.name, got.Label(), hidden, n)
				}
			case !got.Hidden && got.N != n:
				t.Errorf("%s: petition_households_unvisited = %d, want %d (owner's count of the raw tables)", tc.name, got.N, n)
			}
		}
	})

	t.Run("a small count is hidden with its complement", func(t *testing.T) {
		// Cut another town down to 3 unvisited petition households.
		if _, err := r.conn.Exec(ctx, `
UPDATE households SET petition_case = false WHERE id IN (
  SELECT h.id FROM households h WHERE h.town_id = $1 AND h.petition_case
    AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $2 AND x.occurred_at < $3)
  ORDER BY h.id OFFSET 3)`, other.ID, q.From, q.To); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			scope lianxin.Scope
		}{{"planner", r.planner}, {"leader of " + own.Code, r.leader}, {"member", r.member}} {
			want := exact(t, tc.scope)
			if want[other.Code] != 3 {
				t.Fatalf("set-up: town %s has %d unvisited petition households, want 3", other.Code, want[other.Code])
			}
			if got := ask(t, tc.scope, other.Code); got == nil || !got.Hidden || got.Label() != privacy.HiddenLabel {
				t.Errorf("%s asked town %s (3 households): got %v, want %q", tc.name, other.Code, got, privacy.HiddenLabel)
			}
			var hiddenTowns []string
			var hiddenSum, shownSum int64
			for code, n := range want {
				got := ask(t, tc.scope, code)
				switch {
				case got == nil:
					t.Errorf("%s asked town %s: null, want a count", tc.name, code)
				case got.Hidden:
					hiddenTowns = append(hiddenTowns, code)
					hiddenSum += n
				case got.N != n:
					t.Errorf("%s asked town %s: %d, want %d", tc.name, code, got.N, n)
				default:
					shownSum += n
				}
			}
			t.Logf("%s: towns hidden %v (%d households), shown %d", tc.name, hiddenTowns, hiddenSum, shownSum)
			if len(hiddenTowns) < 2 {
				t.Errorf("%s: hidden towns %v, want town %s and at least one complement", tc.name, hiddenTowns, other.Code)
			}
			if privacy.SmallCount(hiddenSum) {
				t.Errorf("%s: the hidden towns %v hold %d together, a small count the county total would give back", tc.name, hiddenTowns, hiddenSum)
			}
			if tc.scope.User == r.leader.User && (len(hiddenTowns) == 0 || slices.Contains(hiddenTowns, own.Code)) {
				t.Errorf("leader: own town %s hidden (%v): want it exact, and never relied on as a complement", own.Code, hiddenTowns)
			}
			county := ask(t, tc.scope, "")
			switch {
			case county == nil:
				t.Errorf("%s asked the county: null, want a count", tc.name)
			case !county.Hidden && county.N != sum(want):
				t.Errorf("%s asked the county: %d, want %d", tc.name, county.N, sum(want))
			case county.Hidden && county.Bound() != 0 && county.Bound() != shownSum:
				t.Errorf("%s asked the county: %q, want at most the towns shown (%d)", tc.name, county.Label(), shownSum)
			}
		}
	})
}
