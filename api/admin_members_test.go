package api_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/coverage"
)

// An admin whose user name is Chinese signs in, sets a member's last day
// in the corps (PATCH /api/v1/admin/members/{code}) and disables an
// account named in Chinese; the audit log names them, the members report
// marks the member (left_on, left) in JSON and CSV, and a planner may not
// set the date.
func TestAdminMemberLeftAndChineseNames(t *testing.T) {
	f, county := newDemoAuthServer(t,
		auth.NewUser{Username: "张伟", Password: "zhang-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}}},
		auth.NewUser{Username: "王小明2", Password: "wang-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}})
	admin, adminMe := f.login(t, "张伟", "zhang-password-1")
	planner, plannerMe := f.login(t, "王小明2", "wang-password-1")
	as := func(ck string) map[string]string { return map[string]string{api.CSRFHeader: ck} }
	m := county.Members[0]
	var town string
	for _, tw := range county.Towns {
		if tw.ID == m.TownID {
			town = tw.Code
		}
	}
	// The member's last day is their latest diary entry's (an earlier one
	// is refused, left_before_entries), and the report's window the two
	// weeks after it, so that the member had left before its last day.
	var lastDay string
	for _, v := range county.Visits {
		if v.MemberID == m.ID {
			lastDay = max(lastDay, v.OccurredAt.In(coverage.Zone).Format(coverage.DayLayout))
		}
	}
	last, err := time.Parse(coverage.DayLayout, lastDay)
	if err != nil {
		t.Fatalf("member %s has no diary entry in the demo county: %v", m.Code, err)
	}
	window := "&from=" + last.AddDate(0, 0, 1).Format(coverage.DayLayout) + "&to=" + last.AddDate(0, 0, 14).Format(coverage.DayLayout)
	path := "/api/v1/admin/members/" + m.Code
	steps := []struct {
		name string
		c    call
		want int
		body string
	}{
		{"a planner may not", call{method: "PATCH", path: path, body: `{"left_on":"2026-09-10"}`, cookie: planner, header: as(plannerMe.CSRFToken)}, 403, `"forbidden"`},
		{"no body", call{method: "PATCH", path: path, body: `{}`, cookie: admin, header: as(adminMe.CSRFToken)}, 400, "left_on"},
		{"not a day", call{method: "PATCH", path: path, body: `{"left_on":"10/9/2026"}`, cookie: admin, header: as(adminMe.CSRFToken)}, 400, `"bad_day"`},
		{"unknown member", call{method: "PATCH", path: "/api/v1/admin/members/M-NONE", body: `{"left_on":"2026-09-10"}`, cookie: admin, header: as(adminMe.CSRFToken)}, 404, `"member_unknown"`},
		{"set", call{method: "PATCH", path: path, body: `{"left_on":"` + lastDay + `"}`, cookie: admin, header: as(adminMe.CSRFToken)}, 200, `"left_on":"` + lastDay + `"`},
		{"the report marks the member", call{method: "GET", path: "/api/v1/reports/members?town=" + town + window, cookie: admin}, 200,
			`"member_code":"` + m.Code + `"`},
		{"disable an account named in Chinese", call{method: "PATCH", path: "/api/v1/admin/users/" + url.PathEscape("王小明2"), body: `{"disabled":true}`,
			cookie: admin, header: as(adminMe.CSRFToken)}, 200, `"username":"王小明2"`},
		{"the audit log by a Chinese actor", call{method: "GET", path: "/api/v1/admin/audit?actor=" + url.QueryEscape("张伟") + "&action=member_left", cookie: admin}, 200,
			`"actor":"张伟","action":"member_left","target":"` + m.Code + `"`},
	}
	for _, s := range steps {
		rec := f.do(t, s.c)
		if got := rec.Body.String(); rec.Code != s.want || !strings.Contains(got, s.body) {
			t.Errorf("%s: %s %s %s = %d %s, want %d containing %q", s.name, s.c.method, s.c.path, s.c.body, rec.Code, got, s.want, s.body)
		}
	}
	rec := f.do(t, call{method: "GET", path: "/api/v1/reports/members?town=" + town + window + "&format=csv", cookie: admin})
	lines := strings.Split(rec.Body.String(), "\n")
	if rec.Code != 200 || len(lines) < 2 || !strings.HasSuffix(strings.TrimSpace(lines[0]), ",left_on,left") {
		t.Fatalf("members CSV = %d, header %q; want one ending left_on,left", rec.Code, lines[0])
	}
	found := false
	for _, l := range lines[1:] {
		if strings.Contains(l, ","+m.Code+",") {
			found = true
			if !strings.HasSuffix(strings.TrimSpace(l), ","+lastDay+",true") {
				t.Errorf("members CSV row of %s: %q, want it to end %s,true", m.Code, l, lastDay)
			}
		}
	}
	if !found {
		t.Errorf("members CSV has no row of %s", m.Code)
	}
}
