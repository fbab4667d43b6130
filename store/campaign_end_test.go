package store_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The campaign's end is written by the server's own role (migration 039),
// and the database itself keeps the rule that only an admin or the system
// scope moves it: a planner and a town's team leader, asking the store
// directly (past the API's own check), are forbidden by the campaign
// policy, and nothing lands, neither the day nor an audit line. The
// admin's write is one audit line, and the role that made the change
// (recorded by a trigger added for the test) is lianxin_app.
func TestCampaignEndAsAppRole(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	// Who wrote the row, as the database sees it: current_user at the
	// update, kept in a table only this test has.
	for _, q := range []string{
		`CREATE TABLE campaign_writers (who text NOT NULL)`,
		`GRANT INSERT ON campaign_writers TO lianxin_app`,
		`CREATE FUNCTION note_campaign_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO campaign_writers VALUES (current_user); RETURN NULL; END $$`,
		`CREATE TRIGGER campaign_writer AFTER UPDATE ON campaign FOR EACH ROW EXECUTE FUNCTION note_campaign_writer()`,
	} {
		if _, err := exec(ctx, dbURL, q); err != nil {
			t.Fatalf("set-up %q: %v", q, err)
		}
	}
	state := func(t *testing.T) (endsOn string, audits int64, writers []string) {
		t.Helper()
		if err := queryRow(ctx, dbURL, `SELECT coalesce(ends_on::text, 'none'),
  (SELECT count(*) FROM audit_log WHERE action = $1),
  (SELECT coalesce(array_agg(who), '{}') FROM campaign_writers)
FROM campaign WHERE id = 1`, []any{store.ActionCampaignEnd}, &endsOn, &audits, &writers); err != nil {
			t.Fatal(err)
		}
		return endsOn, audits, writers
	}
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, coverage.Zone)
	wasEnd, wasAudits, _ := state(t)
	if wasEnd != "2026-09-30" {
		t.Fatalf("set-up: the demo campaign ends on %s, want 2026-09-30", wasEnd)
	}

	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
	}{
		{"planner (county-wide, not an admin)", lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}},
		{"team leader of one town", lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{county.Towns[0].ID}}},
		{"no role at all", lianxin.Scope{User: "nobody", AllTowns: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := app.SetCampaignEnd(ctx, tc.scope, "", &day)
			if lianxin.ErrorCode(err) != lianxin.EForbidden {
				t.Errorf("SetCampaignEnd as %s: %v, want forbidden by the database", tc.scope.User, err)
			}
			if end, audits, writers := state(t); end != wasEnd || audits != wasAudits || len(writers) != 0 {
				t.Errorf("after a refused write: ends_on %s, %d audit lines, writers %v; want %s, %d, none",
					end, audits, writers, wasEnd, wasAudits)
			}
		})
	}

	admin := lianxin.Scope{User: "the-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	cp, err := app.SetCampaignEnd(ctx, admin, "192.0.2.7", &day)
	if err != nil {
		t.Fatalf("SetCampaignEnd as an admin: %v", err)
	}
	if cp.EndsOn == nil || cp.EndsOn.Format(coverage.DayLayout) != "2026-11-30" {
		t.Errorf("SetCampaignEnd answered ends_on %v, want 2026-11-30", cp.EndsOn)
	}
	end, audits, writers := state(t)
	if end != "2026-11-30" || audits != wasAudits+1 || len(writers) != 1 || writers[0] != store.AppRole {
		t.Errorf("after the admin's write: ends_on %s, %d audit lines, written by %v; want 2026-11-30, %d, [%s]",
			end, audits, writers, wasAudits+1, store.AppRole)
	}
	var actor, ip string
	if err := queryRow(ctx, dbURL, `SELECT actor, ip FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1`,
		[]any{store.ActionCampaignEnd}, &actor, &ip); err != nil || actor != "the-admin" || ip != "192.0.2.7" {
		t.Errorf("audit line: actor %q ip %q (%v), want the-admin from 192.0.2.7", actor, ip, err)
	}
}
