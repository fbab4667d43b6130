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

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/store"
	"lianxin/store/storetest"
)

// TestConnMemoKeepsRevocation: on one keep-alive connection, whose token
// answers come from the connection's memo (auth.ConnMemo), a token answers
// for its own user only, a revocation or a disabled account through this
// process applies at once, and a revocation by another process within the
// caller cache's TTL, as without the memo.
func TestConnMemoKeepsRevocation(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Role: store.AppRole, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	const ttl = 400 * time.Millisecond
	svc, err := auth.New(app, auth.Options{Params: cheap, Logger: quietLogger(), CacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Username: "planner", Password: "planner-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}},
		{Username: "gis", Password: "gis-password-123", Roles: []auth.RoleGrant{{Role: lianxin.RoleGIS}}},
	} {
		if _, err := svc.AddUser(ctx, u, "test"); err != nil {
			t.Fatal(err)
		}
	}
	token := func(user, name string) string {
		tok, _, err := svc.NewToken(ctx, user, name, 0, "test")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	planner, gis := token("planner", "memo"), token("gis", "memo")

	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: app, Auth: svc})
	ts := httptest.NewUnstartedServer(srv)
	ts.Config.ConnContext = srv.ConnContext
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
	check("gis's token on the same connection", gis, 200, "gis")
	check("planner's token after gis's", planner, 200, "planner")
	wrong := planner[:len(planner)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(planner, "A")]
	check("a token one character off the remembered one", wrong, 401, "")
	check("planner's token after a wrong one", planner, 200, "planner")

	// Revoked through this process: at once, memo or not.
	if _, err := svc.RevokeTokens(ctx, "planner", "memo", "test"); err != nil {
		t.Fatal(err)
	}
	check("planner's token revoked through the service", planner, 401, "")

	// A disabled account: at once.
	check("gis's token", gis, 200, "gis")
	if _, err := svc.SetDisabled(ctx, "gis", true, "test"); err != nil {
		t.Fatal(err)
	}
	check("gis's token after the account is disabled", gis, 401, "")
	if _, err := svc.SetDisabled(ctx, "gis", false, "test"); err != nil {
		t.Fatal(err)
	}
	check("gis's old token after the account is enabled again (disabling revoked it)", gis, 401, "")

	// Revoked by another process: seen once the caller cache's TTL has
	// passed, as without the memo.
	fresh := token("gis", "memo-fresh")
	check("gis's new token", fresh, 200, "gis")
	check("gis's new token again (from the memo)", fresh, 200, "gis")
	conn := storetest.Connect(t, dbURL)
	if _, err := conn.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE name = 'memo-fresh'`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 200*time.Millisecond)
	check("gis's new token revoked by another process, after the cache TTL", fresh, 401, "")
	if n := conns.Load(); n != 1 {
		t.Fatalf("the requests used %d connections, want 1", n)
	}
}
