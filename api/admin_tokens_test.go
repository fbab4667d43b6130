package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"lianxin/api"
	"lianxin/auth"
)

type refusalAnswer struct {
	Error struct {
		Code    string `json:"code"`
		Details struct {
			Field  string         `json:"field"`
			Reason string         `json:"reason"`
			Params map[string]any `json:"params"`
		} `json:"details"`
	} `json:"error"`
}

// Creating an account whose role cannot be granted creates nothing, and the
// refusal carries a reason code and its parameters for the web map to word
// (review 3, fault 3).
func TestAddUserRefusedRoleCreatesNothing(t *testing.T) {
	f := newAdminFixture(t)
	cases := []struct {
		name, body      string
		status          int
		reason          string
		param, paramVal string
	}{
		{"unknown member", `{"username":"lisi","roles":[{"role":"member","member":"M9999"}]}`, 404, auth.ReasonMemberNotFound, "member", "M9999"},
		{"unknown town", `{"username":"lisi","roles":[{"role":"planner"},{"role":"team_leader","town":"999999999"}]}`, 404, auth.ReasonTownNotFound, "town", "999999999"},
		{"member without code", `{"username":"lisi","roles":[{"role":"member"}]}`, 400, auth.ReasonMemberMissing, "", ""},
		{"bad role", `{"username":"lisi","roles":[{"role":"boss"}]}`, 400, auth.ReasonRoleBad, "role", "boss"},
		{"short password", `{"username":"lisi","password":"short","roles":[{"role":"planner"}]}`, 400, auth.ReasonPasswordShort, "min", "10"},
		{"taken", `{"username":"alice","roles":[{"role":"planner"}]}`, 409, auth.ReasonUserExists, "username", "alice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(t, f.asAdmin("POST", "/api/v1/admin/users", tc.body))
			var a refusalAnswer
			if rec.Code != tc.status || json.Unmarshal(rec.Body.Bytes(), &a) != nil || a.Error.Details.Reason != tc.reason {
				t.Fatalf("POST users %s = %d %s, want %d with reason %s", tc.body, rec.Code, rec.Body, tc.status, tc.reason)
			}
			if tc.param != "" {
				if got := a.Error.Details.Params[tc.param]; got == nil || strings.TrimSuffix(toString(got), ".0") != tc.paramVal {
					t.Fatalf("POST users %s: params = %v, want %s = %s", tc.body, a.Error.Details.Params, tc.param, tc.paramVal)
				}
			}
			if _, err := f.svc.User(f.ctx, "lisi"); err == nil {
				t.Fatalf("after POST users %s answered %d, account lisi exists; want nothing created", tc.body, rec.Code)
			}
		})
	}
	events, err := f.svc.Audit(f.ctx, auth.AuditFilter{Actor: "admin", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Target == "lisi" {
			t.Fatalf("audit log has %s of lisi, whose creation was refused", e.Action)
		}
	}
	// A good one: the account and one grant event per role, naming it.
	rec := f.do(t, f.asAdmin("POST", "/api/v1/admin/users", `{"username":"lisi","roles":[{"role":"gis"},{"role":"household_points"}]}`))
	if rec.Code != 201 {
		t.Fatalf("POST users lisi = %d %s, want 201", rec.Code, rec.Body)
	}
	events, _ = f.svc.Audit(f.ctx, auth.AuditFilter{Action: "grant", Limit: 1000})
	var roles []string
	for _, e := range events {
		if e.Target == "lisi" {
			roles = append(roles, e.Detail["role"].(string))
		}
	}
	if strings.Join(roles, ",") != "household_points,gis" {
		t.Fatalf("grant events of lisi name roles %v, want household_points and gis", roles)
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// API tokens from the web map: an admin lists, creates and revokes any
// account's; a signed-in user their own, from a session only; each creation
// and revocation is audited (review 3, fault 12).
func TestTokenRoutes(t *testing.T) {
	f := newAdminFixture(t)
	planner, plannerMe := f.login(t, "planner", "planner-password-1")
	asPlanner := func(method, path, body string) call {
		return call{method: method, path: path, body: body, cookie: planner, header: map[string]string{api.CSRFHeader: plannerMe.CSRFToken}}
	}
	type created struct {
		ID        int64  `json:"id"`
		Token     string `json:"token"`
		Name      string `json:"name"`
		ExpiresAt string `json:"expires_at"`
		Username  string `json:"username"`
	}
	create := func(c call) created {
		t.Helper()
		rec := f.do(t, c)
		var out created
		if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &out) != nil || !strings.HasPrefix(out.Token, auth.TokenPrefix) || out.ExpiresAt == "" {
			t.Fatalf("%s %s = %d %s, want 201 with a token and its expiry", c.method, c.path, rec.Code, rec.Body)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("%s %s: Cache-Control %q, want no-store", c.method, c.path, cc)
		}
		return out
	}

	// Refusals first.
	refusals := []struct {
		name   string
		c      call
		status int
	}{
		{"planner lists alice's", asPlanner("GET", "/api/v1/admin/users/alice/tokens", ""), 403},
		{"planner makes one for alice", asPlanner("POST", "/api/v1/admin/users/alice/tokens", `{}`), 403},
		{"no session", call{method: "POST", path: "/api/v1/auth/tokens", body: `{}`}, 401},
		{"session without CSRF", call{method: "POST", path: "/api/v1/auth/tokens", body: `{}`, cookie: planner}, 403},
		{"too long", asPlanner("POST", "/api/v1/auth/tokens", `{"expires_days":400}`), 400},
		{"unknown account", f.asAdmin("POST", "/api/v1/admin/users/nobody/tokens", `{}`), 404},
		{"bad id", f.asAdmin("DELETE", "/api/v1/admin/users/alice/tokens/x", ""), 400},
	}
	for _, tc := range refusals {
		if rec := f.do(t, tc.c); rec.Code != tc.status {
			t.Fatalf("%s: %s %s = %d %s, want %d", tc.name, tc.c.method, tc.c.path, rec.Code, rec.Body, tc.status)
		}
	}

	// The admin makes one for alice; it works; it is listed; revoked, it stops.
	a := create(f.asAdmin("POST", "/api/v1/admin/users/alice/tokens", `{"name":"QGIS","expires_days":30}`))
	if a.Username != "alice" || a.Name != "QGIS" {
		t.Fatalf("created %+v, want alice's token named QGIS", a)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", header: map[string]string{"Authorization": "Bearer " + a.Token}}); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"user":"alice"`) {
		t.Fatalf("GET /me with the new token = %d %s, want alice", rec.Code, rec.Body)
	}
	rec := f.do(t, f.asAdmin("GET", "/api/v1/admin/users/alice/tokens", ""))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"id":`+strconv.FormatInt(a.ID, 10)) || strings.Contains(rec.Body.String(), a.Token) {
		t.Fatalf("GET alice's tokens = %d %s, want token %d listed without its secret", rec.Code, rec.Body, a.ID)
	}
	// A token may not mint tokens, even its own user's.
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/tokens", body: `{}`, header: map[string]string{"Authorization": "Bearer " + a.Token}}); rec.Code != 403 ||
		!strings.Contains(rec.Body.String(), auth.ReasonTokenBySession) {
		t.Fatalf("POST /auth/tokens with a token = %d %s, want 403 %s", rec.Code, rec.Body, auth.ReasonTokenBySession)
	}
	// The planner cannot revoke alice's token through their own route.
	if rec := f.do(t, asPlanner("DELETE", "/api/v1/auth/tokens/"+strconv.FormatInt(a.ID, 10), "")); rec.Code != 404 {
		t.Fatalf("planner DELETE alice's token through /auth/tokens = %d %s, want 404", rec.Code, rec.Body)
	}
	if rec := f.do(t, f.asAdmin("DELETE", "/api/v1/admin/users/alice/tokens/"+strconv.FormatInt(a.ID, 10), "")); rec.Code != 204 {
		t.Fatalf("admin DELETE alice's token = %d %s, want 204", rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", header: map[string]string{"Authorization": "Bearer " + a.Token}}); rec.Code != 401 {
		t.Fatalf("GET /me with the revoked token = %d, want 401", rec.Code)
	}
	if rec := f.do(t, f.asAdmin("DELETE", "/api/v1/admin/users/alice/tokens/"+strconv.FormatInt(a.ID, 10), "")); rec.Code != 404 {
		t.Fatalf("admin DELETE the revoked token again = %d %s, want 404", rec.Code, rec.Body)
	}

	// The planner makes their own, lists it and revokes it.
	p := create(asPlanner("POST", "/api/v1/auth/tokens", `{"name":"my QGIS"}`))
	if p.Username != "planner" {
		t.Fatalf("own token of %s, want planner", p.Username)
	}
	if rec := f.do(t, asPlanner("GET", "/api/v1/auth/tokens", "")); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"my QGIS"`) {
		t.Fatalf("GET own tokens = %d %s, want my QGIS", rec.Code, rec.Body)
	}
	if rec := f.do(t, asPlanner("DELETE", "/api/v1/auth/tokens/"+strconv.FormatInt(p.ID, 10), "")); rec.Code != 204 {
		t.Fatalf("DELETE own token = %d %s, want 204", rec.Code, rec.Body)
	}
	// At most ten live tokens of one's own; a revoked one makes room.
	for i := range 10 {
		create(asPlanner("POST", "/api/v1/auth/tokens", `{"name":"n`+strconv.Itoa(i)+`"}`))
	}
	if rec := f.do(t, asPlanner("POST", "/api/v1/auth/tokens", `{}`)); rec.Code != 409 || !strings.Contains(rec.Body.String(), auth.ReasonTokenLimit) {
		t.Fatalf("an eleventh own token = %d %s, want 409 %s", rec.Code, rec.Body, auth.ReasonTokenLimit)
	}
	if _, err := f.svc.RevokeTokens(f.ctx, "planner", "n0", "test"); err != nil {
		t.Fatal(err)
	}
	create(asPlanner("POST", "/api/v1/auth/tokens", `{}`))

	// The audit log: who made and revoked which token of whom.
	want := []struct{ actor, action, target string }{
		{"admin", "token_create", "alice"}, {"admin", "token_revoke", "alice"},
		{"planner", "token_revoke", "planner"},
	}
	events, err := f.svc.Audit(f.ctx, auth.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		n := 0
		for _, e := range events {
			if e.Actor == w.actor && e.Action == w.action && e.Target == w.target && e.Detail["id"] != nil {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("audit log has %d %s by %s of %s with the token id, want 1", n, w.action, w.actor, w.target)
		}
	}
	own := 0
	for _, e := range events {
		if e.Actor == "planner" && e.Action == "token_create" && e.Target == "planner" && e.Detail["id"] != nil {
			own++
		}
	}
	if own != 12 {
		t.Fatalf("audit log has %d token_create by planner of planner, want 12 (my QGIS, ten, one after the revocation)", own)
	}
}
