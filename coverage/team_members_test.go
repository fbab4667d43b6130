package coverage_test

import (
	"context"
	"testing"

	"lianxin"
	"lianxin/export"
)

// Review 10 (clerk) fault 8: /api/v1/teams and the teams export layer
// counted a team's members under the caller's row-level security, so a team
// leader or a member saw 0 members for every other town's team. The count
// is published; every role that sees teams gets the true one.
func TestTeamMemberCountsEveryRole(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "member-team-count")
	want := map[int32]int64{}
	rows, err := r.conn.Query(ctx, `SELECT team_id, count(*) FROM members GROUP BY team_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int32
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		want[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var otherTowns int
	if err := r.conn.QueryRow(ctx, `SELECT count(DISTINCT team_id) FROM members WHERE town_id <> $1`, r.own.ID).Scan(&otherTowns); err != nil {
		t.Fatal(err)
	}
	if otherTowns == 0 {
		t.Fatal("the demo county has no team with members outside the leader's town: the test proves nothing")
	}
	// The teams export layer keeps to the scope's towns, and counts the
	// same way.
	layer, err := export.LookupLayer("teams")
	if err != nil {
		t.Fatal(err)
	}
	membersField := -1
	for i, f := range layer.Fields {
		if f.Name == "members" {
			membersField = i
		}
	}
	if membersField < 0 {
		t.Fatal("the teams layer has no members field")
	}
	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
	}{
		{"planner", r.planner},
		{"team leader", r.leader},
		{"member", r.member},
	} {
		t.Run(tc.name, func(t *testing.T) {
			teams, err := r.app.Teams(ctx, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if len(teams) != len(want) {
				t.Errorf("Teams as %s: got %d teams, want %d", tc.name, len(teams), len(want))
			}
			for _, tm := range teams {
				if tm.Members != want[tm.ID] {
					t.Errorf("Teams as %s: team %s (town %s) has %d members, want %d", tc.name, tm.Code, tm.TownCode, tm.Members, want[tm.ID])
				}
			}
			got := map[int64]int64{}
			_, err = r.app.ExportRows(ctx, tc.scope, layer, export.Filter{}, export.Page{}, func(row *export.Row) error {
				switch v := row.Values[membersField].(type) {
				case int32:
					got[row.ID] = int64(v)
				case int64:
					got[row.ID] = v
				default:
					t.Errorf("teams layer members of team %d is %T, want an integer", row.ID, v)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("export teams as %s: %v", tc.name, err)
			}
			if len(got) == 0 {
				t.Errorf("teams layer as %s: no teams", tc.name)
			}
			for id, n := range got {
				if n != want[int32(id)] {
					t.Errorf("teams layer as %s: team %d has %d members, want %d", tc.name, id, n, want[int32(id)])
				}
			}
		})
	}
}
