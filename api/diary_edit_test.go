package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/coverage"
	"lianxin/demo"
	"lianxin/diary"
)

// TestDiaryCorrectDelete drives PATCH and DELETE /api/v1/diary/{id} through
// the server's role over the demo county, in order: who may change which
// entry (a member their own within diary.OwnChangeDays, a team leader with
// household_points their town's, an admin any; another town's entry, and
// for a member another member's, answers 404 like a missing one; a planner
// 403), the 400s, the audit lines with before and after, and the coverage
// (through its version-keyed cache) following a withdrawal.
func TestDiaryCorrectDelete(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t, "edit-member")
	owner, app, county, svc, m := f.owner, f.app, f.county, f.svc, f.county.Members[0]
	var m2, mOther demo.Member
	for _, x := range county.Members[1:] {
		if x.TownID == m.TownID && m2.ID == 0 {
			m2 = x
		}
		if x.TownID != m.TownID && mOther.ID == 0 {
			mOther = x
		}
	}
	var hhA, hhA2, hhB demo.Household
	for _, h := range county.Households {
		switch {
		case h.TownID == m.TownID && hhA.ID == 0:
			hhA = h
		case h.TownID == m.TownID && hhA2.ID == 0 && h.VillageID != hhA.VillageID:
			hhA2 = h
		case h.TownID == mOther.TownID && hhB.ID == 0:
			hhB = h
		}
	}
	if m2.ID == 0 || mOther.ID == 0 || hhA2.ID == 0 || hhB.ID == 0 {
		t.Fatal("demo county without two members of a town, another town's member, or two villages' households")
	}
	member := lianxin.Scope{User: "edit-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{m.TownID}}
	write := func(scope lianxin.Scope, id, household, code string) diary.Written {
		t.Helper()
		w, err := svc.Write(ctx, scope, diary.Request{ID: id, Household: household, Member: code, Kind: "household_visit",
			Notes: "问了用水", OccurredAt: "2026-09-20 09:00"}, "")
		if err != nil {
			t.Fatalf("write %s: %v", id, err)
		}
		return w
	}
	sys := lianxin.SystemScope()
	e1 := write(member, "app-edit-0001", hhA.ExternalID, "")
	write(member, "app-edit-0002", hhA.ExternalID, "")
	write(sys, "app-edit-0003", hhA.ExternalID, m2.Code)
	write(sys, "app-edit-0004", hhB.ExternalID, mOther.Code)
	write(member, "app-edit-0005", hhA.ExternalID, "")
	if err := owner.InScope(ctx, sys, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE visits SET recorded_at = now() - interval '8 days' WHERE external_id = 'app-edit-0002'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	server := f.server
	memberSrv := server(member)
	leaderSrv := server(lianxin.Scope{User: "edit-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{m.TownID}, HouseholdPoints: true})
	leaderNoGrant := server(lianxin.Scope{User: "edit-leader2", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{m.TownID}})
	otherLeader := server(lianxin.Scope{User: "edit-leader3", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{mOther.TownID}, HouseholdPoints: true})
	adminSrv := server(lianxin.Scope{User: "edit-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true, HouseholdPoints: true})
	plannerSrv := server(lianxin.Scope{User: "edit-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true, HouseholdPoints: true})

	do := func(srv *api.Server, method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	window := coverage.Window{From: time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), To: time.Now().Add(24 * time.Hour)}
	villageVisits := func(code string) int64 {
		t.Helper()
		vs, err := app.VillageCoverage(ctx, sys, window, coverage.Filter{Villages: []string{code}})
		if err != nil || len(vs) != 1 {
			t.Fatalf("coverage of village %s: %v, %d rows", code, err, len(vs))
		}
		return vs[0].Visits
	}
	visitsBefore := villageVisits(e1.Village)
	layerVersion := func() int64 {
		t.Helper()
		var v int64
		if err := owner.InScope(ctx, sys, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT version FROM layer_versions WHERE layer = 'visits'`).Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	versionBefore := layerVersion()

	cases := []struct {
		name       string
		srv        *api.Server
		method     string
		path, body string
		wantStatus int
		wantInBody string
	}{
		{"member corrects own household", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"household":"` + hhA2.ExternalID + `","reason":"户编号写错"}`, 200, `"household":"` + hhA2.ExternalID + `"`},
		{"member corrects own time", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"occurred_at":"2026-09-21 10:00"}`, 200, `"occurred_at":"2026-09-21T10:00:00+08:00"`},
		{"member, own entry of 8 days ago", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0002", `{"notes":"补记"}`, 403, `"reason":"change_late"`},
		{"member deletes own entry of 8 days ago", memberSrv, http.MethodDelete, "/api/v1/diary/app-edit-0002", ``, 403, `"reason":"change_late"`},
		{"member, another member's entry", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0003", `{"notes":"x"}`, 404, `"reason":"no_entry"`},
		{"member, another town's entry", memberSrv, http.MethodDelete, "/api/v1/diary/app-edit-0004", ``, 404, `"reason":"no_entry"`},
		{"member, no such entry", memberSrv, http.MethodDelete, "/api/v1/diary/app-edit-9999", ``, 404, `"reason":"no_entry"`},
		{"member moves own entry to another member", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"member":"` + m2.Code + `"}`, 403, "as themselves only"},
		{"member, empty correction", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{}`, 400, `"reason":"change_empty"`},
		{"member, unknown field", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"village":"x"}`, 400, `"village: unknown field`},
		{"member, bad time", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"occurred_at":"2026-02-01 10:00"}`, 400, `before the campaign began`},
		{"member, another town's household", memberSrv, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"household":"` + hhB.ExternalID + `"}`, 404, `"reason":"no_household"`},
		{"planner", plannerSrv, http.MethodDelete, "/api/v1/diary/app-edit-0001", ``, 403, `needs the member, team_leader or admin role`},
		{"leader of another town", otherLeader, http.MethodPatch, "/api/v1/diary/app-edit-0001", `{"notes":"x"}`, 404, `"reason":"no_entry"`},
		{"leader without household_points", leaderNoGrant, http.MethodPatch, "/api/v1/diary/app-edit-0003", `{"notes":"x"}`, 403, `"reason":"change_grant"`},
		{"leader corrects the member of an entry", leaderSrv, http.MethodPatch, "/api/v1/diary/app-edit-0003", `{"member":"` + m.Code + `"}`, 200, `"member":"` + m.Code + `"`},
		{"leader corrects an entry of 8 days ago", leaderSrv, http.MethodPatch, "/api/v1/diary/app-edit-0002", `{"kind":"村居座谈会"}`, 200, `"kind":"village_meeting"`},
		{"admin withdraws another town's entry", adminSrv, http.MethodDelete, "/api/v1/diary/app-edit-0004?reason=重复", ``, 200, `"deleted":{"id":"app-edit-0004"`},
		{"member withdraws own entry", memberSrv, http.MethodDelete, "/api/v1/diary/app-edit-0005", ``, 200, `"deleted":{"id":"app-edit-0005"`},
		{"again", memberSrv, http.MethodDelete, "/api/v1/diary/app-edit-0005", ``, 404, `"reason":"no_entry"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := do(tc.srv, tc.method, tc.path, tc.body)
			if w.Code != tc.wantStatus || !strings.Contains(w.Body.String(), tc.wantInBody) {
				t.Errorf("%s %s %s = %d %s; want %d with %s", tc.method, tc.path, tc.body, w.Code, w.Body, tc.wantStatus, tc.wantInBody)
			}
		})
	}

	// The first correction moved app-edit-0001 to hhA2's village and the
	// withdrawal took app-edit-0005 away: hhA's village counts two fewer,
	// through the cache keyed by the visits layer's version.
	if got := villageVisits(e1.Village); got != visitsBefore-2 {
		t.Errorf("village %s visits after moving one entry away and withdrawing one: %d; want %d", e1.Village, got, visitsBefore-2)
	}

	if got := layerVersion(); got <= versionBefore {
		t.Errorf("visits layer version after corrections and withdrawals: %d; want more than %d (tiles and caches key on it)", got, versionBefore)
	}

	// The list says which entries the caller may change.
	w := do(memberSrv, http.MethodGet, "/api/v1/diary?limit=500", "")
	var list struct{ Entries []diary.Written }
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatalf("GET /api/v1/diary: %v %s", err, w.Body)
	}
	may := map[string]bool{}
	for _, e := range list.Entries {
		may[e.ID] = e.MayChange
	}
	for id, want := range map[string]bool{"app-edit-0001": true, "app-edit-0002": false} {
		if got, ok := may[id]; !ok || got != want {
			t.Errorf("member's list: %s may_change %v (listed %v); want %v", id, got, ok, want)
		}
	}

	// The audit log holds each change with before and after.
	type line struct {
		actor, action string
		detail        map[string]any
	}
	var lines []line
	if err := owner.InScope(ctx, sys, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT actor, action, detail FROM audit_log WHERE action IN ('diary_correct', 'diary_delete') ORDER BY id`)
		if err != nil {
			return err
		}
		lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (line, error) {
			var l line
			err := r.Scan(&l.actor, &l.action, &l.detail)
			return l, err
		})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 6 {
		t.Fatalf("audit lines of corrections and withdrawals: %d (%v); want 6 (4 corrections, 2 withdrawals)", len(lines), lines)
	}
	first := lines[0]
	before, _ := first.detail["before"].(map[string]any)
	after, _ := first.detail["after"].(map[string]any)
	if first.actor != "edit-member" || first.action != "diary_correct" || first.detail["entry"] != "app-edit-0001" ||
		before["household"] != hhA.ExternalID || after["household"] != hhA2.ExternalID || first.detail["reason"] != "户编号写错" {
		t.Errorf("first audit line: %+v; want edit-member's diary_correct of app-edit-0001, household %s → %s, with its reason", first, hhA.ExternalID, hhA2.ExternalID)
	}
	if _, ok := after["notes"]; ok {
		t.Errorf("first audit line's after holds notes, which did not change: %v", after)
	}
	del := lines[4]
	if del.actor != "edit-admin" || del.action != "diary_delete" || del.detail["entry"] != "app-edit-0004" || del.detail["reason"] != "重复" {
		t.Errorf("withdrawal's audit line: %+v; want edit-admin's diary_delete of app-edit-0004 with reason 重复", del)
	}
}
