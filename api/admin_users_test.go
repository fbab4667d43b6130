package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
)

// adminFixture is newAuthServer with a third account, alice (planner), and
// the admin signed in.
type adminFixture struct {
	authFixture
	admin     *http.Cookie
	adminCSRF string
}

func newAdminFixture(t *testing.T) adminFixture {
	t.Helper()
	f := newAuthServer(t, api.Config{})
	if _, err := f.svc.AddUser(f.ctx, auth.NewUser{Username: "alice", Password: "alice-password-1",
		Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}}, "test"); err != nil {
		t.Fatal(err)
	}
	ck, me := f.login(t, "admin", "admin-password-1")
	return adminFixture{authFixture: f, admin: ck, adminCSRF: me.CSRFToken}
}

// asAdmin is a call with the admin's session and CSRF header.
func (f adminFixture) asAdmin(method, path, body string) call {
	return call{method: method, path: path, body: body, cookie: f.admin, header: map[string]string{api.CSRFHeader: f.adminCSRF}}
}

func TestAdminAccountRequests(t *testing.T) {
	f := newAdminFixture(t)
	planner, plannerMe := f.login(t, "planner", "planner-password-1")
	adminToken, _, err := f.svc.NewToken(f.ctx, "admin", "script", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + adminToken}
	// The steps run in order on one database: later ones see earlier changes.
	steps := []struct {
		name       string
		c          call
		want       int
		body, omit string // the answer contains body and not omit
	}{
		{"planner may not disable", call{method: "PATCH", path: "/api/v1/admin/users/alice", body: `{"disabled":true}`, cookie: planner,
			header: map[string]string{api.CSRFHeader: plannerMe.CSRFToken}}, 403, `"forbidden"`, ""},
		{"planner may not grant", call{method: "POST", path: "/api/v1/admin/users/planner/roles", body: `{"role":"admin"}`, cookie: planner,
			header: map[string]string{api.CSRFHeader: plannerMe.CSRFToken}}, 403, `"forbidden"`, ""},
		{"no credentials", call{method: "POST", path: "/api/v1/admin/users/alice/password"}, 401, `"unauthorized"`, ""},
		{"session without CSRF header", call{method: "PATCH", path: "/api/v1/admin/users/alice", body: `{"disabled":true}`, cookie: f.admin}, 403, api.CSRFHeader, ""},
		{"disable oneself", f.asAdmin("PATCH", "/api/v1/admin/users/ADMIN", `{"disabled":true}`), 409, "your own account", ""},
		{"disable unknown account", f.asAdmin("PATCH", "/api/v1/admin/users/nobody", `{"disabled":true}`), 404, `"not_found"`, ""},
		{"disable without the field", f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{}`), 400, `disabled`, ""},
		{"disable with an unknown field", f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{"disabled":true,"x":1}`), 400, `disabled`, ""},
		{"disable", f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{"disabled":true}`), 200, `"disabled":true`, ""},
		{"enable", f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{"disabled":false}`), 200, `"disabled":false`, ""},
		{"enable oneself is harmless", f.asAdmin("PATCH", "/api/v1/admin/users/admin", `{"disabled":false}`), 200, `"disabled":false`, ""},
		{"grant unknown role", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", `{"role":"king"}`), 400, "want one of", ""},
		{"grant team_leader without town", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", `{"role":"team_leader"}`), 400, "needs a town", ""},
		{"grant admin with a town", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", `{"role":"admin","town":"1"}`), 400, "takes no town", ""},
		{"grant in unknown town", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", `{"role":"team_leader","town":"999"}`), 404, "town", ""},
		{"grant to unknown account", f.asAdmin("POST", "/api/v1/admin/users/nobody/roles", `{"role":"gis"}`), 404, "nobody", ""},
		{"grant without body", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", ``), 400, "role", ""},
		{"grant", f.asAdmin("POST", "/api/v1/admin/users/alice/roles", `{"role":"gis"}`), 200, `"role":"gis"`, ""},
		{"revoke by query", f.asAdmin("DELETE", "/api/v1/admin/users/alice/roles?role=gis", ``), 200, `"role":"planner"`, `"role":"gis"`},
		{"revoke by body, not held", f.asAdmin("DELETE", "/api/v1/admin/users/alice/roles", `{"role":"gis"}`), 404, "does not hold", ""},
		{"revoke own admin role", f.asAdmin("DELETE", "/api/v1/admin/users/admin/roles", `{"role":"admin"}`), 409, "your own admin role", ""},
		{"revoke own admin role by query", f.asAdmin("DELETE", "/api/v1/admin/users/admin/roles?role=admin", ``), 409, "your own admin role", ""},
		{"reset unknown account", f.asAdmin("POST", "/api/v1/admin/users/nobody/password", ``), 404, "nobody", ""},
		{"bearer writes without CSRF", call{method: "POST", path: "/api/v1/admin/users/alice/roles", body: `{"role":"household_points"}`,
			header: bearer}, 200, `"role":"household_points"`, ""},
		{"revoke other admin's admin role", func() call {
			if _, err := f.svc.Grant(f.ctx, "alice", auth.RoleGrant{Role: lianxin.RoleAdmin}, "test"); err != nil {
				t.Fatal(err)
			}
			return f.asAdmin("DELETE", "/api/v1/admin/users/alice/roles", `{"role":"admin"}`)
		}(), 200, `"role":"planner"`, `"role":"admin"`},
	}
	for _, s := range steps {
		rec := f.do(t, s.c)
		got := rec.Body.String()
		if rec.Code != s.want || !strings.Contains(got, s.body) || (s.omit != "" && strings.Contains(got, s.omit)) {
			t.Errorf("%s: %s %s %s = %d %s, want %d containing %q without %q", s.name, s.c.method, s.c.path, s.c.body,
				rec.Code, got, s.want, s.body, s.omit)
		}
	}

	// Each change is in the audit log: who, what, whom.
	rec := f.do(t, f.asAdmin("GET", "/api/v1/admin/audit?limit=100", ""))
	var log struct {
		Events []auth.Event `json:"events"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &log); err != nil {
		t.Fatalf("audit = %d %s: %v", rec.Code, rec.Body, err)
	}
	for _, want := range []auth.Event{
		{Actor: "admin", Action: "user_disable", Target: "alice"},
		{Actor: "admin", Action: "user_enable", Target: "alice"},
		{Actor: "admin", Action: "grant", Target: "alice"},
		{Actor: "admin", Action: "revoke", Target: "alice"},
	} {
		found := false
		for _, e := range log.Events {
			found = found || (e.Actor == want.Actor && e.Action == want.Action && e.Target == want.Target)
		}
		if !found {
			t.Errorf("audit log has no %s by %s of %s; got %+v", want.Action, want.Actor, want.Target, log.Events)
		}
	}
}

// A disabled account's session and API token stop working at once, and
// enabling it gives back neither.
func TestAdminDisableEndsSessionAndToken(t *testing.T) {
	f := newAdminFixture(t)
	session, _ := f.login(t, "alice", "alice-password-1")
	token, _, err := f.svc.NewToken(f.ctx, "alice", "script", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	asAlice := map[string]call{
		"session": {method: "GET", path: "/api/v1/auth/me", cookie: session},
		"token":   {method: "GET", path: "/api/v1/auth/me", header: map[string]string{"Authorization": "Bearer " + token}},
	}
	expect := func(when string, want int) {
		t.Helper()
		for name, c := range asAlice {
			if rec := f.do(t, c); rec.Code != want {
				t.Errorf("%s: alice's %s on /me = %d %s, want %d", when, name, rec.Code, rec.Body, want)
			}
		}
	}
	expect("before", 200)
	if rec := f.do(t, f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{"disabled":true}`)); rec.Code != 200 {
		t.Fatalf("disable alice = %d %s, want 200", rec.Code, rec.Body)
	}
	expect("disabled", 401)
	login := call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"alice","password":"alice-password-1"}`}
	if rec := f.do(t, login); rec.Code != 401 {
		t.Errorf("sign-in of disabled alice = %d %s, want 401", rec.Code, rec.Body)
	}
	if rec := f.do(t, f.asAdmin("PATCH", "/api/v1/admin/users/alice", `{"disabled":false}`)); rec.Code != 200 {
		t.Fatalf("enable alice = %d %s, want 200", rec.Code, rec.Body)
	}
	expect("enabled again", 401)
	f.login(t, "alice", "alice-password-1") // fails the test unless 200
	events, err := f.svc.Audit(f.ctx, auth.AuditFilter{Action: "user_disable"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Detail["sessions_ended"] != float64(1) || events[0].Detail["tokens_revoked"] != float64(1) {
		t.Errorf("user_disable events %+v, want one with sessions_ended 1 and tokens_revoked 1", events)
	}
}

// A reset password is answered once, works, and ends the old sessions.
func TestAdminResetPassword(t *testing.T) {
	f := newAdminFixture(t)
	session, _ := f.login(t, "alice", "alice-password-1")
	rec := f.do(t, f.asAdmin("POST", "/api/v1/admin/users/alice/password", ""))
	var got struct{ Username, Password string }
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil || got.Username != "alice" || len(got.Password) < 12 {
		t.Fatalf("reset alice = %d %s (%v), want 200 with username alice and a password", rec.Code, rec.Body, err)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("reset answer Cache-Control %q, want no-store", cc)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", cookie: session}); rec.Code != 401 {
		t.Errorf("alice's old session after reset = %d %s, want 401", rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"alice","password":"alice-password-1"}`}); rec.Code != 401 {
		t.Errorf("sign-in with the old password = %d %s, want 401", rec.Code, rec.Body)
	}
	f.login(t, "alice", got.Password)
	events, err := f.svc.Audit(f.ctx, auth.AuditFilter{Action: "password_set", Actor: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Target != "alice" || strings.Contains(func() string { b, _ := json.Marshal(events); return string(b) }(), got.Password) {
		t.Errorf("password_set events by admin %+v, want one of alice that does not hold the password", events)
	}
}
