package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/frontend/wordstest"
	"lianxin/spotcheck"
)

type sampled struct {
	Entry      int64     `json:"entry"`
	VisitID    string    `json:"visit_id"`
	Team       string    `json:"team"`
	TownCode   string    `json:"town_code"`
	MemberCode string    `json:"member_code"`
	OccurredAt time.Time `json:"occurred_at"`
}

type rankFigures struct {
	Rank                 int      `json:"rank"`
	Team                 string   `json:"team"`
	MemberCode           string   `json:"member_code"`
	Members              int      `json:"members"`
	MembersMeetingTarget int      `json:"members_meeting_target"`
	MeetsTarget          bool     `json:"meets_target"`
	EntriesChecked       int64    `json:"entries_checked"`
	OK                   int64    `json:"ok"`
	Incomplete           int64    `json:"incomplete"`
	Failed               int64    `json:"failed"`
	OKShare              *float64 `json:"ok_share"`
	MeanScore            *float64 `json:"mean_score"`
}

type rankAnswer struct {
	Teams   []rankFigures `json:"teams"`
	Members []rankFigures `json:"members"`
}

// TestSpotCheckResults drives the spot check's results through the
// server's role over the demo county, in order: results recorded for
// entries of the caller's own sample (201) and every refusal (the coded
// reasons: unknown entry, an entry outside the sample, a bad verdict,
// score or note, a second result in the round, the roles); the list with
// its filters and pages; the ranking of teams and members with the
// attendance figure beside it, in JSON and in the Chinese CSV; the audit
// lines. A team leader neither records nor reads another town's results
// (through the API and straight through row-level security).
func TestSpotCheckResults(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t, "sc-member")
	server := f.reportServer
	admin := lianxin.Scope{User: "sc-admin", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}
	planner := lianxin.Scope{User: "sc-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	adminSrv, plannerSrv := server(admin), server(planner)
	call := func(srv *api.Server, method, path, body string) (int, []byte) {
		t.Helper()
		res, b := do(t, srv, method, path, body)
		return res.StatusCode, b
	}

	// The admin's sample: entries of two teams.
	const seed = 7
	code, body := call(adminSrv, "GET", fmt.Sprintf("/api/v1/reports/diary-sample?n=5&seed=%d", seed), "")
	var sample struct {
		Rows []sampled `json:"rows"`
	}
	if code != 200 || json.Unmarshal(body, &sample) != nil {
		t.Fatalf("diary sample = %d %s", code, body)
	}
	var a1, a2, b1 sampled
	for _, r := range sample.Rows {
		if r.Entry <= 0 {
			t.Fatalf("sampled entry without its number: %+v", r)
		}
		if r.VisitID != "" {
			t.Errorf("the admin without household access got visit_id %q", r.VisitID)
		}
		switch {
		case a1.Entry == 0:
			a1 = r
		case r.Team == a1.Team && a2.Entry == 0:
			a2 = r
		case r.Team != a1.Team && b1.Entry == 0:
			b1 = r
		}
	}
	if a2.Entry == 0 || b1.Entry == 0 {
		t.Fatalf("the sample holds no two entries of one team and one of another: %+v", sample.Rows)
	}
	townID := func(code string) int32 {
		var id int32
		if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM towns WHERE code = $1`, code).Scan(&id)
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	townA, townB := townID(a1.TownCode), townID(b1.TownCode)
	leaderA := lianxin.Scope{User: "sc-leader-a", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townA}, HouseholdPoints: true}
	leaderB := lianxin.Scope{User: "sc-leader-b", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townB}, HouseholdPoints: true}
	leaderASrv, leaderBSrv := server(leaderA), server(leaderB)
	memberSrv := server(lianxin.Scope{User: "sc-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{f.county.Members[0].TownID}})

	var a2VisitID string
	if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT external_id FROM visits WHERE id = $1`, a2.Entry).Scan(&a2VisitID)
	}); err != nil || a2VisitID == "" {
		t.Fatalf("entry %d's visit id: %q, %v", a2.Entry, a2VisitID, err)
	}
	result := func(entry int64, s int, extra string) string {
		return fmt.Sprintf(`{"entry":%d,"seed":%d%s}`, entry, s, extra)
	}
	// The day a2 was visited, in campaign time: a window ending there
	// (exclusive) cannot draw it.
	a2Day := a2.OccurredAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	cases := []struct {
		name       string
		srv        *api.Server
		body       string
		wantStatus int
		wantReason string
		wantInBody string
	}{
		{"admin records ok", adminSrv, result(a1.Entry, seed, `,"verdict":"ok","score":80,"note":"电话核实属实"`), 201, "", `"verdict":"ok"`},
		{"a second result in the round", adminSrv, result(a1.Entry, seed, `,"verdict":"failed"`), 409, spotcheck.ReasonResultExists, ""},
		{"unknown verdict", adminSrv, result(a2.Entry, seed, `,"verdict":"good"`), 400, spotcheck.ReasonVerdictUnknown, ""},
		{"score above 100", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","score":101`), 400, spotcheck.ReasonScoreRange, ""},
		{"score below 0", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","score":-1`), 400, spotcheck.ReasonScoreRange, ""},
		{"note with a control character", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","note":"a\u0007b"`), 400, spotcheck.ReasonNoteControl, ""},
		{"note too long", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","note":"`+strings.Repeat("长", spotcheck.MaxNoteChars+1)+`"`), 400, spotcheck.ReasonNoteLong, ""},
		{"no entry", adminSrv, `{"seed":7,"verdict":"ok"}`, 400, spotcheck.ReasonEntryMissing, ""},
		{"unknown field", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","grade":1`), 400, spotcheck.ReasonBadBody, ""},
		{"unknown entry", adminSrv, result(1<<40, seed, `,"verdict":"ok"`), 404, spotcheck.ReasonEntryUnknown, ""},
		{"entry outside the window", leaderASrv, result(a2.Entry, seed, `,"verdict":"ok","to":"`+a2Day+`"`), 400, spotcheck.ReasonNotSampled, ""},
		{"bad window day", adminSrv, result(a2.Entry, seed, `,"verdict":"ok","from":"2026-13-01"`), 400, "bad_day", ""},
		{"planner may not record", plannerSrv, result(a2.Entry, seed, `,"verdict":"ok"`), 403, spotcheck.ReasonRoleRecord, ""},
		{"member may not record", memberSrv, result(a2.Entry, seed, `,"verdict":"ok"`), 403, spotcheck.ReasonRoleRecord, ""},
		{"leader of another town: as if missing", leaderBSrv, result(a2.Entry, seed, `,"verdict":"ok"`), 404, spotcheck.ReasonEntryUnknown, ""},
		{"leader records their own town's", leaderASrv, result(a2.Entry, seed, `,"verdict":"failed","score":40`), 201, "", `"visit_id":"` + a2VisitID + `"`},
		{"admin records another team's", adminSrv, result(b1.Entry, seed, `,"verdict":"incomplete","note":"缺少走访内容"`), 201, "", `"visit_id":""`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(tc.srv, "POST", "/api/v1/spot-checks", tc.body)
			if code != tc.wantStatus {
				t.Fatalf("POST %s = %d %s, want %d", tc.body[:min(len(tc.body), 120)], code, body, tc.wantStatus)
			}
			if tc.wantReason != "" {
				var e struct {
					Error struct {
						Details struct {
							Reason string `json:"reason"`
						} `json:"details"`
					} `json:"error"`
				}
				if json.Unmarshal(body, &e) != nil || e.Error.Details.Reason != tc.wantReason {
					t.Errorf("POST = %s, want reason %s", body, tc.wantReason)
				}
			}
			if tc.wantInBody != "" && !bytes.Contains(body, []byte(tc.wantInBody)) {
				t.Errorf("POST = %s, want it to hold %s", body, tc.wantInBody)
			}
		})
	}
	// The list.
	type page struct {
		Total int64              `json:"total"`
		Rows  []spotcheck.Result `json:"rows"`
	}
	list := func(srv *api.Server, q string, wantStatus int) page {
		t.Helper()
		code, body := call(srv, "GET", "/api/v1/spot-checks"+q, "")
		var p page
		if code != wantStatus || (code == 200 && json.Unmarshal(body, &p) != nil) {
			t.Fatalf("GET spot-checks%s = %d %s, want %d", q, code, body, wantStatus)
		}
		return p
	}
	entries := func(p page) []int64 {
		var out []int64
		for _, r := range p.Rows {
			out = append(out, r.Entry)
		}
		slices.Sort(out)
		return out
	}
	want := []int64{a1.Entry, a2.Entry, b1.Entry}
	slices.Sort(want)
	if got := list(adminSrv, "", 200); got.Total != 3 || !slices.Equal(entries(got), want) {
		t.Errorf("admin's list: total %d, entries %v; want 3, %v", got.Total, entries(got), want)
	}
	if got := list(adminSrv, "?verdict=failed", 200); got.Total != 1 || got.Rows[0].Entry != a2.Entry || got.Rows[0].Score == nil || *got.Rows[0].Score != 40 {
		t.Errorf("failed results: %+v, want entry %d scored 40", got, a2.Entry)
	}
	if got := list(adminSrv, "?limit=1&offset=1", 200); got.Total != 3 || len(got.Rows) != 1 {
		t.Errorf("page 2 of 1: total %d, %d rows; want 3, 1", got.Total, len(got.Rows))
	}
	if got := list(adminSrv, "?offset=10", 200); got.Total != 3 || len(got.Rows) != 0 {
		t.Errorf("a page past the end: total %d, %d rows; want 3, 0", got.Total, len(got.Rows))
	}
	if got := list(adminSrv, "?team="+b1.Team, 200); got.Total != 1 || got.Rows[0].Verdict != spotcheck.VerdictIncomplete || got.Rows[0].CheckedBy != "sc-admin" {
		t.Errorf("team %s's results: %+v, want b1's incomplete by sc-admin", b1.Team, got)
	}
	for _, r := range list(adminSrv, "", 200).Rows {
		if r.VisitID != "" || r.Round < 1 {
			t.Errorf("admin's row %+v: want no visit id, a round from 1", r)
		}
	}
	if got := list(leaderASrv, "", 200); !slices.Equal(entries(got), []int64{min(a1.Entry, a2.Entry), max(a1.Entry, a2.Entry)}) {
		t.Errorf("leader A's list: %v, want only their town's %d and %d", entries(got), a1.Entry, a2.Entry)
	}
	if got := list(leaderBSrv, "?team="+a1.Team, 200); got.Total != 0 {
		t.Errorf("leader B reads team %s's results: %+v", a1.Team, got)
	}
	list(plannerSrv, "", 403)
	list(memberSrv, "", 403)
	list(adminSrv, "?verdict=good", 400)
	list(adminSrv, "?limit=0", 400)
	list(adminSrv, "?team=nope", 404)

	// Straight through row-level security: leader B's scope neither
	// reads town A's results nor writes one.
	if err := f.app.ReadInScope(ctx, leaderB, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM spot_checks WHERE town_id = $1`, townA).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("leader B reads %d of town A's results through row-level security", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err := f.app.InScope(ctx, leaderB, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO spot_checks (visit_id, town_id, round, verdict, checked_by) VALUES ($1, $2, 99, 'ok', 'sc-leader-b')`, a1.Entry, townA)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("leader B inserting town A's result: %v, want a row-level security refusal", err)
	}

	// The ranking.
	rank := func(srv *api.Server, q string, wantStatus int) rankAnswer {
		t.Helper()
		code, body := call(srv, "GET", "/api/v1/reports/spot-check-ranking"+q, "")
		var r rankAnswer
		if code != wantStatus || (code == 200 && json.Unmarshal(body, &r) != nil) {
			t.Fatalf("ranking%s = %d %s, want %d", q, code, body, wantStatus)
		}
		return r
	}
	find := func(rows []rankFigures, team, member string) rankFigures {
		for _, r := range rows {
			if r.Team == team && r.MemberCode == member {
				return r
			}
		}
		t.Fatalf("no ranking row for team %q member %q in %+v", team, member, rows)
		return rankFigures{}
	}
	county := rank(plannerSrv, "", 200)
	ta, tb := find(county.Teams, a1.Team, ""), find(county.Teams, b1.Team, "")
	if ta.EntriesChecked != 2 || ta.OK != 1 || ta.Failed != 1 || ta.OKShare == nil || *ta.OKShare != 0.5 || ta.MeanScore == nil || *ta.MeanScore != 60 {
		t.Errorf("team %s: %+v, want 2 checked, 1 ok, 1 failed, share 0.5, mean 60", a1.Team, ta)
	}
	if tb.EntriesChecked != 1 || tb.Incomplete != 1 || tb.OKShare == nil || *tb.OKShare != 0 || tb.MeanScore != nil {
		t.Errorf("team %s: %+v, want 1 checked, incomplete, share 0, no mean", b1.Team, tb)
	}
	if ta.Rank != 1 || tb.Rank != 2 {
		t.Errorf("ranks %d and %d, want 1 (half ok) and 2 (none ok)", ta.Rank, tb.Rank)
	}
	if len(county.Teams) != len(f.county.Teams) || county.Members != nil {
		t.Errorf("the county's ranking: %d teams and %d members, want every team (%d) and no members", len(county.Teams), len(county.Members), len(f.county.Teams))
	}
	for _, r := range county.Teams[2:] {
		if r.EntriesChecked != 0 || r.Rank != 3 {
			t.Errorf("an unchecked team: %+v, want nothing checked, rank 3", r)
		}
	}
	// The attendance figure is the members report's.
	code, body = call(adminSrv, "GET", "/api/v1/reports/members?team="+a1.Team, "")
	var members struct {
		Rows []struct {
			MeetsTarget bool `json:"meets_target"`
		} `json:"rows"`
	}
	if code != 200 || json.Unmarshal(body, &members) != nil {
		t.Fatalf("members report = %d %s", code, body)
	}
	meeting := 0
	for _, m := range members.Rows {
		if m.MeetsTarget {
			meeting++
		}
	}
	if ta.Members != len(members.Rows) || ta.MembersMeetingTarget != meeting {
		t.Errorf("team %s: %d members, %d meeting the rule; the members report has %d, %d", a1.Team, ta.Members, ta.MembersMeetingTarget, len(members.Rows), meeting)
	}
	team := rank(adminSrv, "?team="+a1.Team, 200)
	if len(team.Teams) != 1 || len(team.Members) != len(members.Rows) {
		t.Errorf("team %s's ranking: %d teams, %d members; want 1 and %d", a1.Team, len(team.Teams), len(team.Members), len(members.Rows))
	}
	var checked int64
	for _, m := range team.Members {
		checked += m.EntriesChecked
	}
	if checked != 2 || find(team.Members, a1.Team, a1.MemberCode).EntriesChecked == 0 {
		t.Errorf("team %s's members hold %d entries checked, want 2 (member %s's among them)", a1.Team, checked, a1.MemberCode)
	}
	// A team leader ranks their own towns' teams alone.
	if got := rank(leaderASrv, "", 200); len(got.Teams) != 1 || got.Teams[0].Team != a1.Team || got.Teams[0].EntriesChecked != 2 {
		t.Errorf("leader A's ranking: %+v, want team %s alone with 2 checked", got.Teams, a1.Team)
	}
	if got := rank(leaderBSrv, "?team="+a1.Team, 200); len(got.Teams) != 0 || len(got.Members) != 0 {
		t.Errorf("leader B's ranking of team %s: %+v, want nothing", a1.Team, got)
	}
	rank(memberSrv, "", 403)
	rank(adminSrv, "?team=nope", 404)
	rank(adminSrv, "?sort=x", 400)

	// The ranking's CSV, in Chinese: a BOM, Chinese headers, the rows in order.
	code, body = call(plannerSrv, "GET", "/api/v1/reports/spot-check-ranking?format=csv&lang=zh", "")
	if code != 200 || !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("ranking CSV = %d %.200s, want 200 with a BOM", code, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) != 1+len(county.Teams) {
		t.Fatalf("ranking CSV: %v, %d records, want %d", err, len(recs), 1+len(county.Teams))
	}
	for _, h := range []string{"排名", "工作队", "抽查条数", "合格", "需补充", "不合格", "合格率（%）", "平均得分", "联系满10户的队员（人）"} {
		if !slices.Contains(recs[0], h) {
			t.Errorf("ranking CSV header %q lacks %q", recs[0], h)
		}
	}
	if i := slices.Index(recs[0], "合格率（%）"); i < 0 || recs[1][i] != "50.00%" {
		t.Errorf("ranking CSV first row %q: want share 50.00%%", recs[1])
	}

	// One audit line per result recorded.
	var lines int
	var detail []byte
	if err := f.owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1`, spotcheck.ActionRecord).Scan(&lines); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT detail FROM audit_log WHERE action = $1 AND actor = 'sc-leader-a'`, spotcheck.ActionRecord).Scan(&detail)
	}); err != nil {
		t.Fatal(err)
	}
	if lines != 3 || !bytes.Contains(detail, []byte(`"verdict": "failed"`)) || !bytes.Contains(detail, []byte(fmt.Sprintf(`"entry": %d`, a2.Entry))) {
		t.Errorf("audit: %d lines, leader A's %s; want 3, theirs naming entry %d failed", lines, detail, a2.Entry)
	}
}

// TestSpotCheckRefusalsWorded: the web map words every refusal of the
// spot check in both languages (report.refusal.<reason>).
func TestSpotCheckRefusalsWorded(t *testing.T) {
	wordstest.CheckWorded(t, "report.refusal.", spotcheck.Reasons)
}
