package coverage_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// townRoles is the demo county read as the server reads it (its database
// role, under row-level security, no coverage cache), with a member account
// for the first member of the first town: where the tests of what a
// planner, a team leader and a member each see begin.
type townRoles struct {
	app        *store.Store
	conn       *pgx.Conn // the owner's connection, for set-ups
	county     *demo.County
	own, other demo.Town // the leader's and member's town, and another
	memberID   int32     // the member account's member

	planner, leader, member lianxin.Scope
}

// newTownRoles makes the county and the member account memberUser.
func newTownRoles(t *testing.T, memberUser string) townRoles {
	t.Helper()
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole, CoverageCache: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	r := townRoles{app: app, conn: storetest.Connect(t, dbURL), county: county, own: county.Towns[0], other: county.Towns[1]}
	if err := r.conn.QueryRow(ctx, `SELECT id FROM members WHERE town_id = $1 ORDER BY code LIMIT 1`, r.own.ID).Scan(&r.memberID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.conn.Exec(ctx, `INSERT INTO users (username) VALUES ($1)`, memberUser); err != nil {
		t.Fatal(err)
	}
	if _, err := r.conn.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
SELECT id, 'member', $2, $3 FROM users WHERE username = $1`, memberUser, r.own.ID, r.memberID); err != nil {
		t.Fatal(err)
	}
	r.planner = lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	r.leader = lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{r.own.ID}, HouseholdPoints: true}
	r.member = lianxin.Scope{User: memberUser, Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{r.own.ID}}
	return r
}
