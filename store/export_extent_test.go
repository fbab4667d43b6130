package store_test

import (
	"context"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// A cached extent is current while its tag is unchanged: a layer's tag moves
// with writes to that layer (and, for a member, to the diary, which decides
// what they see), and not with writes to unrelated layers.
func TestExtentVersionFollowsTheLayersInputs(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	member := lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{1}}
	tag := func(scope lianxin.Scope, layer string) string {
		t.Helper()
		l, err := export.LookupLayer(layer)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.ExtentVersion(ctx, scope, l)
		if err != nil || v == "" {
			t.Fatalf("ExtentVersion(%s) = %q, %v", layer, v, err)
		}
		return v
	}
	type probe struct {
		scope lianxin.Scope
		layer string
	}
	probes := []probe{{planner, "households"}, {planner, "visits"}, {planner, "projects"}, {member, "households"},
		{planner, "village_coverage"}}
	cases := []struct {
		name    string
		sql     string
		changes map[int]bool
	}{
		{"a diary entry", `INSERT INTO visits (external_id, member_id, village_id, town_id, occurred_at, kind)
SELECT 'extent-v', m.id, NULL, m.town_id, now(), 'publicity_event' FROM members m ORDER BY m.id LIMIT 1`,
			map[int]bool{1: true, 3: true, 4: true}},
		{"a project moved", `UPDATE projects SET geom = ST_Translate(geom, 0.001, 0) WHERE id = (SELECT min(id) FROM projects)`,
			map[int]bool{2: true}},
		{"a household moved", `UPDATE households SET location = ST_Translate(location, 0.0001, 0) WHERE id = (SELECT min(id) FROM households)`,
			map[int]bool{0: true, 3: true, 4: true}},
	}
	for _, tc := range cases {
		before := make([]string, len(probes))
		for i, p := range probes {
			before[i] = tag(p.scope, p.layer)
		}
		if _, err := exec(ctx, url, tc.sql); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for i, p := range probes {
			after := tag(p.scope, p.layer)
			if changed := after != before[i]; changed != tc.changes[i] {
				t.Errorf("after %s: %s tag for %s %q -> %q: changed %t, want %t",
					tc.name, p.layer, p.scope.User, before[i], after, changed, tc.changes[i])
			}
		}
	}
}
