package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/spotcheck"
)

// TestSpotCheckCorrections drives the correction and the withdrawal of
// spot-check results through the server's role over the demo county: the
// checker who recorded a result, or an admin, corrects it inside its round
// (the whole finding: a score left out is cleared) or withdraws it, after
// which the entry may be recorded again in the round; another leader of the
// same town is refused (result_not_yours), a leader of another town meets
// the result as missing, and planners and members may not; once the round
// is over (the campaign moved a week earlier) the result stands
// (round_closed). Row-level security holds the same lines on its own, the
// ranking counts the corrected verdict, and the audit log keeps each
// change with what the result said before. round=current lists the
// results that may still be put right.
func TestSpotCheckCorrections(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t, "scc-member")
	server := f.reportServer
	call := func(srv *api.Server, method, path, body string) (int, []byte) {
		t.Helper()
		res, b := do(t, srv, method, path, body)
		return res.StatusCode, b
	}
	reasonOf := func(body []byte) string {
		var e struct {
			Error struct {
				Details struct {
					Reason string `json:"reason"`
				} `json:"details"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return e.Error.Details.Reason
	}
	admin := lianxin.Scope{User: "scc-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	adminSrv := server(admin)
	plannerSrv := server(lianxin.Scope{User: "scc-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})

	// Two entries of one team from the admin's sample.
	const seed = 11
	code, body := call(adminSrv, "GET", fmt.Sprintf("/api/v1/reports/diary-sample?n=5&seed=%d", seed), "")
	var sample struct {
		Rows []sampled `json:"rows"`
	}
	if code != 200 || json.Unmarshal(body, &sample) != nil {
		t.Fatalf("diary sample = %d %s", code, body)
	}
	var a1, a2 sampled
	for _, r := range sample.Rows {
		switch {
		case a1.Entry == 0:
			a1 = r
		case r.Team == a1.Team && a2.Entry == 0:
			a2 = r
		}
	}
	if a2.Entry == 0 {
		t.Fatalf("the sample holds no two entries of one team: %+v", sample.Rows)
	}
	var townA, townB int32
	if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT id FROM towns WHERE code = $1), (SELECT min(id) FROM towns WHERE code <> $1)`, a1.TownCode).Scan(&townA, &townB)
	}); err != nil {
		t.Fatal(err)
	}
	leader := func(user string, town int32) lianxin.Scope {
		return lianxin.Scope{User: user, Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town}}
	}
	leaderA, leaderA2, leaderB := leader("scc-leader-a", townA), leader("scc-leader-a2", townA), leader("scc-leader-b", townB)
	leaderASrv, leaderA2Srv, leaderBSrv := server(leaderA), server(leaderA2), server(leaderB)
	memberSrv := server(lianxin.Scope{User: "scc-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{f.county.Members[0].TownID}})

	record := func(srv *api.Server, entry int64, finding string) spotcheck.Result {
		t.Helper()
		code, body := call(srv, "POST", "/api/v1/spot-checks", fmt.Sprintf(`{"entry":%d,"seed":%d,%s}`, entry, seed, finding))
		var r spotcheck.Result
		if code != 201 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("record entry %d = %d %s, want 201", entry, code, body)
		}
		return r
	}
	r1 := record(leaderASrv, a1.Entry, `"verdict":"ok","score":80,"note":"电话核实"`)
	r2 := record(adminSrv, a2.Entry, `"verdict":"failed","score":30`)
	path := func(id int64) string { return fmt.Sprintf("/api/v1/spot-checks/%d", id) }

	cases := []struct {
		name       string
		srv        *api.Server
		method     string
		id         string
		body       string
		wantStatus int
		wantReason string
		check      func(t *testing.T, r spotcheck.Result)
	}{
		{"the checker corrects their result; the score left out is cleared", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"incomplete","note":" 走访内容需补充 "}`, 200, "",
			func(t *testing.T, r spotcheck.Result) {
				if r.Verdict != spotcheck.VerdictIncomplete || r.Score != nil || r.Note != "走访内容需补充" || r.Entry != a1.Entry || r.Round != r1.Round {
					t.Errorf("corrected = %+v, want incomplete, no score, the note trimmed, entry %d in round %d", r, a1.Entry, r1.Round)
				}
				if r.CheckedBy != "scc-leader-a" || !r.CheckedAt.Equal(r1.CheckedAt) || r.CorrectedBy != "scc-leader-a" || r.CorrectedAt == nil || r.CorrectedAt.Before(r1.CheckedAt) {
					t.Errorf("corrected = %+v, want the first recording kept and the correction stamped by scc-leader-a", r)
				}
			}},
		{"another leader of the same town", leaderA2Srv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok"}`, 403, spotcheck.ReasonNotYours, nil},
		{"another leader of the same town withdraws", leaderA2Srv, "DELETE", fmt.Sprint(r1.ID), "", 403, spotcheck.ReasonNotYours, nil},
		{"a leader of another town: as if missing", leaderBSrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok"}`, 404, spotcheck.ReasonResultUnknown, nil},
		{"a leader of another town withdraws: as if missing", leaderBSrv, "DELETE", fmt.Sprint(r1.ID), "", 404, spotcheck.ReasonResultUnknown, nil},
		{"a leader corrects the admin's result", leaderASrv, "PATCH", fmt.Sprint(r2.ID), `{"verdict":"ok"}`, 403, spotcheck.ReasonNotYours, nil},
		{"a planner may not", plannerSrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok"}`, 403, spotcheck.ReasonRoleRecord, nil},
		{"a member may not", memberSrv, "DELETE", fmt.Sprint(r1.ID), "", 403, spotcheck.ReasonRoleRecord, nil},
		{"unknown verdict", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"good"}`, 400, spotcheck.ReasonVerdictUnknown, nil},
		{"score above 100", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok","score":101}`, 400, spotcheck.ReasonScoreRange, nil},
		{"an entry is not corrected", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok","entry":1}`, 400, spotcheck.ReasonBadBody, nil},
		{"two objects", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok"} {"verdict":"failed"}`, 400, spotcheck.ReasonBadBody, nil},
		{"not a number", adminSrv, "PATCH", "abc", `{"verdict":"ok"}`, 400, spotcheck.ReasonResultUnknown, nil},
		{"no such result", adminSrv, "DELETE", "999999999", "", 404, spotcheck.ReasonResultUnknown, nil},
		{"the admin corrects a leader's result", adminSrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok","score":90}`, 200, "",
			func(t *testing.T, r spotcheck.Result) {
				if r.Verdict != spotcheck.VerdictOK || r.Score == nil || *r.Score != 90 || r.Note != "" || r.CheckedBy != "scc-leader-a" || r.CorrectedBy != "scc-admin" {
					t.Errorf("corrected by the admin = %+v, want ok 90 with no note, checked by scc-leader-a, corrected by scc-admin", r)
				}
			}},
		{"the checker withdraws their result", leaderASrv, "DELETE", fmt.Sprint(r1.ID), "", 200, "",
			func(t *testing.T, r spotcheck.Result) {
				if r.ID != r1.ID || r.Verdict != spotcheck.VerdictOK || r.Score == nil || *r.Score != 90 {
					t.Errorf("withdrawn = %+v, want result %d as it was (ok, 90)", r, r1.ID)
				}
			}},
		{"withdrawn: gone", leaderASrv, "PATCH", fmt.Sprint(r1.ID), `{"verdict":"ok"}`, 404, spotcheck.ReasonResultUnknown, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(tc.srv, tc.method, "/api/v1/spot-checks/"+tc.id, tc.body)
			if code != tc.wantStatus {
				t.Fatalf("%s %s %s = %d %s, want %d", tc.method, tc.id, tc.body, code, body, tc.wantStatus)
			}
			if tc.wantReason != "" && reasonOf(body) != tc.wantReason {
				t.Errorf("%s %s = %s, want reason %s", tc.method, tc.id, body, tc.wantReason)
			}
			if tc.check != nil {
				var r spotcheck.Result
				if err := json.Unmarshal(body, &r); err != nil {
					t.Fatalf("answer %s: %v", body, err)
				}
				tc.check(t, r)
			}
		})
	}

	// Withdrawn, the entry is recorded again in the same round; the
	// ranking counts what the results say now.
	r1 = record(leaderASrv, a1.Entry, `"verdict":"incomplete"`)
	code, body = call(adminSrv, "PATCH", path(r2.ID), `{"verdict":"ok","score":70}`)
	if code != 200 {
		t.Fatalf("admin corrects their own result = %d %s", code, body)
	}
	code, body = call(adminSrv, "GET", "/api/v1/reports/spot-check-ranking", "")
	var rk rankAnswer
	if code != 200 || json.Unmarshal(body, &rk) != nil {
		t.Fatalf("ranking = %d %s", code, body)
	}
	for _, r := range rk.Teams {
		if r.Team == a1.Team && (r.EntriesChecked != 2 || r.OK != 1 || r.Incomplete != 1 || r.Failed != 0 || r.MeanScore == nil || *r.MeanScore != 70) {
			t.Errorf("team %s ranked %+v, want 2 checked: 1 ok (70), 1 incomplete, none failed", a1.Team, r)
		}
	}

	// round=current lists what may still be put right: both results now,
	// none once the round is over (below).
	current := func(wantTotal int64) {
		t.Helper()
		code, body := call(adminSrv, "GET", "/api/v1/spot-checks?round=current", "")
		var p struct {
			Total int64              `json:"total"`
			Rows  []spotcheck.Result `json:"rows"`
		}
		if code != 200 || json.Unmarshal(body, &p) != nil || p.Total != wantTotal {
			t.Errorf("round=current = %d %s, want %d results", code, body, wantTotal)
		}
		for _, r := range p.Rows {
			if r.Round != r1.Round {
				t.Errorf("round=current lists a result of round %d, want %d", r.Round, r1.Round)
			}
		}
	}
	current(2)
	if code, body := call(adminSrv, "GET", "/api/v1/spot-checks?round=now", ""); code != 400 {
		t.Errorf("round=now = %d %s, want 400", code, body)
	}

	// Straight through row-level security: another leader of the town
	// reads the result but changes nothing; the checker can.
	changed := func(scope lianxin.Scope, sql string) int64 {
		t.Helper()
		var n int64
		if err := f.app.InScope(ctx, scope, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, sql, r1.ID)
			n = tag.RowsAffected()
			return err
		}); err != nil {
			t.Fatalf("%s as %s: %v", sql, scope.User, err)
		}
		return n
	}
	if n := changed(leaderA2, `UPDATE spot_checks SET note = 'x' WHERE id = $1`); n != 0 {
		t.Errorf("another leader updated %d rows through row-level security", n)
	}
	if n := changed(leaderA2, `DELETE FROM spot_checks WHERE id = $1`); n != 0 {
		t.Errorf("another leader deleted %d rows through row-level security", n)
	}
	if n := changed(leaderA, `UPDATE spot_checks SET note = 'x' WHERE id = $1`); n != 1 {
		t.Errorf("the checker updated %d rows, want 1", n)
	}
	err := f.app.InScope(ctx, leaderA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE spot_checks SET round = round + 1 WHERE id = $1`, r1.ID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("the checker moving a result's round: %v, want permission denied (only the finding is granted)", err)
	}

	// A week later the round is over: the results stand.
	if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE campaign SET starts_on = starts_on - 7`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		body := ""
		if m == "PATCH" {
			body = `{"verdict":"failed"}`
		}
		code, got := call(adminSrv, m, path(r2.ID), body)
		var e struct {
			Error struct {
				Details struct {
					Reason string         `json:"reason"`
					Params map[string]int `json:"params"`
				} `json:"details"`
			} `json:"error"`
		}
		if code != 409 || json.Unmarshal(got, &e) != nil || e.Error.Details.Reason != spotcheck.ReasonRoundClosed ||
			e.Error.Details.Params["round"] != r2.Round || e.Error.Details.Params["current"] != r2.Round+1 {
			t.Errorf("%s a result of the round before = %d %s, want 409 round_closed naming rounds %d and %d", m, code, got, r2.Round, r2.Round+1)
		}
	}
	current(0)
	if n := changed(leaderA, `UPDATE spot_checks SET note = 'y' WHERE id = $1`); n != 0 {
		t.Errorf("the checker updated %d rows of a closed round through row-level security", n)
	}

	// The audit log: each change with what the result said before.
	type line struct {
		Actor  string
		Detail map[string]any
	}
	audit := func(action string) []line {
		t.Helper()
		var out []line
		if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT actor, detail FROM audit_log WHERE action = $1 ORDER BY id`, action)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (line, error) {
				var l line
				return l, r.Scan(&l.Actor, &l.Detail)
			})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	corrected := audit(spotcheck.ActionCorrect)
	if len(corrected) != 3 {
		t.Fatalf("%d correction lines, want 3: %+v", len(corrected), corrected)
	}
	first := corrected[0]
	before, _ := first.Detail["before"].(map[string]any)
	after, _ := first.Detail["after"].(map[string]any)
	if first.Actor != "scc-leader-a" || before["verdict"] != "ok" || before["score"] != float64(80) || before["note"] != "电话核实" ||
		after["verdict"] != "incomplete" || after["score"] != nil || first.Detail["entry"] != float64(a1.Entry) {
		t.Errorf("first correction line %+v, want scc-leader-a's, ok 80 电话核实 before, incomplete without a score after, entry %d", first, a1.Entry)
	}
	withdrawn := audit(spotcheck.ActionWithdraw)
	if len(withdrawn) != 1 || withdrawn[0].Actor != "scc-leader-a" || withdrawn[0].Detail["entry"] != float64(a1.Entry) {
		t.Fatalf("withdrawal lines %+v, want one by scc-leader-a of entry %d", withdrawn, a1.Entry)
	}
	if was, _ := withdrawn[0].Detail["was"].(map[string]any); was["verdict"] != "ok" || was["score"] != float64(90) {
		t.Errorf("withdrawal line %+v, want what the result said (ok, 90)", withdrawn[0])
	}
}
