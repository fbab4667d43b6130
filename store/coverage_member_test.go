package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// A member-only user reads their own visits and contact point alone
// (migration 010). The summary and the members report must not judge their
// colleagues or the town's projects on those rows: a project a colleague
// visited is visited, households assisted are the county's, and the member
// checks speak of the user's own record only. Each figure is compared with
// the system scope's answer for the same town and window.
func TestMemberOnlySummaryAndMembers(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, _ := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2})

	// A member of a town where a key project was visited by colleagues only.
	var memberID, townID int32
	var memberCode, townCode, projectCode string
	err := queryRow(ctx, dbURL, `
SELECT m.id, m.code, t.id, t.code, p.code
FROM projects p
JOIN towns t ON t.id = p.town_id
JOIN members m ON m.town_id = t.id
WHERE p.kind IN ('key_enterprise', 'investment_project', 'key_works')
  AND EXISTS (SELECT 1 FROM visits v WHERE v.project_id = p.id)
  AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.project_id = p.id AND v.member_id = m.id)
  AND EXISTS (SELECT 1 FROM visits v WHERE v.member_id = m.id AND v.kind = 'household_visit')
  AND EXISTS (SELECT 1 FROM visits v WHERE v.town_id = t.id AND v.member_id <> m.id AND v.kind = 'assistance_delivery')
ORDER BY m.code, p.code LIMIT 1`, nil, &memberID, &memberCode, &townID, &townCode, &projectCode)
	if err != nil {
		t.Fatalf("the demo county needs a member whose town has a project only colleagues visited: %v", err)
	}
	if _, err := exec(ctx, dbURL, `INSERT INTO users (username) VALUES ('audit-member')`); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ctx, dbURL, `INSERT INTO user_roles (user_id, role, town_id, member_id)
SELECT id, 'member', $1, $2 FROM users WHERE username = 'audit-member'`, townID, memberID); err != nil {
		t.Fatal(err)
	}
	member := lianxin.Scope{User: "audit-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{townID}}

	now := func() time.Time { return day("2026-11-27") }
	// Whole campaign weeks, so the member's window (widened to whole weeks
	// by the privacy rules) is the system's too.
	q := coverage.Query{Town: townCode, From: day("2026-03-01"), To: day("2026-10-04")}
	sys, err := coverage.NewReports(owner, now).Summary(ctx, lianxin.SystemScope(), q)
	if err != nil {
		t.Fatalf("Summary(system, %+v): %v", q, err)
	}
	got, err := coverage.NewReports(app, now).Summary(ctx, member, q)
	if err != nil {
		t.Fatalf("Summary(member %s, %+v): %v", memberCode, q, err)
	}
	if got.From != sys.From || got.To != sys.To {
		t.Fatalf("member's window [%s, %s), system's [%s, %s): the comparison needs the same window", got.From, got.To, sys.From, sys.To)
	}
	if slices.Contains(sys.Checks.ProjectsWithoutVisit, projectCode) {
		t.Fatalf("system summary lists %s as unvisited; the test needs it visited", projectCode)
	}
	mine := func(codes []string) []string {
		out := []string{}
		for _, c := range codes {
			if c == memberCode {
				out = append(out, c)
			}
		}
		return out
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"households_assisted", got.HouseholdsAssisted, sys.HouseholdsAssisted},
		{"enterprises_visited", got.EnterprisesVisited, sys.EnterprisesVisited},
		{"households_visited", got.HouseholdsVisited, sys.HouseholdsVisited},
		{"projects_without_visit", fmt.Sprint(got.Checks.ProjectsWithoutVisit), fmt.Sprint(sys.Checks.ProjectsWithoutVisit)},
		{"villages_without_visit", fmt.Sprint(got.Checks.VillagesWithoutVisit), fmt.Sprint(sys.Checks.VillagesWithoutVisit)},
		{"members_without_contact_point", fmt.Sprint(got.Checks.MembersWithoutContactPoint), fmt.Sprint(mine(sys.Checks.MembersWithoutContactPoint))},
		{"members_below_target", fmt.Sprint(got.Checks.MembersBelowTarget), fmt.Sprint(mine(sys.Checks.MembersBelowTarget))},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("member %s asked the summary of town %s over [%s, %s): %s = %v, want %v (the system scope's)",
				memberCode, townCode, got.From, got.To, c.name, c.got, c.want)
		}
	}

	// The members report: the member's own row, with the system's figures.
	mq := coverage.Query{From: q.From, To: q.To}
	sysRows, _, err := coverage.NewReports(owner, now).Members(ctx, lianxin.SystemScope(), mq)
	if err != nil {
		t.Fatal(err)
	}
	var want []coverage.MemberRow
	for _, r := range sysRows {
		if r.MemberCode == memberCode {
			want = append(want, r)
		}
	}
	rows, _, err := coverage.NewReports(app, now).Members(ctx, member, mq)
	if err != nil {
		t.Fatalf("Members(member %s): %v", memberCode, err)
	}
	gotJSON, _ := json.Marshal(rows)
	wantJSON, _ := json.Marshal(want)
	if len(want) != 1 || string(gotJSON) != string(wantJSON) {
		t.Errorf("member %s asked the members report: got %d rows %s, want their own row %s", memberCode, len(rows), gotJSON, wantJSON)
	}

	// The member still reads only their own entries (010 unchanged for them).
	var others int64
	err = app.ReadInScope(ctx, member, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE member_id <> $1`, memberID).Scan(&others)
	})
	if err != nil || others != 0 {
		t.Errorf("member %s reads %d visits of other members (err %v), want 0", memberCode, others, err)
	}
}
