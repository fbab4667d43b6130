package store_test

import (
	"context"
	"fmt"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The towns' counts of petition households no diary entry reached are
// cached (every summary and morning check reads them) but never served
// after a write to their inputs, nor to a caller changing its copy, and
// are the same for every signed-in scope.
func TestUnvisitedPetitionHouseholdsCache(t *testing.T) {
	ctx := context.Background()
	_, url, _ := demotest.New(t)
	s := openApp(t, url, store.Options{MaxConns: 2})
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
	planner := lianxin.Scope{User: "planner-petitions", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	count := func(t *testing.T, scope lianxin.Scope, town string, leaveOut []int32) int64 {
		t.Helper()
		got, err := s.UnvisitedPetitionHouseholds(ctx, scope, w, leaveOut)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range got {
			if c.TownCode == town {
				return c.N
			}
		}
		t.Fatalf("no count for town %s in %+v", town, got)
		return 0
	}
	// A petition household not visited in the window, its town and village.
	var household, village int32
	var town string
	if err := queryRow(ctx, url, `SELECT h.id, h.village_id, t.code FROM households h JOIN towns t ON t.id = h.town_id
WHERE h.petition_case AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id
  AND v.occurred_at >= timestamptz '2026-03-01 00:00+08' AND v.occurred_at < timestamptz '2026-11-02 00:00+08')
ORDER BY h.id LIMIT 1`, nil, &household, &village, &town); err != nil {
		t.Fatalf("find an unvisited petition household: %v", err)
	}

	first, err := s.UnvisitedPetitionHouseholds(ctx, planner, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprint(first)
	first[0].N = -1
	first[0].TownCode = "changed"
	again, err := s.UnvisitedPetitionHouseholds(ctx, planner, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(again); got != want {
		t.Fatalf("second answer differs after the caller changed its copy:\n got %s\nwant %s", got, want)
	}
	other := lianxin.Scope{User: "leader-petitions", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1}}
	theirs, err := s.UnvisitedPetitionHouseholds(ctx, other, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(theirs); got != want {
		t.Fatalf("another signed-in scope got %s, want the county-wide counts %s", got, want)
	}

	before := count(t, planner, town, nil)
	if left := count(t, planner, town, []int32{village}); left >= before {
		t.Errorf("leaving the household's village out: %d, want fewer than %d", left, before)
	}
	cases := []struct {
		name  string
		sql   string
		delta int64
	}{
		{"a diary entry reaching the household", `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT 'PETITION-CACHE-V', (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1), h.id, h.village_id, h.town_id,
       timestamptz '2026-06-01 10:00+08', 'household_visit' FROM households h WHERE h.id = $1`, -1},
		{"a household's petition case marked", `UPDATE households SET petition_case = true
WHERE id = (SELECT h.id FROM households h WHERE h.town_id = (SELECT town_id FROM households WHERE id = $1) AND NOT h.petition_case
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id) ORDER BY h.id LIMIT 1)`, +1},
	}
	for _, tc := range cases {
		b := count(t, planner, town, nil)
		if _, err := exec(ctx, url, tc.sql, household); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a := count(t, planner, town, nil); a != b+tc.delta {
			t.Errorf("after %s: town %s counts %d, was %d; want %d (the cache served a stale count)", tc.name, town, a, b, b+tc.delta)
		}
	}
}
