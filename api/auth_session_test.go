package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"lianxin/api"
)

// TestSessionProbe: GET /api/v1/auth/session answers 200 to anyone — not
// signed in before sign-in, with a bad token or after logout; signed in,
// with the /me fields — while /auth/me keeps its 401.
func TestSessionProbe(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	cookie, me := f.login(t, "planner", "planner-password-1")
	token, _, err := f.svc.NewToken(f.ctx, "admin", "probe", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	ended, endedMe := f.login(t, "planner", "planner-password-1")
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/logout", cookie: ended, header: map[string]string{api.CSRFHeader: endedMe.CSRFToken}}); rec.Code != http.StatusNoContent {
		t.Fatalf("logout = %d %s, want 204", rec.Code, rec.Body)
	}
	cases := []struct {
		name     string
		c        call
		signedIn bool
		user     string
		csrf     string
	}{
		{name: "no credentials", c: call{}},
		{name: "an unknown cookie", c: call{cookie: &http.Cookie{Name: api.SessionCookie, Value: "no-such-session-token-at-all-xxxxxxxxxxxxx"}}},
		{name: "an ended session", c: call{cookie: ended}},
		{name: "a wrong bearer token", c: call{header: map[string]string{"Authorization": "Bearer lx_wrong"}}},
		{name: "a session", c: call{cookie: cookie}, signedIn: true, user: "planner", csrf: me.CSRFToken},
		{name: "a bearer token", c: call{header: map[string]string{"Authorization": "Bearer " + token}}, signedIn: true, user: "admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.method, tc.c.path = "GET", "/api/v1/auth/session"
			rec := f.do(t, tc.c)
			var got struct {
				SignedIn  *bool    `json:"signed_in"`
				User      string   `json:"user"`
				Roles     []string `json:"roles"`
				CSRFToken string   `json:"csrf_token"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil || got.SignedIn == nil {
				t.Fatalf("GET /auth/session with %s = %d %s, want 200 with signed_in", tc.name, rec.Code, rec.Body)
			}
			if *got.SignedIn != tc.signedIn || got.User != tc.user || got.CSRFToken != tc.csrf || (tc.signedIn && len(got.Roles) == 0) {
				t.Errorf("GET /auth/session with %s = %s, want signed_in %v, user %q, csrf_token %q and roles when signed in",
					tc.name, rec.Body, tc.signedIn, tc.user, tc.csrf)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("GET /auth/session with %s: Cache-Control %q, want no-store", tc.name, cc)
			}
		})
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /auth/me without credentials = %d, want 401 still", rec.Code)
	}
}
