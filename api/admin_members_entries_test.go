package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/coverage"
	"lianxin/store/storetest"
)

// An admin may not set a member's last day in the corps before the
// member's own latest diary entry (PATCH /api/v1/admin/members/{code}):
// 409 left_before_entries names that entry's day and how many entries fall
// after the asked day, and nothing is written; the latest entry's day and
// later are taken, with the day before and after in the answer; clearing
// it is always taken. The expected figures are counted from the demo
// county's own diary, in China time.
func TestAdminMemberLeftBeforeEntries(t *testing.T) {
	f, county := newDemoAuthServer(t,
		auth.NewUser{Username: "李静", Password: "li-jing-password", Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}}})
	admin, me := f.login(t, "李静", "li-jing-password")
	// The member with the most entries, their days in China time.
	perMember := map[int32][]string{}
	for _, v := range county.Visits {
		perMember[v.MemberID] = append(perMember[v.MemberID], v.OccurredAt.In(coverage.Zone).Format(coverage.DayLayout))
	}
	var m struct {
		id         int32
		code, name string
	}
	for _, cm := range county.Members {
		if len(perMember[cm.ID]) > len(perMember[m.id]) {
			m.id, m.code, m.name = cm.ID, cm.Code, cm.Name
		}
	}
	days := perMember[m.id]
	if len(days) < 2 {
		t.Fatalf("no demo member has two diary entries (best %s: %d)", m.code, len(days))
	}
	latest, first := days[0], days[0]
	for _, d := range days {
		latest, first = max(latest, d), min(first, d)
	}
	after := func(day string) int {
		n := 0
		for _, d := range days {
			if d > day {
				n++
			}
		}
		return n
	}
	shift := func(day string, n int) string {
		d, err := time.Parse(coverage.DayLayout, day)
		if err != nil {
			t.Fatal(err)
		}
		return d.AddDate(0, 0, n).Format(coverage.DayLayout)
	}
	stored := func() string {
		var s string
		conn := storetest.Connect(t, f.urls)
		if err := conn.QueryRow(f.ctx, `SELECT coalesce(to_char(left_on, 'YYYY-MM-DD'), '-') FROM members WHERE code = $1`, m.code).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	path := "/api/v1/admin/members/" + url.PathEscape(m.code)
	steps := []struct {
		name   string
		leftOn string // JSON
		status int
		after  int    // the refusal's count, 409 only
		was    string // the answer's was_left_on, "-" null (200 only)
		stored string // left_on afterwards, "-" null
	}{
		{"the day before the latest entry", `"` + shift(latest, -1) + `"`, 409, after(shift(latest, -1)), "", "-"},
		{"before the first entry", `"` + shift(first, -1) + `"`, 409, len(days), "", "-"},
		{"on the latest entry's day", `"` + latest + `"`, 200, 0, "-", latest},
		{"a later day", `"` + shift(latest, 5) + `"`, 200, 0, latest, shift(latest, 5)},
		{"back before the latest entry", `"` + shift(latest, -1) + `"`, 409, after(shift(latest, -1)), "", shift(latest, 5)},
		{"the stored day again", `"` + shift(latest, 5) + `"`, 200, 0, shift(latest, 5), shift(latest, 5)},
		{"cleared", `null`, 200, 0, shift(latest, 5), "-"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			rec := f.do(t, call{method: "PATCH", path: path, body: `{"left_on":` + s.leftOn + `}`, cookie: admin,
				header: map[string]string{api.CSRFHeader: me.CSRFToken}})
			if rec.Code != s.status {
				t.Fatalf("PATCH %s %s = %d %s, want %d", path, s.leftOn, rec.Code, rec.Body, s.status)
			}
			if s.status == 409 {
				var got refusalBody
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				e := got.Error
				p := e.Details.Params
				if e.Code != lianxin.EConflict || e.Details.Reason != coverage.ReportReasonLeftBeforeEntries || e.Details.Field != "left_on" ||
					p["latest"] != latest || fmt.Sprint(p["after"]) != fmt.Sprint(s.after) || p["member"] != m.code || p["name"] != m.name ||
					p["left_on"] != strings.Trim(s.leftOn, `"`) {
					t.Errorf("PATCH %s: %s; want conflict left_before_entries on left_on, latest %s, after %d, member %s (%s)",
						s.leftOn, rec.Body, latest, s.after, m.code, m.name)
				}
				if !strings.Contains(e.Message, "the latest on "+latest) {
					t.Errorf("PATCH %s: message %q does not name the latest entry's day %s", s.leftOn, e.Message, latest)
				}
			} else {
				var got coverage.MemberStanding
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				was, now := "-", "-"
				if got.WasLeftOn != nil {
					was = *got.WasLeftOn
				}
				if got.LeftOn != nil {
					now = *got.LeftOn
				}
				if got.Code != m.code || got.Name != m.name || was != s.was || now != s.stored {
					t.Errorf("PATCH %s answered %s; want %s (%s) was %s now %s", s.leftOn, rec.Body, m.code, m.name, s.was, s.stored)
				}
			}
			if got := stored(); got != s.stored {
				t.Errorf("after PATCH %s: stored left_on %s, want %s", s.leftOn, got, s.stored)
			}
		})
	}
}

// One account per member (migration 038) through the API: adding an
// account for a member another account holds, or granting it to another
// account, is 409 member_taken naming the account that holds the member,
// and the refused account is not created.
func TestMemberTakenByAPI(t *testing.T) {
	f, county := newDemoAuthServer(t,
		auth.NewUser{Username: "张伟", Password: "zhang-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}}})
	m := county.Members[0]
	if _, err := f.svc.AddUser(f.ctx, auth.NewUser{Username: "王芳", Password: "wang-fang-password",
		Roles: []auth.RoleGrant{{Role: lianxin.RoleMember, Member: m.Code}}}, "test"); err != nil {
		t.Fatalf("the member's first account: %v", err)
	}
	if _, err := f.svc.AddUser(f.ctx, auth.NewUser{Username: "赵六", Password: "zhao-liu-password",
		Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}}, "test"); err != nil {
		t.Fatal(err)
	}
	admin, me := f.login(t, "张伟", "zhang-password-1")
	as := map[string]string{api.CSRFHeader: me.CSRFToken}
	memberRole := `{"role":"member","member":"` + m.Code + `"}`
	cases := []struct {
		name string
		c    call
	}{
		{"a new account with the member", call{method: "POST", path: "/api/v1/admin/users",
			body: `{"username":"李四","password":"li-si-password-1","roles":[` + memberRole + `]}`, cookie: admin, header: as}},
		{"the member granted to another account", call{method: "POST", path: "/api/v1/admin/users/" + url.PathEscape("赵六") + "/roles",
			body: memberRole, cookie: admin, header: as}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, tc.c)
			var got refusalBody
			_ = json.Unmarshal(rec.Body.Bytes(), &got)
			d := got.Error.Details
			if rec.Code != 409 || d.Reason != auth.ReasonMemberTaken || d.Params["username"] != "王芳" || d.Params["member"] != m.Code {
				t.Fatalf("%s %s %s = %d %s; want 409 member_taken naming 王芳 and %s", tc.c.method, tc.c.path, tc.c.body, rec.Code, rec.Body, m.Code)
			}
		})
	}
	rec := f.do(t, call{method: "GET", path: "/api/v1/admin/users", cookie: admin})
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `"李四"`) || !strings.Contains(rec.Body.String(), `"王芳"`) {
		t.Errorf("accounts after the refusals: %d %.400s; want 王芳 and no 李四", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), `"username":"赵六","roles":[{"role":"member"`) {
		t.Errorf("赵六 was granted the member: %.400s", rec.Body)
	}
}
