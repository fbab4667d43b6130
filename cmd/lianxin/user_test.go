package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The command line makes accounts and tokens that the server then accepts.
func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	lx := commandLine(ctx, databaseEnv(dbURL), "user")
	out, err := lx("demo", "--seed", "7", "--all")
	if err != nil {
		t.Fatalf("user demo: %v\n%s", err, out)
	}
	leaders, members := 0, len(county.Members)
	for _, m := range county.Members {
		if m.Role == "leader" {
			leaders++
		}
	}
	for _, want := range []string{"admin  ", "planner", "gis", "leader-" + county.Towns[0].Code, "member-" + county.Members[0].Code,
		auth.DemoPassword(7, "planner"), "seed 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("user demo printed no %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "member-"); n != members {
		t.Errorf("user demo printed %d member accounts, want %d", n, members)
	}
	if n := strings.Count(out, "leader-"); n != leaders {
		t.Errorf("user demo printed %d leader accounts, want %d (one per team leader)", n, leaders)
	}
	if again, err := lx("demo", "--seed", "7"); err != nil || !strings.Contains(again, ", 0 new)") {
		t.Errorf("user demo again = %v, %q; want no new accounts", err, again)
	}

	steps := []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		{[]string{"add", "alice", "--role", "team_leader", "--town", county.Towns[2].Code}, "", "password: "},
		{[]string{"add", "alice"}, "already exists", ""},
		{[]string{"add", "bad name"}, "username", ""},
		{[]string{"grant", "alice", "household_points"}, "", "alice now holds household_points"},
		{[]string{"grant", "alice", "team_leader", "--town", "nowhere"}, `town "nowhere" not found`, ""},
		{[]string{"grant", "alice", "wizard"}, `role "wizard"`, ""},
		{[]string{"revoke", "alice", "household_points"}, "", "revoked 1"},
		{[]string{"revoke", "alice", "household_points"}, "does not hold", ""},
		{[]string{"list"}, "", "team_leader:" + county.Towns[2].Code},
		{[]string{"token", "nobody"}, `user "nobody" not found`, ""},
		{[]string{"token", "alice", "--expires", "400d"}, "at most a year", ""},
		{[]string{"disable", "alice"}, "", "alice disabled"},
		{[]string{"disable", "nobody"}, `user "nobody" not found`, ""},
		{[]string{"enable", "alice"}, "", "alice enabled"},
		{[]string{"frob"}, "unknown user action", ""},
	}
	for _, s := range steps {
		out, err := lx(s.args...)
		if s.wantErr == "" && err != nil || s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)) {
			t.Errorf("user %v = %v, want error %q\n%s", s.args, err, s.wantErr, out)
		}
		if !strings.Contains(out, s.wantOut) {
			t.Errorf("user %v printed %q, want %q", s.args, out, s.wantOut)
		}
	}

	// A token printed by `user token` opens the API until it is revoked.
	out, err = lx("token", "planner", "--name", "qgis", "--expires", "30d")
	if err != nil {
		t.Fatal(err)
	}
	token := regexp.MustCompile(`lx_[A-Za-z0-9_-]{43}`).FindString(out)
	if token == "" {
		t.Fatalf("user token printed no token: %q", out)
	}
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	srv, err := newServer(Config{TileCacheMB: 1, RequestTimeout: time.Minute, BodyLimit: "1M"}, app, quiet(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	me := func() int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		srv.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := me(); code != 200 {
		t.Fatalf("GET /me with the printed token = %d, want 200", code)
	}
	if out, err := lx("token", "planner", "--revoke", "--name", "qgis"); err != nil || !strings.Contains(out, "revoked 1") {
		t.Fatalf("user token --revoke = %v %q", err, out)
	}
	if code := me(); code != 401 {
		t.Fatalf("GET /me with a revoked token = %d, want 401", code)
	}
	if out, err := lx("tokens", "planner"); err != nil || !strings.Contains(out, "qgis") {
		t.Fatalf("user tokens = %v %q, want the qgis token listed", err, out)
	}

	// /me names the towns a user works in: a member's is their member's
	// town, which their grant does not name.
	townCode := func(id int32) string {
		for _, tw := range county.Towns {
			if tw.ID == id {
				return tw.Code
			}
		}
		return ""
	}
	member := county.Members[0]
	for _, tc := range []struct {
		user      string
		wantTowns []string
		wantAll   bool
	}{
		{"planner", []string{}, true},
		{"leader-" + county.Towns[0].Code, []string{county.Towns[0].Code}, false},
		{"member-" + member.Code, []string{townCode(member.TownID)}, false},
	} {
		out, err := lx("token", tc.user, "--name", "me-check")
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/v1/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+regexp.MustCompile(`lx_[A-Za-z0-9_-]{43}`).FindString(out))
		srv.ServeHTTP(rec, req)
		var got struct {
			Towns    []string `json:"towns"`
			AllTowns bool     `json:"all_towns"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil ||
			!slices.Equal(got.Towns, tc.wantTowns) || got.AllTowns != tc.wantAll {
			t.Errorf("GET /me as %s = %d %s; want towns %v, all_towns %v", tc.user, rec.Code, rec.Body, tc.wantTowns, tc.wantAll)
		}
	}
}
