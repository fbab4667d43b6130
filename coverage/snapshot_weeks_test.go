package coverage_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
)

// A planner's snapshot is taken over whole campaign weeks, as the planner's
// gap report, summary and village panel are: as_of moves to the last day of
// its week (weeks from 2026-03-01, a Sunday), so snapshots as of 06-01 and
// 06-02 are one window and their diff shows no day's change, and the
// snapshot's figures are the panel's for the same days. A team leader's own
// town and a role with household access keep the day asked.
func TestSnapshotWholeWeeks(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "snapweeks_member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()

	cases := []struct {
		name           string
		scope          lianxin.Scope
		town           string
		asOf           string
		wantAsOf       string // the window's last day the snapshot records
		wantFrom       string
		wantTo         string // its end, exclusive
		wantAsOfAsked  string
		wantSameAsNext bool // the next case asks the next day: same window
	}{
		{"planner, county, Monday 06-01", r.planner, "", "2026-06-01", "2026-06-06", "2026-03-01", "2026-06-07", "2026-06-01", true},
		{"planner, county, Tuesday 06-02", r.planner, "", "2026-06-02", "2026-06-06", "2026-03-01", "2026-06-07", "2026-06-02", false},
		{"planner, county, a week's last day", r.planner, "", "2026-06-06", "2026-06-06", "2026-03-01", "2026-06-07", "2026-06-06", false},
		{"planner, county, a week's first day", r.planner, "", "2026-06-07", "2026-06-13", "2026-03-01", "2026-06-14", "2026-06-07", false},
		{"planner, a town", r.planner, r.own.Code, "2026-06-01", "2026-06-06", "2026-03-01", "2026-06-07", "2026-06-01", false},
		{"leader, own town: the day asked", r.leader, r.own.Code, "2026-06-01", "2026-06-01", "2026-03-01", "2026-06-02", "2026-06-01", false},
		{"household access: the day asked", system, "", "2026-06-01", "2026-06-01", "2026-03-01", "2026-06-02", "2026-06-01", false},
	}
	snaps := make([]coverage.Snapshot, len(cases))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := reports.TakeSnapshot(ctx, tc.scope, r.app, day(tc.asOf), tc.town)
			if err != nil {
				t.Fatalf("snapshot as of %s as %s: %v", tc.asOf, tc.scope.User, err)
			}
			snaps[i] = s
			w := s.SnapshotWindow()
			got := [4]string{s.AsOf.Format(coverage.DayLayout), w.From.Format(coverage.DayLayout), w.To.Format(coverage.DayLayout), s.AsOfAsked.Format(coverage.DayLayout)}
			want := [4]string{tc.wantAsOf, tc.wantFrom, tc.wantTo, tc.wantAsOfAsked}
			if got != want {
				t.Errorf("snapshot asked as of %s as %s: as_of, from, to, as_of_asked = %v, want %v", tc.asOf, tc.scope.User, got, want)
			}
			// The snapshot holds what the same role's gap report (the
			// village panel's figures) says for [campaign start, as_of
			// asked + 1 day): one rounding, one answer.
			rows, gw, err := reports.Gaps(ctx, tc.scope, coverage.GapQuery{Query: coverage.Query{Town: tc.town, From: day("2026-03-01"), To: day(tc.asOf).AddDate(0, 0, 1)}, All: true})
			if err != nil {
				t.Fatal(err)
			}
			if gw != w {
				t.Errorf("as %s: gap report to %s covers %v, the snapshot %v", tc.scope.User, tc.asOf, gw, w)
			}
			stored := map[string]coverage.GapRow{}
			for _, g := range s.Gaps {
				stored[g.VillageCode] = g
			}
			compared := 0
			for _, g := range rows {
				if g.Suppressed {
					continue
				}
				sg, ok := stored[g.VillageCode]
				if !ok {
					t.Errorf("village %s in the gap report, not in the snapshot", g.VillageCode)
					continue
				}
				compared++
				if sg.VisitedResidents != g.VisitedResidents || sg.Visits != g.Visits {
					t.Errorf("as %s, as of %s: village %s visited residents %d, visits %d in the snapshot; the gap report says %d, %d",
						tc.scope.User, tc.asOf, g.VillageCode, sg.VisitedResidents, sg.Visits, g.VisitedResidents, g.Visits)
					break
				}
			}
			if compared == 0 {
				t.Errorf("as %s: no village to compare", tc.scope.User)
			}
		})
	}
	// The two planner snapshots a day apart are one window: no change.
	d, err := reports.Diff(ctx, r.planner, r.app, snaps[0].ID, snaps[1].ID)
	if err != nil {
		t.Fatalf("diff %d → %d as planner: %v", snaps[0].ID, snaps[1].ID, err)
	}
	for k, v := range d.Summary {
		if v != 0 {
			t.Errorf("planner's diff of as_of 06-01 → 06-02: summary %s moved by %v, want 0 (one window)", k, v)
		}
	}
	for _, c := range d.Villages {
		if c.VisitedResidents != 0 || c.ResidentsNeeded != 0 || (c.CoverageBefore != nil) != (c.CoverageAfter != nil) ||
			c.CoverageBefore != nil && *c.CoverageBefore != *c.CoverageAfter {
			t.Errorf("planner's diff of as_of 06-01 → 06-02: village %s moved %+v, want nothing (one window)", c.VillageCode, c)
		}
	}
}

// The snapshot refusals of snapshot_weeks.go: a day that has not come, a
// day before the campaign, two areas compared, and a snapshot that is not
// whole weeks compared by a role bound to them.
func TestSnapshotWindowRefusals(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "snaprefuse_member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	take := func(scope lianxin.Scope, asOf, town string) coverage.Snapshot {
		t.Helper()
		s, err := reports.TakeSnapshot(ctx, scope, r.app, day(asOf), town)
		if err != nil {
			t.Fatalf("snapshot as of %s town %q as %s: %v", asOf, town, scope.User, err)
		}
		return s
	}
	county := take(r.planner, "2026-06-01", "")
	town := take(r.planner, "2026-06-08", r.own.Code)
	leaderA, leaderB := take(r.leader, "2026-06-01", r.own.Code), take(r.leader, "2026-06-02", r.own.Code)

	takes := []struct {
		name       string
		scope      lianxin.Scope
		asOf, town string
		wantReason string // "" the snapshot is taken
	}{
		{"planner, tomorrow", r.planner, "2026-11-28", "", coverage.SnapReasonAsOfFuture},
		{"planner, next year", r.planner, "2027-01-01", "", coverage.SnapReasonAsOfFuture},
		{"leader, tomorrow", r.leader, "2026-11-28", r.own.Code, coverage.SnapReasonAsOfFuture},
		{"planner, before the campaign", r.planner, "2026-01-01", "", coverage.SnapReasonAsOfBeforeCampaign},
		{"planner, the day before the campaign", r.planner, "2026-02-28", "", coverage.SnapReasonAsOfBeforeCampaign},
		{"planner, the campaign's first day", r.planner, "2026-03-01", "", ""},
		{"planner, today", r.planner, "2026-11-27", "", ""},
	}
	for _, tc := range takes {
		t.Run("take/"+tc.name, func(t *testing.T) {
			_, err := reports.TakeSnapshot(ctx, tc.scope, r.app, day(tc.asOf), tc.town)
			checkRefusal(t, "snapshot as of "+tc.asOf, err, tc.wantReason, "as_of")
		})
	}
	diffs := []struct {
		name       string
		scope      lianxin.Scope
		a, b       coverage.Snapshot
		wantReason string
	}{
		{"planner, county against a town", r.planner, county, town, coverage.SnapReasonAreasDiffer},
		{"planner, a town against the county", r.planner, town, county, coverage.SnapReasonAreasDiffer},
		{"system, county against a town", lianxin.SystemScope(), county, town, coverage.SnapReasonAreasDiffer},
		{"planner, the leader's day snapshots", r.planner, leaderA, leaderB, coverage.SnapReasonNotWholeWeeks},
		{"planner, whole weeks against a day", r.planner, town, leaderB, coverage.SnapReasonNotWholeWeeks},
		{"leader, own day snapshots: exact", r.leader, leaderA, leaderB, ""},
		{"planner, whole weeks", r.planner, town, take(r.planner, "2026-06-20", r.own.Code), ""},
	}
	for _, tc := range diffs {
		t.Run("diff/"+tc.name, func(t *testing.T) {
			_, err := reports.Diff(ctx, tc.scope, r.app, tc.a.ID, tc.b.ID)
			checkRefusal(t, "diff", err, tc.wantReason, "")
		})
	}
}

func checkRefusal(t *testing.T, asked string, err error, wantReason, wantField string) {
	t.Helper()
	if wantReason == "" {
		if err != nil {
			t.Errorf("%s: %v, want it done", asked, err)
		}
		return
	}
	ref, ok := lianxin.RefusalOf(err)
	if !ok || ref.Reason != wantReason || ref.Field != wantField || lianxin.ErrorCode(err) != lianxin.EInvalid {
		t.Errorf("%s: %v (refusal %+v, code %s), want invalid, reason %s, field %q", asked, err, ref, lianxin.ErrorCode(err), wantReason, wantField)
	}
}
