package coverage_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/privacy"
	"lianxin/store/storetest"
)

func day(s string) time.Time {
	d, err := coverage.ParseDay("test", s)
	if err != nil {
		panic(err)
	}
	return d
}

// A snapshot diff must not publish a change from which a value the gap
// report hides for either snapshot's window can be computed. The case: a
// village with 40 poor households (5 visited by the end of campaign week 5,
// 15 more by the end of week 9) and 13 disabled ones never visited. The gap
// report over weeks 1-5 hides its special_waiting (48) because the visited
// count it implies (53 - 48 = 5) is small; over weeks 1-9 it shows 33. A
// change of -15 shown beside them gives 33 + 15 = 48 back, and with it the
// 5 households visited. The leader of the village's town counts them
// anyway and sees the exact change.
func TestSnapshotDiffHidesWhatGapsHide(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	conn := storetest.Connect(t, url)
	start := day("2026-03-01")
	// The last days of campaign weeks 5 and 9: each snapshot's window
	// [campaign start, as_of + 1 day) is whole weeks, the one the gap
	// report uses for the same request.
	asOfA, asOfB := day("2026-04-04"), day("2026-05-02")
	endA, endB := asOfA.AddDate(0, 0, 1), asOfB.AddDate(0, 0, 1)
	// The day after week 5's Wednesday: one early household first visited
	// from it to the week's end makes the change of 1 the last case reads.
	midEnd := day("2026-04-02")

	var villageID, townID int32
	var code, townCode string
	err := conn.QueryRow(ctx, `
		SELECT v.id, v.code, t.id, t.code FROM villages v JOIN towns t ON t.id = v.town_id
		JOIN LATERAL (
			SELECT count(*) FILTER (WHERE first < $2) AS early,
			       count(*) FILTER (WHERE first >= $4 AND first < $2) AS end_of_week5,
			       count(*) FILTER (WHERE first >= $2 AND first < $3) AS middle,
			       count(*) FILTER (WHERE first IS NULL OR first >= $3) AS late
			FROM (SELECT (SELECT min(x.occurred_at) FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $1) AS first
			      FROM households h WHERE h.village_id = v.id) f) c ON true
		WHERE c.early >= 5 AND c.end_of_week5 >= 1 AND c.early - c.end_of_week5 >= 4
		  AND c.middle >= 15 AND c.late >= 33 ORDER BY v.code LIMIT 1`,
		start, endA, endB, midEnd).Scan(&villageID, &code, &townID, &townCode)
	if err != nil {
		t.Fatalf("choose a village with 5 households visited by %s, 15 more by %s and 33 not: %v", endA.Format(coverage.DayLayout), endB.Format(coverage.DayLayout), err)
	}
	// Each household of the village by its first visit in the campaign.
	rows, err := conn.Query(ctx, `
		SELECT h.id, (SELECT min(x.occurred_at) FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $2)
		FROM households h WHERE h.village_id = $1 ORDER BY h.id`, villageID, start)
	if err != nil {
		t.Fatal(err)
	}
	var early, endOfWeek5, middle, late []int64
	for rows.Next() {
		var id int64
		var first *time.Time
		if err := rows.Scan(&id, &first); err != nil {
			t.Fatal(err)
		}
		switch {
		case first != nil && !first.Before(midEnd) && first.Before(endA):
			endOfWeek5 = append(endOfWeek5, id)
		case first != nil && first.Before(endA):
			early = append(early, id)
		case first != nil && first.Before(endB):
			middle = append(middle, id)
		default:
			late = append(late, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	poor := slices.Concat(early[:4], endOfWeek5[:1], middle[:15], late[:20])
	disabled := late[20:33]
	if _, err := conn.Exec(ctx, `UPDATE households SET poor = id = ANY ($2), seriously_ill = false, disabled = id = ANY ($3),
		empty_nest = false, left_behind_children = false, community_correction = false WHERE village_id = $1`,
		villageID, poor, disabled); err != nil {
		t.Fatal(err)
	}

	system := lianxin.SystemScope()
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townID}, HouseholdPoints: true}
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })

	// What the gap report publishes, and the exact figures, per snapshot day.
	// What the planner's gap report publishes for a snapshot's window
	// [start, as_of + 1 day) (widened to whole weeks), and the exact
	// figures of the window it uses.
	gaps := func(scope lianxin.Scope, to time.Time) (map[string]coverage.GapRow, coverage.Window) {
		rows, w, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: coverage.Query{From: start, To: to}, All: true})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]coverage.GapRow{}
		for _, r := range rows {
			m[r.VillageCode] = r
		}
		return m, w
	}
	published := map[time.Time]map[string]coverage.GapRow{}
	exact := map[time.Time]map[string]coverage.GapRow{}
	wholeWeeks := map[time.Time]bool{} // the gap report's window is the snapshot's
	// Weeks 5 and 9 whole, the Wednesday of week 5, and week 5 again.
	asOfMid := day("2026-04-01")
	for _, asOf := range []time.Time{asOfA, asOfB, asOfMid} {
		var w coverage.Window
		published[asOf], w = gaps(planner, asOf.AddDate(0, 0, 1))
		if want := day("2026-04-05"); asOf == asOfMid && w.To != want {
			t.Fatalf("planner's gap report to %s covers %v, want up to the end of its week %s", asOf.Format(coverage.DayLayout), w, want.Format(coverage.DayLayout))
		}
		wholeWeeks[asOf] = w.To.Equal(asOf.AddDate(0, 0, 1))
		var we coverage.Window
		if exact[asOf], we = gaps(system, w.To); we != w {
			t.Fatalf("exact gap report window %v, want the planner's %v", we, w)
		}
	}
	if got, want := string(mustJSON(t, published[asOfA][code].SpecialWaiting)), `"≥13"`; got != want {
		t.Fatalf("planner's gap report to %s: village %s special_waiting %s, want %s (48 hidden: it implies 5 visited)", asOfA.Format(coverage.DayLayout), code, got, want)
	}
	if got := exact[asOfA][code].SpecialWaiting; got.N != 48 {
		t.Fatalf("exact special_waiting of %s to %s = %d, want 48", code, asOfA.Format(coverage.DayLayout), got.N)
	}
	if got, want := string(mustJSON(t, published[asOfB][code].SpecialWaiting)), "33"; got != want {
		t.Fatalf("planner's gap report to %s: village %s special_waiting %s, want %s", asOfB.Format(coverage.DayLayout), code, got, want)
	}

	snapshot := func(scope lianxin.Scope, asOf time.Time, town string) coverage.Snapshot {
		snap, err := reports.TakeSnapshot(ctx, scope, s, asOf, town)
		if err != nil {
			t.Fatalf("snapshot as of %s, town %q: %v", asOf.Format(coverage.DayLayout), town, err)
		}
		return snap
	}
	countyA, countyB := snapshot(planner, asOfA, ""), snapshot(planner, asOfB, "")
	townA, townB := snapshot(leader, asOfA, townCode), snapshot(leader, asOfB, townCode)
	countyMid, countyAgain := snapshot(planner, asOfMid, ""), snapshot(planner, asOfA, "")
	townMid := snapshot(leader, asOfMid, townCode)

	cases := []struct {
		name  string
		scope lianxin.Scope
		a, b  coverage.Snapshot
		want  string // the village's special_waiting_change as the CSV writes it
	}{
		{"planner, county, week 5 to week 9", planner, countyA, countyB, "hidden"},
		{"planner, county, week 9 to week 5", planner, countyB, countyA, "hidden"},
		{"planner, the town's snapshots", planner, townA, townB, "hidden"},
		// Not whole weeks: the gap report widens the window to week 5's
		// end, whose figures the diff must not reveal either.
		{"planner, county, Wednesday of week 5 to week 9", planner, countyMid, countyB, "hidden"},
		// Nothing moved: a village left out would say its hidden figure
		// equals the other side's.
		{"planner, county, week 5 twice", planner, countyA, countyAgain, "hidden"},
		{"leader, own town, week 5 to week 9: exact", leader, townA, townB, "-15"},
		{"leader, own town, week 9 to week 5: exact", leader, townB, townA, "15"},
		// Changes of 1 to 10, and a window that is not whole weeks: exact
		// in the leader's own town.
		{"leader, own town, Wednesday of week 5 to week 5: exact", leader, townMid, townA, "-1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := reports.Diff(ctx, tc.scope, s, tc.a.ID, tc.b.ID)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(d.Villages, func(c coverage.VillageChange) bool { return c.VillageCode == code })
			if i < 0 {
				t.Fatalf("diff %d → %d: village %s missing, want its change", tc.a.ID, tc.b.ID, code)
			}
			if got := d.Villages[i].SpecialWaiting.String(); got != tc.want {
				t.Errorf("diff %d → %d as %s: village %s special_waiting_change %s, want %s", tc.a.ID, tc.b.ID, tc.scope.User, code, got, tc.want)
			}
			if tc.scope.HouseholdPoints {
				// The leader's own town: every change exact.
				if got, want := mustJSON(t, d.Villages), mustJSON(t, coverage.DiffSnapshots(tc.a, tc.b).Villages); string(got) != string(want) {
					t.Errorf("leader's diff %d → %d:\n%s\nwant the exact\n%s", tc.a.ID, tc.b.ID, got, want)
				}
				return
			}
			// The attack: every side the gap report hides, from the other
			// side's published figure and the change. A change the diff
			// shows must be what the two gap reports already say, and one
			// they both show (and is not 1 to 10) must be shown when both
			// snapshots are whole weeks.
			before, after := published[tc.a.AsOf], published[tc.b.AsOf]
			var both int
			for _, c := range d.Villages {
				p, q := before[c.VillageCode], after[c.VillageCode]
				if p.Suppressed || q.Suppressed {
					if c.CoverageBefore != nil || c.CoverageAfter != nil || c.VisitedResidents != 0 || c.ResidentsNeeded != 0 || !c.SpecialWaiting.Hidden {
						t.Errorf("village %s is suppressed in a gap report, the diff shows %s", c.VillageCode, mustJSON(t, c))
					}
					continue
				}
				if change := q.SpecialWaiting.N - p.SpecialWaiting.N; !p.SpecialWaiting.Hidden && !q.SpecialWaiting.Hidden && !privacy.SmallCount(max(change, -change)) {
					both++
					// Across a window that is not whole weeks the snapshot's
					// figure is not the gap report's, and may be hidden.
					mayHide := !wholeWeeks[tc.a.AsOf] || !wholeWeeks[tc.b.AsOf]
					if c.SpecialWaiting.Hidden && !mayHide || !c.SpecialWaiting.Hidden && c.SpecialWaiting.N != change {
						t.Errorf("village %s: change %s, the gap reports show %d → %d", c.VillageCode, c.SpecialWaiting, p.SpecialWaiting.N, q.SpecialWaiting.N)
					}
					continue
				}
				if c.SpecialWaiting.Hidden {
					continue
				}
				switch {
				case p.SpecialWaiting.Hidden && !q.SpecialWaiting.Hidden:
					if got, hidden := q.SpecialWaiting.N-c.SpecialWaiting.N, exact[tc.a.AsOf][c.VillageCode].SpecialWaiting.N; got == hidden {
						t.Errorf("village %s: %d (shown to %s) − change %d = %d, the special_waiting the gap report to %s hides",
							c.VillageCode, q.SpecialWaiting.N, tc.b.AsOf.Format(coverage.DayLayout), c.SpecialWaiting.N, got, tc.a.AsOf.Format(coverage.DayLayout))
					}
				case !p.SpecialWaiting.Hidden && q.SpecialWaiting.Hidden:
					if got, hidden := p.SpecialWaiting.N+c.SpecialWaiting.N, exact[tc.b.AsOf][c.VillageCode].SpecialWaiting.N; got == hidden {
						t.Errorf("village %s: %d (shown to %s) + change %d = %d, the special_waiting the gap report to %s hides",
							c.VillageCode, p.SpecialWaiting.N, tc.a.AsOf.Format(coverage.DayLayout), c.SpecialWaiting.N, got, tc.b.AsOf.Format(coverage.DayLayout))
					}
				case p.SpecialWaiting.Hidden && q.SpecialWaiting.Hidden:
					t.Errorf("village %s: change %d shown between two hidden figures", c.VillageCode, c.SpecialWaiting.N)
				default:
					t.Errorf("village %s: change %d of 1 to 10 shown", c.VillageCode, c.SpecialWaiting.N)
				}
			}
			// Every village of the snapshots the gap reports show on both
			// sides is in the diff unless nothing of it moved.
			for code, q := range after {
				p, ok := before[code]
				if ok && (tc.b.Town == "" || q.TownCode == tc.b.Town) && !p.Suppressed && !q.Suppressed && !p.SpecialWaiting.Hidden && !q.SpecialWaiting.Hidden &&
					!slices.ContainsFunc(d.Villages, func(c coverage.VillageChange) bool { return c.VillageCode == code }) &&
					(p.VisitedResidents != q.VisitedResidents || p.SpecialWaiting.N != q.SpecialWaiting.N) {
					t.Errorf("village %s moved (%d → %d visited residents, %d → %d waiting) and is not in the diff",
						code, p.VisitedResidents, q.VisitedResidents, p.SpecialWaiting.N, q.SpecialWaiting.N)
				}
			}
			for code, q := range after {
				p, ok := before[code]
				if ok && (tc.b.Town == "" || q.TownCode == tc.b.Town) && (p.SpecialWaiting.Hidden || q.SpecialWaiting.Hidden) &&
					!slices.ContainsFunc(d.Villages, func(c coverage.VillageChange) bool { return c.VillageCode == code }) {
					t.Errorf("village %s (%s → %s waiting) is not in the diff: it says the hidden figure did not move",
						code, p.SpecialWaiting, q.SpecialWaiting)
				}
			}
			if tc.a.Town == "" && tc.a.AsOf != tc.b.AsOf && both == 0 {
				t.Errorf("diff %d → %d: no village whose change both gap reports show, want some to check the diff against", tc.a.ID, tc.b.ID)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
