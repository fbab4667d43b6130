package tiles

import (
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/geo"
)

// The cache key holds everything a tile's bytes depend on and nothing
// else: scopes that see the same rows share tiles, scopes that do not never
// do, and a version bump or a new day (for an open window) makes a new key.
func TestCacheKey(t *testing.T) {
	villages, _ := LookupLayer("villages")
	h3, _ := LookupLayer(H3)
	tile := geo.TileZXY{Z: 12, X: 3413, Y: 1660}
	now := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC) // 27 Nov in UTC+8
	v := Versions{"villages": 3, "households": 5, "visits": 7, "towns": 2, CampaignTable: 4}
	planner := lianxin.Scope{User: "a", Roles: []lianxin.Role{lianxin.RolePlanner, lianxin.RoleAdmin}, AllTowns: true}
	plannerSorted := lianxin.Scope{User: "b", Roles: []lianxin.Role{lianxin.RoleAdmin, lianxin.RolePlanner}, AllTowns: true}
	leaderAB := lianxin.Scope{User: "c", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{2, 1}}
	leaderBA := lianxin.Scope{User: "d", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1, 2}}
	member := lianxin.Scope{User: "e", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{1}}
	member2 := lianxin.Scope{User: "f", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{1}}
	leader := lianxin.Scope{User: "g", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{1}, HouseholdPoints: true}
	req := Request{Layers: []*Layer{villages}, Tile: tile}
	midWeek := Request{Layers: []*Layer{villages}, Tile: tile, Filter: Filter{From: time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 6, 17, 0, 0, 0, 0, time.UTC)}}
	fromReq := Request{Layers: []*Layer{villages}, Tile: tile, Filter: Filter{From: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}}
	key := func(s lianxin.Scope, r Request, v Versions, now time.Time) string {
		return string(appendKey(nil, s, r, v, dayKey(now)))
	}
	base := key(planner, req, v, now)
	if want := tileRev + "|villages@~today=2026-11-27:c4|:3:5:7:2|12/3413/1660|admin+planner/all"; base != want {
		t.Errorf("key = %q, want %q", base, want)
	}
	cases := []struct {
		name string
		a, b string
		same bool
	}{
		{"roles in another order", base, key(plannerSorted, req, v, now), true},
		{"towns in another order", key(leaderAB, req, v, now), key(leaderBA, req, v, now), true},
		{"two members of one town", key(member, req, v, now), key(member2, req, v, now), false},
		{"a version bump", base, key(planner, req, Versions{"villages": 3, "households": 6, "visits": 7, "towns": 2, CampaignTable: 4}, now), false},
		{"a campaign change, open window", base, key(planner, req, Versions{"villages": 3, "households": 5, "visits": 7, "towns": 2, CampaignTable: 5}, now), false},
		{"a campaign change, window from a day", key(planner, fromReq, v, now), key(planner, fromReq, Versions{"villages": 3, "households": 5, "visits": 7, "towns": 2, CampaignTable: 5}, now), true},
		{"the next day", base, key(planner, req, v, now.Add(24*time.Hour)), false},
		{"a town filter", base, key(planner, Request{Layers: req.Layers, Tile: tile, Filter: Filter{TownCode: "T01"}}, v, now), false},
		{"another tile", base, key(planner, Request{Layers: req.Layers, Tile: geo.TileZXY{Z: 12, X: 3413, Y: 1661}}, v, now), false},
		{"a metric for h3", key(planner, Request{Layers: []*Layer{h3}, Tile: tile}, v, now),
			key(planner, Request{Layers: []*Layer{h3}, Tile: tile, Filter: Filter{Metric: "visits"}}, v, now), false},
		// A team leader's own town is exact over the window asked, a
		// planner's tile whole weeks everywhere: never one tile.
		{"a planner and a team leader, window not whole weeks", key(planner, midWeek, v, now), key(leader, midWeek, v, now), false},
		{"a planner and a team leader, default window", base, key(leader, req, v, now), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if (tc.a == tc.b) != tc.same {
				t.Errorf("keys %q and %q: equal = %v, want %v", tc.a, tc.b, tc.a == tc.b, tc.same)
			}
		})
	}
	if !strings.HasSuffix(key(member, req, v, now), "/u:e") {
		t.Errorf("a member's key %q does not end with the member", key(member, req, v, now))
	}
	if planner.Roles[0] != lianxin.RolePlanner || leaderAB.Towns[0] != 2 {
		t.Errorf("appendKey sorted the caller's scope in place: roles %v, towns %v", planner.Roles, leaderAB.Towns)
	}
}
