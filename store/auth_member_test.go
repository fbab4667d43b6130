package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// A user whose only place-bound role is member sees their own diary
// entries, their own contact point and the households they visited — not
// the rest of their town (migration 010) — while a team leader of the same
// town, and a user who is both, see the whole town.
func TestMemberSeesOwnRowsOnly(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	m := county.Members[0]
	var wantVisits, townVisits, wantContacts, townHouseholds int64
	visited := map[int64]bool{}
	for _, v := range county.Visits {
		if v.TownID == m.TownID {
			townVisits++
		}
		if v.MemberID == m.ID {
			wantVisits++
			if v.HouseholdID != 0 {
				visited[v.HouseholdID] = true
			}
		}
	}
	for _, c := range county.Contacts {
		if c.MemberID == m.ID {
			wantContacts++
		}
	}
	for _, h := range county.Households {
		if h.TownID == m.TownID {
			townHouseholds++
		}
	}
	if wantVisits == 0 || int64(len(visited)) == townHouseholds || wantVisits == townVisits {
		t.Fatalf("member %s has %d visits (town %d), %d households visited (town %d): the test needs a member with some but not all of the town",
			m.Code, wantVisits, townVisits, len(visited), townHouseholds)
	}
	var colleague demo.Member
	for _, c := range county.Members {
		if c.TownID == m.TownID && c.ID != m.ID {
			colleague = c
			break
		}
	}
	if colleague.ID == 0 {
		t.Fatalf("member %s has no colleague in town %d", m.Code, m.TownID)
	}
	err = owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (username) VALUES ('m-only'), ('m-and-leader')`); err != nil {
			return err
		}
		// One account per member (migration 038): the leader is a colleague.
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
			SELECT id, 'member', $1, $2 FROM users WHERE username = 'm-only'`, m.TownID, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
			SELECT id, 'member', $1, $2 FROM users WHERE username = 'm-and-leader'`, m.TownID, colleague.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id)
			SELECT id, 'team_leader', $1 FROM users WHERE username = 'm-and-leader'`, m.TownID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user                                   string
		roles                                  []lianxin.Role
		visits, contacts, households, personal int64
	}{
		{"m-only", []lianxin.Role{lianxin.RoleMember}, wantVisits, wantContacts, int64(len(visited)), 0},
		{"m-and-leader", []lianxin.Role{lianxin.RoleMember, lianxin.RoleTeamLeader}, townVisits, -1, townHouseholds, townHouseholds},
	}
	for _, tc := range cases {
		scope := lianxin.Scope{User: tc.user, Roles: tc.roles, Towns: []int32{m.TownID},
			HouseholdPoints: tc.personal > 0, PersonalFields: tc.personal > 0}
		var visits, contacts, households, personal, otherMembers int64
		err := app.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM visits), (SELECT count(*) FROM contact_points),
			        (SELECT count(*) FROM households), (SELECT count(*) FROM household_personal),
			        (SELECT count(*) FROM visits WHERE member_id <> $1)`, m.ID).
				Scan(&visits, &contacts, &households, &personal, &otherMembers)
		})
		if err != nil {
			t.Fatal(err)
		}
		if visits != tc.visits || households != tc.households || personal != tc.personal ||
			(tc.contacts >= 0 && contacts != tc.contacts) {
			t.Errorf("%s sees %d visits, %d contact points, %d households, %d personal rows; want %d, %d, %d, %d",
				tc.user, visits, contacts, households, personal, tc.visits, tc.contacts, tc.households, tc.personal)
		}
		if tc.user == "m-only" && otherMembers != 0 {
			t.Errorf("%s sees %d visits of other members, want 0", tc.user, otherMembers)
		}
	}
}
