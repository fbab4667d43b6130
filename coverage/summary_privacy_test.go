package coverage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// A village with 1 to 4 households is blank in the gap report for a role
// without household access (privacy rule 2). The summary of the same town
// and window must not give its figures back by subtraction: summary
// figure minus the sum over the villages the gap report shows is 0 for
// every per-village figure, and the summary says how many villages it left
// out. The case: a village cut down to 2 households, one visited in week
// 20 and its population set so that the one visit reaches one-third. The
// leader of the village's town counts those households anyway and gets
// the exact figures; the diff of snapshots before and after that visit
// does not count the village as newly reached for a planner.
func TestSummaryLeavesOutSuppressedVillages(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	conn := storetest.Connect(t, url)
	start := day("2026-03-01")
	// Whole campaign weeks, so every role's window is the one asked for.
	visitFrom, visitTo := day("2026-07-12"), day("2026-07-19") // week 20
	w := coverage.Window{From: start, To: day("2026-09-27")}

	// The small village: one with a household first visited in week 20 and
	// another never visited, and a sibling in its town to take the rest.
	var villageID, siblingID, townID, otherTownID int32
	var code, townCode, otherTownCode string
	var visitedHH, unvisitedHH int64
	var visitedResidents int32
	err := conn.QueryRow(ctx, `
		WITH firsts AS (
			SELECT h.id, h.village_id, h.residents,
			       (SELECT min(x.occurred_at) FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $1) AS first
			FROM households h)
		SELECT v.id, v.code, t.id, t.code, a.id, a.residents, b.id,
		       (SELECT s.id FROM villages s WHERE s.town_id = t.id AND s.id <> v.id ORDER BY s.id LIMIT 1),
		       (SELECT o.id FROM towns o WHERE o.id <> t.id ORDER BY o.id LIMIT 1),
		       (SELECT o.code FROM towns o WHERE o.id <> t.id ORDER BY o.id LIMIT 1)
		FROM villages v JOIN towns t ON t.id = v.town_id
		JOIN LATERAL (SELECT f.id, f.residents FROM firsts f WHERE f.village_id = v.id AND f.first >= $2 AND f.first < $3
		              ORDER BY f.id LIMIT 1) a ON true
		JOIN LATERAL (SELECT f.id FROM firsts f WHERE f.village_id = v.id AND f.first IS NULL ORDER BY f.id LIMIT 1) b ON true
		WHERE (SELECT count(*) FROM villages s WHERE s.town_id = t.id) >= 4
		ORDER BY v.code LIMIT 1`, start, visitFrom, visitTo).Scan(&villageID, &code, &townID, &townCode,
		&visitedHH, &visitedResidents, &unvisitedHH, &siblingID, &otherTownID, &otherTownCode)
	if err != nil {
		t.Fatalf("choose a village with a household first visited in [%s, %s) and one never visited: %v",
			visitFrom.Format(coverage.DayLayout), visitTo.Format(coverage.DayLayout), err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE visits SET village_id = $2 WHERE household_id IN
			(SELECT id FROM households WHERE village_id = $1 AND id <> ALL ($3))`,
		`UPDATE households SET village_id = $2 WHERE village_id = $1 AND id <> ALL ($3)`,
	} {
		if _, err := tx.Exec(ctx, q, villageID, siblingID, []int64{visitedHH, unvisitedHH}); err != nil {
			t.Fatalf("move village %s's other households: %v", code, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE villages SET resident_population = $2 WHERE id = $1`, villageID, visitedResidents); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	gis := lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townID}, HouseholdPoints: true}
	otherLeader := lianxin.Scope{User: "other", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{otherTownID}, HouseholdPoints: true}

	exact, _, err := reports.Gaps(ctx, system, coverage.GapQuery{Query: coverage.Query{Town: townCode, From: w.From, To: w.To}, All: true})
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(exact, func(g coverage.GapRow) bool { return g.VillageCode == code }); i < 0 ||
		!exact[i].Reached || exact[i].Households != 2 || exact[i].VisitedHouseholds != 1 {
		t.Fatalf("set-up: village %s over %v is %+v, want 2 households, 1 visited, reached", code, w, exact)
	}

	cases := []struct {
		name  string
		scope lianxin.Scope
		town  string
		exact bool // household access in the town: nothing left out
	}{
		{"planner, the town", planner, townCode, false},
		{"planner, county", planner, "", false},
		{"gis, the town", gis, townCode, false},
		{"leader of another town, the town", otherLeader, townCode, false},
		{"leader of another town, own town", otherLeader, otherTownCode, true},
		{"leader, own town", leader, townCode, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := coverage.Query{Town: tc.town, From: w.From, To: w.To}
			sum, err := reports.Summary(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			rows, gw, err := reports.Gaps(ctx, tc.scope, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			if gw != w || sum.From != "2026-03-01" || sum.To != "2026-09-27" {
				t.Fatalf("windows: gaps %v, summary %s..%s; want %v for both", gw, sum.From, sum.To, w)
			}
			// What a reader computes from the gap report's shown rows.
			var shown, hidden, visited, reached, residents, households int64
			hiddenCodes := map[string]bool{}
			for _, g := range rows {
				if g.Suppressed {
					hidden++
					hiddenCodes[g.VillageCode] = true
					continue
				}
				shown++
				residents += g.VisitedResidents
				households += g.VisitedHouseholds
				if g.Visits > 0 {
					visited++
				}
				if g.Reached {
					reached++
				}
			}
			if tc.exact {
				if hidden != 0 || sum.VillagesSuppressed != 0 {
					t.Fatalf("summary %q as %s: %d villages suppressed in gaps, %d in the summary; want none (household access)",
						tc.town, tc.scope.User, hidden, sum.VillagesSuppressed)
				}
			} else if !hiddenCodes[code] || sum.VillagesSuppressed != hidden {
				t.Errorf("summary %q as %s: village %s suppressed %v; summary villages_suppressed %d, gap report %d; want it suppressed and the counts equal",
					tc.town, tc.scope.User, code, hiddenCodes[code], sum.VillagesSuppressed, hidden)
			}
			for _, c := range []struct {
				field     string
				got, want int64
			}{
				{"villages", sum.Villages, shown},
				{"villages_visited", sum.VillagesVisited, visited},
				{"villages_reached", sum.VillagesReached, reached},
				{"visited_residents", sum.VisitedResidents, residents},
			} {
				if c.got != c.want {
					t.Errorf("summary %q as %s: %s %d, shown villages' %d: the difference %d is the suppressed villages' figure",
						tc.town, tc.scope.User, c.field, c.got, c.want, c.got-c.want)
				}
			}
			if hidden > 0 && sum.HouseholdsVisited != households {
				t.Errorf("summary %q as %s: households_visited %d, shown villages' %d", tc.town, tc.scope.User, sum.HouseholdsVisited, households)
			}
			for _, c := range slices.Concat(sum.Checks.VillagesWithoutVisit, sum.Checks.PetitionVillagesWithoutVisit) {
				if hiddenCodes[c] {
					t.Errorf("summary %q as %s: five_coverages lists suppressed village %s as without visit", tc.town, tc.scope.User, c)
				}
			}
			if tc.exact {
				want, err := reports.Summary(ctx, system, q)
				if err != nil {
					t.Fatal(err)
				}
				if sum.VillagesReached != want.VillagesReached || sum.VisitedResidents != want.VisitedResidents || sum.Villages != want.Villages {
					t.Errorf("summary %q as %s: reached %d, visited residents %d, villages %d; want the exact %d, %d, %d",
						tc.town, tc.scope.User, sum.VillagesReached, sum.VisitedResidents, sum.Villages,
						want.VillagesReached, want.VisitedResidents, want.Villages)
				}
			}
		})
	}

	// The diff of snapshots before and after the visit of week 20.
	snapshot := func(scope lianxin.Scope, asOf time.Time) coverage.Snapshot {
		snap, err := reports.TakeSnapshot(ctx, scope, s, asOf, townCode)
		if err != nil {
			t.Fatalf("snapshot as of %s: %v", asOf.Format(coverage.DayLayout), err)
		}
		return snap
	}
	a, b := snapshot(leader, visitFrom.AddDate(0, 0, -1)), snapshot(leader, w.To.AddDate(0, 0, -1))
	for _, tc := range []struct {
		name   string
		scope  lianxin.Scope
		status string // the small village's
	}{
		{"planner", planner, "changed"},
		{"leader, own town", leader, "newly_reached"},
	} {
		t.Run("diff, "+tc.name, func(t *testing.T) {
			d, err := reports.Diff(ctx, tc.scope, s, a.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			var newly, fell int
			status := ""
			for _, c := range d.Villages {
				switch c.Status {
				case "newly_reached":
					newly++
				case "fell_below":
					fell++
				}
				if c.VillageCode == code {
					status = c.Status
				}
			}
			if status != tc.status || d.NewlyReached != newly || d.FellBelow != fell {
				t.Errorf("diff %d → %d as %s: village %s %q, newly_reached %d (%d listed), fell_below %d (%d listed); want %q and the counts of the listed",
					a.ID, b.ID, tc.scope.User, code, status, d.NewlyReached, newly, d.FellBelow, fell, tc.status)
			}
			exact := coverage.DiffSnapshots(a, b)
			if tc.scope.HouseholdPoints {
				if d.ReachedAfter != exact.ReachedAfter || d.Summary["villages_reached"] != exact.Summary["villages_reached"] {
					t.Errorf("leader's diff: reached after %d, villages_reached change %v; want the exact %d, %v",
						d.ReachedAfter, d.Summary["villages_reached"], exact.ReachedAfter, exact.Summary["villages_reached"])
				}
				return
			}
			// Snapshot b's window is w: the planner's gap report over w says
			// which of its villages are suppressed.
			rows, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: coverage.Query{Town: townCode, From: w.From, To: w.To}, All: true})
			if err != nil {
				t.Fatal(err)
			}
			hidden := map[string]bool{}
			for _, g := range rows {
				hidden[g.VillageCode] = g.Suppressed
			}
			var want int
			for _, g := range b.Gaps {
				if g.Reached && !hidden[g.VillageCode] {
					want++
				}
			}
			if !hidden[code] || d.ReachedAfter != want {
				t.Errorf("planner's diff: reached after %d, want %d over the villages the gap report shows (exact %d)",
					d.ReachedAfter, want, exact.ReachedAfter)
			}
			if _, ok := d.Summary["villages_suppressed"]; !ok {
				t.Errorf("planner's diff: summary %v, want villages_suppressed", d.Summary)
			}
		})
	}
}
