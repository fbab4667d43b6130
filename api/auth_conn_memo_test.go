package api_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lianxin/api"
	"lianxin/auth"
	"lianxin/store/storetest"
)

// TestConnMemoKeepsRevocation: on one keep-alive connection, whose token
// answers come from the connection's memo (auth.ConnMemo), a token answers
// for its own user only, a revocation or a disabled account through this
// process applies at once, and a revocation by another process once the
// caller cache's TTL has passed, as without the memo.
func TestConnMemoKeepsRevocation(t *testing.T) {
	ctx := context.Background()
	const ttl = 400 * time.Millisecond
	f := newAuthServerWith(t, api.Config{}, auth.Options{CacheTTL: ttl})
	svc := f.svc
	token := func(user, name string) string {
		tok, _, err := svc.NewToken(ctx, user, name, 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	planner, admin := token("planner", "memo"), token("admin", "memo")

	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config.ConnContext = f.srv.ConnContext
	var conns atomic.Int32
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	client := ts.Client()

	// me returns the status and user of GET /api/v1/auth/me with tok, and
	// fails the test if the request did not reuse the first connection.
	first := true
	me := func(tok string) (int, string) {
		t.Helper()
		reused := false
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		}), "GET", ts.URL+"/api/v1/auth/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var a meAnswer
		_ = json.NewDecoder(res.Body).Decode(&a)
		if !reused && !first {
			t.Fatalf("a request opened a new connection: the memo of the first was not exercised")
		}
		first = false
		return res.StatusCode, a.User
	}
	check := func(what, tok string, wantStatus int, wantUser string) {
		t.Helper()
		status, user := me(tok)
		if status != wantStatus || (wantStatus == 200 && user != wantUser) {
			t.Fatalf("%s: GET /me = %d as %q, want %d as %q", what, status, user, wantStatus, wantUser)
		}
	}

	check("planner's token", planner, 200, "planner")
	check("planner's token again (from the memo)", planner, 200, "planner")
	check("admin's token on the same connection", admin, 200, "admin")
	check("planner's token after admin's", planner, 200, "planner")
	wrong := planner[:len(planner)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(planner, "A")]
	check("a token one character off the remembered one", wrong, 401, "")
	check("planner's token after a wrong one", planner, 200, "planner")

	// Revoked through this process: at once, memo or not.
	check("admin's token", admin, 200, "admin")
	if _, err := svc.RevokeTokens(ctx, "admin", "memo", "test"); err != nil {
		t.Fatal(err)
	}
	check("admin's token revoked through the service", admin, 401, "")

	// A disabled account: at once.
	check("planner's token", planner, 200, "planner")
	if _, err := svc.SetDisabled(ctx, "planner", true, "test"); err != nil {
		t.Fatal(err)
	}
	check("planner's token after the account is disabled", planner, 401, "")
	if _, err := svc.SetDisabled(ctx, "planner", false, "test"); err != nil {
		t.Fatal(err)
	}
	check("planner's old token after the account is enabled again (disabling revoked it)", planner, 401, "")

	// Revoked by another process: seen once the caller cache's TTL has
	// passed, as without the memo.
	fresh := token("planner", "memo-fresh")
	check("planner's new token", fresh, 200, "planner")
	check("planner's new token again (from the memo)", fresh, 200, "planner")
	conn := storetest.Connect(t, f.urls)
	if _, err := conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = 'memo-fresh'`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 200*time.Millisecond)
	check("planner's new token revoked by another process, after the cache TTL", fresh, 401, "")
	if n := conns.Load(); n != 1 {
		t.Fatalf("the requests used %d connections, want 1", n)
	}
}
