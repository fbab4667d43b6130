package api_test

import (
	"net/http"
	"testing"

	"lianxin/api"
	"lianxin/auth"
	"lianxin/store/storetest"
)

// TestAuthCacheRevocation: a resolved token is remembered (a revocation by
// another process shows within auth.Options.CacheTTL, not at once), while a
// revocation or logout through this process's service applies at once.
func TestAuthCacheRevocation(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	token, _, err := f.svc.NewToken(f.ctx, "planner", "cache", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	me := func() int {
		return f.do(t, call{method: "GET", path: "/api/v1/auth/me", header: map[string]string{"Authorization": "Bearer " + token}}).Code
	}
	if got := me(); got != 200 {
		t.Fatalf("GET /me with a new token = %d, want 200", got)
	}
	// Revoked behind the service's back (as another process would): the
	// cached answer stands until the TTL.
	conn := storetest.Connect(t, f.urls)
	if _, err := conn.Exec(f.ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = 'cache'`); err != nil {
		t.Fatal(err)
	}
	if got := me(); got != 200 {
		t.Fatalf("GET /me within the cache TTL of another process's revocation = %d, want 200 (cached)", got)
	}
	// Through this process: at once.
	if _, err := f.svc.RevokeTokens(f.ctx, "planner", "cache", "test"); err != nil {
		t.Fatal(err)
	}
	if got := me(); got != 401 {
		t.Fatalf("GET /me after RevokeTokens in this process = %d, want 401", got)
	}

	session, _, _, err := f.svc.Login(f.ctx, "planner", "planner-password-1", auth.Client{IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	cookie := func() int {
		return f.do(t, call{method: "GET", path: "/api/v1/auth/me", cookie: &http.Cookie{Name: api.SessionCookie, Value: session}}).Code
	}
	if got := cookie(); got != 200 {
		t.Fatalf("GET /me with a new session = %d, want 200", got)
	}
	if err := f.svc.Logout(f.ctx, session, auth.Client{}, "planner"); err != nil {
		t.Fatal(err)
	}
	if got := cookie(); got != 401 {
		t.Fatalf("GET /me after logout in this process = %d, want 401", got)
	}
}
