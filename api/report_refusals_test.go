package api_test

import (
	"encoding/json"
	"io"
	"lianxin/frontend/wordstest"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
)

// TestReportRefusals asks the reports, the village panel and the teams
// every wrong way a caller can, as a planner (every town), a planner with
// household access (the special households list is one town's) and a team
// leader of one town, and checks each answer: its status, its code, the
// refusal's field and reason (which the web map words in the page's
// language) and the English message API users read. Every published report
// reason is asked at least once.
func TestReportRefusals(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, other := twoTowns(t, st)
	planner := downloadServer(t, st, lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	withPoints := downloadServer(t, st, lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true, HouseholdPoints: true})
	leader := downloadServer(t, st, lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{mine.ID}, HouseholdPoints: true})
	teams, err := st.Teams(t.Context(), lianxin.SystemScope())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(teams, func(tm coverage.Team) bool { return tm.TownCode == mine.Code })
	if i < 0 {
		t.Fatalf("no team in town %s", mine.Code)
	}
	team := teams[i].Code

	const (
		asPlanner = iota
		asPoints
		asLeader
	)
	cases := []struct {
		name    string
		as      int
		path    string
		status  int
		field   string
		reason  string
		message string // part of the English message
	}{
		{"unknown parameter", asPlanner, "/api/v1/reports/summary?town_code=1", 400, "town_code", coverage.ReportReasonUnknownParameter, "town_code: unknown parameter"},
		{"parameter twice", asPlanner, "/api/v1/reports/gaps?from=2026-05-01&from=2026-06-01", 400, "from", coverage.ReportReasonRepeated, "from: given 2 times"},
		{"town not a code", asPlanner, "/api/v1/reports/summary?town=a%20town", 400, "town", coverage.ReportReasonBadCode, `town: "a town" is not a code`},
		{"village code not a code", asPlanner, "/api/v1/villages/a%20village", 400, "code", coverage.ReportReasonBadCode, "is not a village code"},
		{"n out of range", asPlanner, "/api/v1/reports/diary-sample?team=" + team + "&n=500", 400, "n", coverage.ReportReasonBadNumber, `n: "500" is not a whole number in 1..200`},
		{"seed a word", asPlanner, "/api/v1/reports/diary-sample?team=" + team + "&seed=abc", 400, "seed", coverage.ReportReasonNotWhole, `seed: "abc" is not a whole number`},
		{"all not a boolean", asPlanner, "/api/v1/reports/gaps?all=maybe", 400, "all", coverage.ReportReasonBadBool, `all: "maybe" is not true or false`},
		{"from not a day", asPlanner, "/api/v1/reports/summary?from=May", 400, "from", coverage.ReportReasonBadDay, `from: "May" is not a day`},
		{"window backwards", asPlanner, "/api/v1/reports/summary?from=2026-06-01&to=2026-05-01", 400, "from", coverage.ReportReasonWindowOrder, "must be before to"},
		{"format unknown", asPlanner, "/api/v1/reports/gaps?format=xlsx", 400, "format", coverage.ReportReasonBadFormat, `format: "xlsx" is not one of`},
		{"group unknown", asPoints, "/api/v1/reports/special-households?town=" + mine.Code + "&group=rich", 400, "group", coverage.ReportReasonBadGroup, `group: "rich" is not one of`},
		{"sort unknown", asPlanner, "/api/v1/reports/gaps?sort=colour", 400, "sort", coverage.ReportReasonBadSort, `sort: "colour" is not a column`},
		{"next without a team", asPlanner, "/api/v1/reports/next", 400, "team", coverage.ReportReasonTeamRequired, "team: required"},
		{"special households of the county", asPoints, "/api/v1/reports/special-households", 400, "town", coverage.ReportReasonTownRequired, "town: required"},
		{"town unknown", asPlanner, "/api/v1/reports/summary?town=nowhere", 404, "town", coverage.ReportReasonTownUnknown, `town "nowhere" not found`},
		{"special households of no town", asPoints, "/api/v1/reports/special-households?town=nowhere", 404, "town", coverage.ReportReasonTownUnknown, `town "nowhere"`},
		{"special households of another town", asLeader, "/api/v1/reports/special-households?town=" + other.Code, 403, "town", coverage.ReportReasonTownNotYours, "outside your towns"},
		{"team unknown", asPlanner, "/api/v1/reports/members?team=nobody", 404, "team", coverage.ReportReasonTeamUnknown, `team "nobody" not found`},
		{"team of another town", asPlanner, "/api/v1/reports/gaps?team=" + team + "&town=" + other.Code, 400, "team", coverage.ReportReasonTeamOtherTown, "works in town"},
		{"village unknown", asPlanner, "/api/v1/villages/nowhere", 404, "code", coverage.ReportReasonVillageUnknown, `village "nowhere" not found`},
	}
	asked := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			asked[tc.reason] = true
			srv := map[int]string{asPlanner: planner.URL, asPoints: withPoints.URL, asLeader: leader.URL}[tc.as]
			res, err := http.Get(srv + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s = %d %.300s, want %d", tc.path, res.StatusCode, raw, tc.status)
			}
			var got refusalBody
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("GET %s: %.300s: %v", tc.path, raw, err)
			}
			e := got.Error
			if e.Details.Reason != tc.reason || e.Details.Field != tc.field {
				t.Errorf("GET %s: details %+v, want field %q reason %q", tc.path, e.Details, tc.field, tc.reason)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("GET %s: message %q, want it to hold %q (the English sentence API users read)", tc.path, e.Message, tc.message)
			}
			if want := map[int]string{400: lianxin.EInvalid, 403: lianxin.EForbidden, 404: lianxin.ENotFound}[tc.status]; e.Code != want {
				t.Errorf("GET %s: code %q, want %q", tc.path, e.Code, want)
			}
		})
	}
	// The hexagon selection's refusals, met by the tiles and the coverage
	// cells rather than a report URL.
	for _, c := range []struct {
		reason string
		err    error
	}{
		{coverage.ReportReasonBadBBox, func() error {
			_, err := coverage.SelectCells(orb.Bound{Min: orb.Point{200, 30}, Max: orb.Point{201, 31}}, 8)
			return err
		}()},
		{coverage.ReportReasonBBoxTooLarge, func() error {
			_, err := coverage.SelectCells(orb.Bound{Min: orb.Point{120, 32}, Max: orb.Point{121, 33}}, 10)
			return err
		}()},
		{coverage.ReportReasonBadNumber, coverage.CheckResolution(12)},
	} {
		r, ok := lianxin.RefusalOf(c.err)
		if !ok || r.Reason != c.reason || lianxin.ErrorCode(c.err) != lianxin.EInvalid {
			t.Errorf("hexagon selection refused with %v (refusal %+v), want invalid, reason %s", c.err, r, c.reason)
		}
		asked[c.reason] = true
	}
	// An admin's change of a member (PATCH /api/v1/admin/members/{code}):
	// TestAdminMemberLeftAndChineseNames provokes it over HTTP.
	if r, ok := lianxin.RefusalOf(coverage.RefuseMemberUnknown("M-NONE")); ok && r.Reason == coverage.ReportReasonMemberUnknown {
		asked[r.Reason] = true
	}
	// The campaign's end (PATCH /api/v1/campaign) set before its start:
	// TestCampaignEndAPI provokes it over HTTP as an admin and checks that
	// nothing is written; here, that the refusal carries its reason.
	if r, ok := lianxin.RefusalOf(coverage.RefuseEndsBeforeStart("2026-02-28", "2026-03-01")); ok && r.Reason == coverage.ReportReasonEndsBeforeStart && r.Field == "ends_on" {
		asked[r.Reason] = true
	}
	// A member's last day before their latest diary entry (PATCH
	// /api/v1/admin/members/{code}): TestAdminMemberLeftBeforeEntries
	// provokes it over HTTP and checks that nothing is written.
	if r, ok := lianxin.RefusalOf(coverage.RefuseLeftBeforeEntries("M0001", "贺志凤", "2026-09-01", "2026-09-20", 3)); ok &&
		r.Reason == coverage.ReportReasonLeftBeforeEntries && r.Field == "left_on" {
		asked[r.Reason] = true
	}
	for _, r := range coverage.ReportReasons {
		if !asked[r] {
			t.Errorf("no case asks for reason %s: a refusal no test provokes", r)
		}
	}
}

// TestReportRefusalsWordedInWebMap checks that every report reason is
// worded in both languages of the web map (i18n.js report.refusal.<reason>)
// with the same placeholders in each, as TestRefusalsWordedInWebMap does
// for the exports and the snapshots: a reason the page cannot word would
// show the server's English on a Chinese page.
func TestReportRefusalsWordedInWebMap(t *testing.T) {
	wordstest.CheckWorded(t, "report.refusal.", coverage.ReportReasons)
	zh, en := wordstest.Tables(t)
	tables := map[string]string{"zh-CN": zh, "en": en}
	// The generic sentence of an error the page cannot word names the
	// status and never the server's (English) message.
	for lang, table := range tables {
		m := regexp.MustCompile(`(?m)^  'status.serverGeneric': '((?:[^'\\]|\\.)*)',$`).FindStringSubmatch(table)
		if m == nil || !strings.Contains(m[1], "{status}") || strings.Contains(m[1], "{message}") {
			t.Errorf("i18n.js %s: status.serverGeneric = %q, want a sentence with {status} and without {message}", lang, m)
		}
	}
}
