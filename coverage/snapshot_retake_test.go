package coverage_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
)

// A snapshot whose window ends within a campaign week — a planner's saved
// before snapshots were widened to whole weeks, or a team leader's of a
// day — is listed as not comparable for a role bound to whole weeks, with
// the day a snapshot taken again as of its as_of runs to; that retake is
// whole weeks and compares. Roles with household access compare anything.
func TestSnapshotMarkComparable(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "snapmark_member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()
	take := func(scope lianxin.Scope, asOf, town string) coverage.Snapshot {
		t.Helper()
		s, err := reports.TakeSnapshot(ctx, scope, r.app, day(asOf), town)
		if err != nil {
			t.Fatalf("snapshot as of %s town %q as %s: %v", asOf, town, scope.User, err)
		}
		return s
	}
	// A planner's snapshot as of a Wednesday, as stored before snapshots
	// were widened: the figures of a day-exact snapshot, saved as the
	// planner's (the store saves the window it is given).
	exact := take(system, "2026-06-03", "")
	full, err := r.app.Snapshot(ctx, system, exact.ID)
	if err != nil {
		t.Fatal(err)
	}
	old, err := r.app.SaveSnapshot(ctx, r.planner, coverage.Snapshot{AsOf: full.AsOf, From: full.From, Gaps: full.Gaps, Summary: full.Summary})
	if err != nil {
		t.Fatalf("save the planner's mid-week snapshot: %v", err)
	}
	weeks := take(r.planner, "2026-06-01", "")            // as of 06-06, the week's last day
	saturday := take(system, "2026-06-13", "")            // exact, and a week's last day
	leaderDay := take(r.leader, "2026-06-02", r.own.Code) // the leader's own town: the day asked

	cases := []struct {
		name           string
		scope          lianxin.Scope
		snap           coverage.Snapshot
		wantComparable bool
		wantRetake     string // "" none
	}{
		{"planner, own mid-week snapshot", r.planner, old, false, "2026-06-06"},
		{"planner, own whole-week snapshot", r.planner, weeks, true, ""},
		{"planner, an exact snapshot ending on a week's last day", r.planner, saturday, true, ""},
		{"planner, the system's Wednesday", r.planner, exact, false, "2026-06-06"},
		{"planner, the leader's Tuesday", r.planner, leaderDay, false, "2026-06-06"},
		{"leader, own Tuesday", r.leader, leaderDay, true, ""},
		{"system, the planner's mid-week snapshot", system, old, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := r.app.Snapshots(ctx, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if err := reports.MarkComparable(ctx, tc.scope, list); err != nil {
				t.Fatalf("mark comparable as %s: %v", tc.scope.User, err)
			}
			var got *coverage.Snapshot
			for i := range list {
				if list[i].ID == tc.snap.ID {
					got = &list[i]
				}
			}
			if got == nil {
				t.Fatalf("snapshot %d is not in %s's list", tc.snap.ID, tc.scope.User)
			}
			if got.Comparable == nil || *got.Comparable != tc.wantComparable {
				t.Errorf("as %s: snapshot %d (as of %s) comparable %v, want %v", tc.scope.User, tc.snap.ID, got.AsOf.Format(coverage.DayLayout), got.Comparable, tc.wantComparable)
			}
			retake := ""
			if !got.RetakeAsOf.IsZero() {
				retake = got.RetakeAsOf.Format(coverage.DayLayout)
			}
			if retake != tc.wantRetake {
				t.Errorf("as %s: snapshot %d retake as of %q, want %q", tc.scope.User, tc.snap.ID, retake, tc.wantRetake)
			}
			// The list says what the diff decides: against a whole-week
			// snapshot of its area, refused exactly when not comparable.
			other := weeks
			if tc.snap.Town != "" {
				other = take(r.planner, "2026-06-20", tc.snap.Town)
			}
			_, err = reports.Diff(ctx, tc.scope, r.app, tc.snap.ID, other.ID)
			want := ""
			if !tc.wantComparable {
				want = coverage.SnapReasonNotWholeWeeks
			}
			checkRefusal(t, "diff as "+tc.scope.User, err, want, "")
		})
	}

	// The retake the list offers: as of the old snapshot's as_of, taken
	// over whole weeks to the day the list said, and compared.
	retake := take(r.planner, old.AsOf.Format(coverage.DayLayout), "")
	if got := retake.AsOf.Format(coverage.DayLayout); got != "2026-06-06" {
		t.Fatalf("retake of snapshot %d as of %s: as of %s, want 2026-06-06", old.ID, old.AsOf.Format(coverage.DayLayout), got)
	}
	d, err := reports.Diff(ctx, r.planner, r.app, weeks.ID, retake.ID)
	if err != nil {
		t.Fatalf("diff of the retake as planner: %v", err)
	}
	for k, v := range d.Summary {
		if v != 0 {
			t.Errorf("retake against the planner's snapshot of the same week: summary %s moved by %v, want 0", k, v)
		}
	}
}
