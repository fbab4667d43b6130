package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo"
	"lianxin/store/storetest"
)

// The diary's write route over HTTP, as `lianxin serve` wires it: CSRF,
// who may write for whom, what another town's objects answer, and accounts
// disabled or whose member moved town since they signed in.
func TestDiaryWriteSecurity(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.county
	hhA := firstOf(c.Households, f.townA.ID, func(h demo.Household) int32 { return h.TownID })
	hhB := firstOf(c.Households, f.townB.ID, func(h demo.Household) int32 { return h.TownID })
	var colleagues []demo.Member // town A's members other than the matrix's
	var memberB demo.Member
	for _, m := range c.Members {
		switch {
		case m.TownID == f.townA.ID && m.Code != f.memberA:
			colleagues = append(colleagues, m)
		case m.TownID == f.townB.ID && memberB.Code == "":
			memberB = m
		}
	}
	if len(colleagues) == 0 || memberB.Code == "" {
		t.Fatalf("demo county: %d other members in town A, member of town B %q; want one of each", len(colleagues), memberB.Code)
	}
	n := 0
	entry := func(household, member string) string {
		n++
		b, _ := json.Marshal(map[string]string{"id": fmt.Sprintf("app-sec-%08d", n), "household": household, "member": member, "kind": "household_visit"})
		return string(b)
	}
	post := func(s session, csrf, bearer, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/diary", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if s.cookie != nil {
			req.AddCookie(s.cookie)
		}
		if csrf != "" {
			req.Header.Set(api.CSRFHeader, csrf)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		return rec
	}
	// written reports whether town A's leader lists the entry id.
	written := func(body string) bool {
		var e struct{ ID string }
		_ = json.Unmarshal([]byte(body), &e)
		rec := f.do(leader, "GET", "/api/v1/diary?limit=500", "")
		return strings.Contains(rec.Body.String(), `"id":"`+e.ID+`"`)
	}

	t.Run("csrf", func(t *testing.T) {
		m := f.sessions[member]
		for _, tc := range []struct {
			name, csrf string
			want       int
		}{
			{"cookie without X-CSRF-Token", "", 403},
			{"cookie with another session's token", f.sessions[leader].csrf, 403},
			{"cookie with a made-up token", strings.Repeat("0", len(m.csrf)), 403},
			{"cookie with the session's token", m.csrf, 201},
		} {
			body := entry(hhA.ExternalID, "")
			rec := post(m, tc.csrf, "", body)
			if rec.Code != tc.want || (tc.want == 403) == written(body) {
				t.Errorf("%s: POST /api/v1/diary = %d %.200s, written %v; want %d", tc.name, rec.Code, rec.Body, written(body), tc.want)
			}
			if tc.want == 403 && !strings.Contains(rec.Body.String(), api.CSRFHeader) {
				t.Errorf("%s: 403 body %.200s does not name %s", tc.name, rec.Body, api.CSRFHeader)
			}
		}
	})

	// The same over a socket, as a cross-site form would send it: the
	// browser adds the cookie, cannot add the header.
	t.Run("csrf over HTTP", func(t *testing.T) {
		ts := httptest.NewServer(f.srv)
		defer ts.Close()
		for _, tc := range []struct {
			name, contentType, body string
		}{
			{"JSON", "application/json", entry(hhA.ExternalID, "")},
			{"a form", "application/x-www-form-urlencoded", "id=app-sec-form0001&household=" + hhA.ExternalID + "&kind=household_visit"},
			{"text/plain JSON", "text/plain", entry(hhA.ExternalID, "")},
		} {
			req, err := http.NewRequest("POST", ts.URL+"/api/v1/diary", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("Origin", "https://evil.example")
			req.AddCookie(f.sessions[member].cookie)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 403 || written(tc.body) {
				t.Errorf("cross-site %s with the member's cookie: POST /api/v1/diary = %d, written %v; want 403 and nothing written",
					tc.name, resp.StatusCode, written(tc.body))
			}
		}
	})

	// Another town's object answers as one that does not exist; naming
	// another member answers the same whatever member it is.
	t.Run("probes", func(t *testing.T) {
		norm := func(rec *httptest.ResponseRecorder, codes ...string) string {
			b := rec.Body.String()
			for _, c := range codes {
				b = strings.ReplaceAll(b, c, "CODE")
			}
			return fmt.Sprint(rec.Code, " ", b)
		}
		for _, tc := range []struct {
			name, role        string
			household, member [2]string // town B's, and one that does not exist
			wantCode          int
		}{
			{"member, household", member, [2]string{hhB.ExternalID, "3299999999999999"}, [2]string{"", ""}, 404},
			{"leader, household", leader, [2]string{hhB.ExternalID, "3299999999999999"}, [2]string{colleagues[0].Code, colleagues[0].Code}, 404},
			{"leader, member", leader, [2]string{hhA.ExternalID, hhA.ExternalID}, [2]string{memberB.Code, "M9999"}, 404},
			{"member, another member", member, [2]string{hhA.ExternalID, hhA.ExternalID}, [2]string{memberB.Code, colleagues[0].Code}, 403},
			{"member, unknown member", member, [2]string{hhA.ExternalID, hhA.ExternalID}, [2]string{memberB.Code, "M9999"}, 403},
		} {
			s := f.sessions[tc.role]
			out := post(s, s.csrf, "", entry(tc.household[0], tc.member[0]))
			missing := post(s, s.csrf, "", entry(tc.household[1], tc.member[1]))
			codes := []string{tc.household[0], tc.household[1], tc.member[0], tc.member[1]}
			if out.Code != tc.wantCode || norm(out, codes...) != norm(missing, codes...) {
				t.Errorf("%s as %s: town B's = %d %.200s; the other = %d %.200s; want the same %d", tc.name, tc.role,
					out.Code, out.Body, missing.Code, missing.Body, tc.wantCode)
			}
		}
	})

	// Accounts made now, signed in, then changed under their session.
	cli, err := auth.New(f.db, auth.Options{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	account := func(name string, m demo.Member) (session, string) {
		t.Helper()
		if _, err := cli.AddUser(ctx, auth.NewUser{Username: name, Password: "password-of-" + name,
			Roles: []auth.RoleGrant{{Role: lianxin.RoleMember, Member: m.Code}}}, "test"); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
		token, _, err := cli.NewToken(ctx, name, "phone", 0, "test")
		if err != nil {
			t.Fatalf("token of %s: %v", name, err)
		}
		s := f.login(t, name, "password-of-"+name)
		if rec := post(s, s.csrf, "", entry(hhA.ExternalID, "")); rec.Code != 201 {
			t.Fatalf("%s writes an entry = %d %.200s, want 201", name, rec.Code, rec.Body)
		}
		return s, token
	}

	t.Run("disabled", func(t *testing.T) {
		s, token := account("member-disabled", colleagues[0])
		rec := f.do(admin, "PATCH", "/api/v1/admin/users/member-disabled", `{"disabled":true}`)
		if rec.Code != 200 {
			t.Fatalf("disable member-disabled = %d %.200s", rec.Code, rec.Body)
		}
		for _, tc := range []struct {
			name         string
			csrf, bearer string
		}{{"session", s.csrf, ""}, {"API token", "", token}} {
			body := entry(hhA.ExternalID, "")
			if rec := post(s, tc.csrf, tc.bearer, body); rec.Code != 401 || written(body) {
				if tc.bearer != "" {
					rec = post(session{}, "", tc.bearer, body)
				}
				t.Errorf("disabled account's %s: POST /api/v1/diary = %d %.200s, written %v; want 401", tc.name, rec.Code, rec.Body, written(body))
			}
		}
		// The session probe tells the disabled session, and nobody, nothing
		// but that no one is signed in.
		for name, ck := range map[string]*http.Cookie{"the disabled session": s.cookie, "no cookie": nil} {
			req := httptest.NewRequest("GET", "/api/v1/auth/session", nil)
			if ck != nil {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"signed_in":false}` {
				t.Errorf("GET /api/v1/auth/session with %s = %d %.200s, want 200 {\"signed_in\":false}", name, rec.Code, rec.Body)
			}
		}
	})

	t.Run("member moved town", func(t *testing.T) {
		// One account per member (migration 038): the disabled account
		// above gives the member up first.
		if _, err := storetest.Connect(t, f.url).Exec(ctx, `DELETE FROM user_roles WHERE role = 'member' AND member_id = $1`, colleagues[0].ID); err != nil {
			t.Fatal(err)
		}
		s, _ := account("member-moved", colleagues[0])
		conn := storetest.Connect(t, f.url)
		if _, err := conn.Exec(ctx, `UPDATE members SET town_id = $1 WHERE code = $2`, f.townB.ID, colleagues[0].Code); err != nil {
			t.Fatal(err)
		}
		for _, hh := range []string{hhA.ExternalID, hhB.ExternalID} {
			body := entry(hh, "")
			rec := post(s, s.csrf, "", body)
			if rec.Code >= 500 || rec.Code < 400 || written(body) {
				t.Errorf("member moved to town B, household %s: POST /api/v1/diary = %d %.200s, written %v; want a 4xx and nothing written",
					hh, rec.Code, rec.Body, written(body))
			}
		}
		// The role itself revoked (what deleting the member row does, by cascade).
		if _, err := conn.Exec(ctx, `DELETE FROM user_roles WHERE user_id = (SELECT id FROM users WHERE username = 'member-moved')`); err != nil {
			t.Fatal(err)
		}
		body := entry(hhA.ExternalID, "")
		if rec := post(s, s.csrf, "", body); rec.Code < 400 || rec.Code >= 500 || written(body) {
			t.Errorf("member without roles: POST /api/v1/diary = %d %.200s; want a 4xx and nothing written", rec.Code, rec.Body)
		}
	})
}

// The entry's fields take the injection corpus: a 4xx or an entry, never a
// 500 and never SQL in the answer.
func TestDiaryInjectionCorpus(t *testing.T) {
	f := newFixture(t)
	hhA := firstOf(f.county.Households, f.townA.ID, func(h demo.Household) int32 { return h.TownID })
	base := map[string]any{"household": hhA.ExternalID, "kind": "household_visit"}
	n := 0
	for _, field := range []string{"id", "household", "member", "kind", "notes", "occurred_at"} {
		for _, inj := range injections {
			n++
			e := map[string]any{"id": fmt.Sprintf("app-inj-%08d", n)}
			for k, v := range base {
				e[k] = v
			}
			e[field] = inj
			body, _ := json.Marshal(e)
			for _, role := range []string{member, leader} {
				rec := f.do(role, "POST", "/api/v1/diary", string(body))
				if rec.Code >= 500 || showsSQL(rec.Body.Bytes(), inj) {
					t.Errorf("POST /api/v1/diary as %s with %s = %.60q: %d %.300s; want 2xx or 4xx, no SQL", role, field, inj, rec.Code, rec.Body)
				}
			}
		}
	}
	// And a body over the limit.
	big := `{"id":"app-inj-big00000","household":"` + hhA.ExternalID + `","kind":"household_visit","notes":"` + strings.Repeat("x", 70<<10) + `"}`
	if rec := f.do(member, "POST", "/api/v1/diary", big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /api/v1/diary with a 70 KiB body = %d %.200s, want 413", rec.Code, rec.Body)
	}
}
