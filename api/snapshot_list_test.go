package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"lianxin/coverage"
)

// GET /api/v1/snapshots says, per snapshot, whether the caller may compare
// it: a team leader's snapshot of a day (mid-week) is not comparable for a
// planner, who is told the day a retake runs to (retake_as_of); the retake,
// POSTed as of the old snapshot's day, is whole weeks, listed comparable,
// and compares. The leader compares their own day snapshots.
func TestSnapshotListComparable(t *testing.T) {
	f := newSnapshotFixture(t)
	mine, planner, leader := f.mine, f.planner, f.leader
	list := func(srvURL string) map[int64]snap {
		t.Helper()
		code, raw := f.call(t, srvURL, "GET", "/api/v1/snapshots", "")
		var got []snap
		if code != http.StatusOK || json.Unmarshal(raw, &got) != nil {
			t.Fatalf("GET /api/v1/snapshots = %d %.300s, want 200 and a list", code, raw)
		}
		out := map[int64]snap{}
		for _, s := range got {
			out[s.ID] = s
		}
		return out
	}
	leaderWed := f.take(t, leader, "2026-06-03", mine.Code) // the day asked: a Wednesday
	leaderThu := f.take(t, leader, "2026-06-11", mine.Code)
	plannerWeek := f.take(t, planner, "2026-06-16", mine.Code) // to 06-20
	if plannerWeek.AsOf != "2026-06-20" {
		t.Fatalf("planner's snapshot as of 06-16: as_of %s, want the week's last day 2026-06-20", plannerWeek.AsOf)
	}
	retake := f.take(t, planner, leaderWed.AsOf, mine.Code)

	cases := []struct {
		name           string
		srv            string
		id             int64
		wantComparable bool
		wantRetake     string
	}{
		{"planner, the leader's Wednesday", planner, leaderWed.ID, false, "2026-06-06"},
		{"planner, the leader's Thursday", planner, leaderThu.ID, false, "2026-06-13"},
		{"planner, own whole weeks", planner, plannerWeek.ID, true, ""},
		{"planner, the retake of the Wednesday", planner, retake.ID, true, ""},
		{"leader, own Wednesday", leader, leaderWed.ID, true, ""},
		{"leader, the planner's whole weeks", leader, plannerWeek.ID, true, ""},
	}
	lists := map[string]map[int64]snap{planner: list(planner), leader: list(leader)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := lists[tc.srv][tc.id]
			if !ok {
				t.Fatalf("snapshot %d is not listed", tc.id)
			}
			if got.Comparable == nil || *got.Comparable != tc.wantComparable || got.RetakeAsOf != tc.wantRetake {
				t.Errorf("snapshot %d listed comparable %v, retake_as_of %q; want %v, %q", tc.id, got.Comparable, got.RetakeAsOf, tc.wantComparable, tc.wantRetake)
			}
		})
	}
	if retake.AsOf != "2026-06-06" {
		t.Errorf("the retake as of %s: as_of %s, want 2026-06-06 (the retake_as_of listed)", leaderWed.AsOf, retake.AsOf)
	}
	// What the list says is what the diff does.
	for _, tc := range []struct {
		name, srv  string
		a, b       int64
		wantStatus int
		wantReason string
	}{
		{"planner, the leader's two days", planner, leaderWed.ID, leaderThu.ID, 400, coverage.SnapReasonNotWholeWeeks},
		{"planner, the retake against whole weeks", planner, retake.ID, plannerWeek.ID, 200, ""},
		{"leader, own two days", leader, leaderWed.ID, leaderThu.ID, 200, ""},
	} {
		t.Run("diff/"+tc.name, func(t *testing.T) {
			code, raw := f.call(t, tc.srv, "GET", fmt.Sprintf("/api/v1/snapshots/%d/diff/%d", tc.a, tc.b), "")
			if code != tc.wantStatus {
				t.Fatalf("diff %d → %d = %d %.300s, want %d", tc.a, tc.b, code, raw, tc.wantStatus)
			}
			if tc.wantReason == "" {
				return
			}
			var got refusalBody
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if got.Error.Details.Reason != tc.wantReason {
				t.Errorf("diff %d → %d refused %+v, want reason %s", tc.a, tc.b, got.Error, tc.wantReason)
			}
		})
	}
}
