package diary_test

import (
	"errors"
	"testing"
	"time"

	"lianxin"
	"lianxin/diary"
)

// TestMayChange checks who may correct or withdraw an entry they can see,
// at the edge of a member's week.
func TestMayChange(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	week := diary.OwnChangeDays * 24 * time.Hour
	member := lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{1}}
	leader := lianxin.Scope{User: "l", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1}, HouseholdPoints: true}
	leaderNoGrant := leader
	leaderNoGrant.HouseholdPoints = false
	admin := lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true}
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true, HouseholdPoints: true}
	cases := []struct {
		name       string
		scope      lianxin.Scope
		own        bool
		town       int32
		age        time.Duration
		wantReason string // "" allowed
	}{
		{"member, own, just written", member, true, 1, time.Minute, ""},
		{"member, own, exactly a week", member, true, 1, week, ""},
		{"member, own, a week and a second", member, true, 1, week + time.Second, diary.ReasonChangeLate},
		{"member, another's", member, false, 1, time.Minute, diary.ReasonChangeGrant},
		{"leader, own town, old", leader, false, 1, 30 * week, ""},
		{"leader, another town", leader, false, 2, time.Minute, diary.ReasonChangeGrant},
		{"leader without the grant", leaderNoGrant, false, 1, time.Minute, diary.ReasonChangeGrant},
		{"admin, any", admin, false, 9, 30 * week, ""},
		{"planner", planner, false, 1, time.Minute, diary.ReasonChangeRole},
		{"system", lianxin.SystemScope(), false, 9, 30 * week, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := diary.MayChange(tc.scope, tc.own, tc.town, now.Add(-tc.age), now)
			got := ""
			var le *lianxin.Error
			if errors.As(err, &le) {
				got = le.Details.(diary.Refusal).Reason
			} else if err != nil {
				got = err.Error()
			}
			if got != tc.wantReason {
				t.Errorf("MayChange(%s, own %v, town %d, written %v ago) = %q; want %q", tc.scope.User, tc.own, tc.town, tc.age, got, tc.wantReason)
			}
		})
	}
}
