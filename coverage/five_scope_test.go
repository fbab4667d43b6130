package coverage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// The summary's five full coverages for a team leader and a member cover
// the area they ask about as a planner sees it, their own town exactly: an
// unvisited village or a town's special groups waiting are never silent
// zeros because the town is not theirs (they were: a leader's county view
// listed no unvisited village outside their town, and another town's
// special groups all read 0). Only projects and members, rows a leader or a
// member reads in their own town alone, are judged over their own town
// (five_coverages.towns) and are null, not empty, for another town.
func TestFiveCoveragesCoverEveryTownAsked(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "five-member")
	app, county, own, other := r.app, r.county, r.own, r.other
	villageTown := map[string]string{}
	townCode := map[int32]string{}
	for _, tw := range county.Towns {
		townCode[tw.ID] = tw.Code
	}
	for _, v := range county.Villages {
		villageTown[v.Code] = townCode[v.TownID]
	}

	now := func() time.Time { return day("2026-11-27") }
	// One whole week: much is still unvisited, and every role's window is
	// the one asked.
	w := coverage.Query{From: day("2026-03-01"), To: day("2026-03-08")}
	reports := coverage.NewReports(app, now)
	system := lianxin.SystemScope()
	planner, leader, member := r.planner, r.leader, r.member

	summary := func(scope lianxin.Scope, town string) coverage.Summary {
		t.Helper()
		q := w
		q.Town = town
		s, err := reports.Summary(ctx, scope, q)
		if err != nil {
			t.Fatalf("Summary(%s, town %q): %v", scope.User, town, err)
		}
		if s.From != "2026-03-01" || s.To != "2026-03-08" {
			t.Fatalf("Summary(%s, town %q) covers [%s, %s), want the week asked", scope.User, town, s.From, s.To)
		}
		return s
	}
	// inTown keeps the village codes of town (or of every other town).
	inTown := func(codes []string, town string, want bool) []string {
		out := []string{}
		for _, c := range codes {
			if (villageTown[c] == town) == want {
				out = append(out, c)
			}
		}
		return out
	}

	cases := []struct {
		name   string
		scope  lianxin.Scope
		town   string
		towns  []string // five_coverages.towns, nil: every town of the area
		judged bool     // projects and members judged (lists, not null)
		// members: the member checks judged; a member-only user reads their
		// own row alone, so never (review 3, fault 5).
		members bool
	}{
		{"leader, county", leader, "", []string{own.Code}, true, true},
		{"leader, another town", leader, other.Code, []string{}, false, false},
		{"leader, own town", leader, own.Code, []string{own.Code}, true, true},
		{"member, county", member, "", []string{own.Code}, true, false},
		{"member, another town", member, other.Code, []string{}, false, false},
		{"planner, another town", planner, other.Code, nil, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := summary(tc.scope, tc.town).Checks
			pl := summary(planner, tc.town).Checks
			exact := summary(system, tc.town).Checks
			if fmt.Sprint(got.Towns) != fmt.Sprint(tc.towns) || (got.Towns == nil) != (tc.towns == nil) {
				t.Errorf("five_coverages.towns = %#v, want %#v", got.Towns, tc.towns)
			}
			// Villages: the planner's (published) outside the own town, the
			// exact list inside it for household access there.
			wantVillages := slices.Clone(pl.VillagesWithoutVisit)
			if tc.scope.HouseholdPoints {
				wantVillages = append(inTown(pl.VillagesWithoutVisit, own.Code, false), inTown(exact.VillagesWithoutVisit, own.Code, true)...)
			}
			slices.Sort(wantVillages)
			if len(inTown(wantVillages, own.Code, false)) == 0 && tc.town != own.Code {
				t.Fatalf("set-up: the planner sees no unvisited village outside town %s in the week; the case checks nothing", own.Code)
			}
			gotVillages := slices.Sorted(slices.Values(got.VillagesWithoutVisit))
			if fmt.Sprint(gotVillages) != fmt.Sprint(wantVillages) {
				t.Errorf("villages_without_visit (town %q) = %v, want %v", tc.town, gotVillages, wantVillages)
			}
			if fmt.Sprint(got.TownsWithoutActivity) != fmt.Sprint(pl.TownsWithoutActivity) {
				t.Errorf("towns_without_activity = %v, want the planner's %v", got.TownsWithoutActivity, pl.TownsWithoutActivity)
			}
			// Special groups: every count shown is the exact count, and a
			// town's groups are not all blank or zero where households wait.
			shown := 0
			for _, g := range coverage.Groups {
				if got.SpecialUnvisited.Hidden(g) {
					if tc.scope.HouseholdPoints && tc.town == own.Code {
						t.Errorf("special_unvisited %s hidden in the leader's own town", g)
					}
					continue
				}
				shown++
				if got.SpecialUnvisited.Get(g) != exact.SpecialUnvisited.Get(g) {
					t.Errorf("special_unvisited %s (town %q) = %d, want %d (exact; the planner sees %v)", g, tc.town,
						got.SpecialUnvisited.Get(g), exact.SpecialUnvisited.Get(g), pl.SpecialUnvisited.Published(g))
				}
			}
			if shown == 0 && exact.SpecialUnvisited.Total() > 0 {
				t.Errorf("special_unvisited (town %q): every group hidden, exact total %d", tc.town, exact.SpecialUnvisited.Total())
			}
			// Projects and members: lists over the judged towns, or null.
			for name, list := range map[string][]string{"projects_without_visit": got.ProjectsWithoutVisit,
				"members_below_target": got.MembersBelowTarget, "members_without_contact_point": got.MembersWithoutContactPoint} {
				want := tc.judged
				if name != "projects_without_visit" {
					want = tc.members
				}
				if (list != nil) != want {
					t.Errorf("%s = %#v, want judged %t (a list, or null when not judged)", name, list, want)
				}
			}
		})
	}
}

// A member sees their own households contacted exactly: a new member at 3
// of 10 once read "<11" on their own row (their diary lists those entries
// one by one anyway). Other rows stay as the privacy rules say: "<10" for
// a planner, exact for the member's team leader.
func TestMembersOwnRowIsExact(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole, CoverageCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	own := county.Towns[0]
	conn := storetest.Connect(t, dbURL)
	var memberID int32
	var memberCode string
	if err := conn.QueryRow(ctx, `SELECT id, code FROM members WHERE town_id = $1 ORDER BY code LIMIT 1`, own.ID).Scan(&memberID, &memberCode); err != nil {
		t.Fatal(err)
	}
	// The member keeps three entries, in three households.
	if _, err := conn.Exec(ctx, `DELETE FROM visits WHERE member_id = $1 AND id NOT IN (
  SELECT id FROM (SELECT DISTINCT ON (household_id) id FROM visits
                  WHERE member_id = $1 AND kind = 'household_visit' AND household_id IS NOT NULL
                  ORDER BY household_id, id) f ORDER BY id LIMIT 3)`, memberID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO users (username) VALUES ('newbie')`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
SELECT id, 'member', $1, $2 FROM users WHERE username = 'newbie'`, own.ID, memberID); err != nil {
		t.Fatal(err)
	}
	reports := coverage.NewReports(app, func() time.Time { return day("2026-11-27") })
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-10-04")} // whole weeks
	cases := []struct {
		name   string
		scope  lianxin.Scope
		rows   int // rows listed, 0: any
		hidden bool
	}{
		{"the member", lianxin.Scope{User: "newbie", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{own.ID}}, 1, false},
		{"their team leader", lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}, 0, false},
		{"a planner", lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, _, err := reports.Members(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			if tc.rows > 0 && len(rows) != tc.rows {
				t.Errorf("members report as %s: %d rows, want %d", tc.scope.User, len(rows), tc.rows)
			}
			i := slices.IndexFunc(rows, func(r coverage.MemberRow) bool { return r.MemberCode == memberCode })
			if i < 0 {
				t.Fatalf("members report as %s: no row for %s", tc.scope.User, memberCode)
			}
			got := rows[i].HouseholdsContacted
			if got.N != 3 || got.Hidden() != tc.hidden {
				t.Errorf("members report as %s: %s households_contacted = %+v, want 3 hidden=%t", tc.scope.User, memberCode, got, tc.hidden)
			}
			if rows[i].MeetsTarget {
				t.Errorf("members report as %s: %s meets the ten-household target with 3", tc.scope.User, memberCode)
			}
		})
	}
}
