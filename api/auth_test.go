package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// cheap keeps argon2 fast in tests; production uses auth.DefaultParams.
var cheap = auth.Params{MemoryKiB: 64, Time: 1, Threads: 1}

type authFixture struct {
	srv  *api.Server
	svc  *auth.Service
	ctx  context.Context
	urls string
}

// newAuthServer serves a fresh database as the server runs it: through the
// unprivileged role, with sign-in wired.
func newAuthServer(t *testing.T, cfg api.Config) authFixture {
	t.Helper()
	return newAuthServerWith(t, cfg, auth.Options{LockAfter: 3})
}

// newAuthServerWith is newAuthServer with the accounts service's options
// opt (its password parameters and logger are the tests').
func newAuthServerWith(t *testing.T, cfg api.Config, opt auth.Options) authFixture {
	t.Helper()
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Role: store.AppRole, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	opt.Params, opt.Logger = cheap, quietLogger()
	svc, err := auth.New(app, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Username: "admin", Password: "admin-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}}},
		{Username: "planner", Password: "planner-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}},
	} {
		if _, err := svc.AddUser(ctx, u, "test"); err != nil {
			t.Fatalf("add %s: %v", u.Username, err)
		}
	}
	return authFixture{srv: api.NewServer(cfg, api.Deps{Logger: quietLogger(), Health: app, Auth: svc}), svc: svc, ctx: ctx, urls: dbURL}
}

// newDemoAuthServer serves a fresh demo county as the server runs it
// (the unprivileged role, sign-in and the reports wired), with users added.
func newDemoAuthServer(t *testing.T, users ...auth.NewUser) (authFixture, *demo.County) {
	t.Helper()
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Role: store.AppRole, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	svc, err := auth.New(app, auth.Options{Params: cheap, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if _, err := svc.AddUser(ctx, u, "test"); err != nil {
			t.Fatalf("add %s: %v", u.Username, err)
		}
	}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: app, Auth: svc, Reports: app})
	return authFixture{srv: srv, svc: svc, ctx: ctx, urls: dbURL}, county
}

type call struct {
	method, path, body string
	cookie             *http.Cookie
	header             map[string]string
}

func (f authFixture) do(t *testing.T, c call) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

type meAnswer struct {
	User            string   `json:"user"`
	Roles           []string `json:"roles"`
	AllTowns        bool     `json:"all_towns"`
	HouseholdPoints bool     `json:"household_points"`
	CSRFToken       string   `json:"csrf_token"`
}

func (f authFixture) login(t *testing.T, user, password string) (*http.Cookie, meAnswer) {
	t.Helper()
	rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"` + user + `","password":"` + password + `"}`})
	if rec.Code != 200 {
		t.Fatalf("login %s = %d %s, want 200", user, rec.Code, rec.Body)
	}
	var me meAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil {
		t.Fatal(err)
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == api.SessionCookie {
			return ck, me
		}
	}
	t.Fatalf("login %s set no %s cookie", user, api.SessionCookie)
	return nil, me
}

func TestSignInFlow(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	// Protected routes answer 401 in our error shape; public ones answer.
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me"}); rec.Code != 401 || !strings.Contains(rec.Body.String(), `"unauthorized"`) {
		t.Fatalf("GET /me without a session = %d %s, want 401 unauthorized", rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "GET", path: "/healthz"}); rec.Code != 200 {
		t.Fatalf("GET /healthz without a session = %d, want 200", rec.Code)
	}

	rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"planner","password":"planner-password-1"}`})
	if rec.Code != 200 {
		t.Fatalf("login = %d %s", rec.Code, rec.Body)
	}
	setCookie := rec.Header().Get("Set-Cookie")
	for _, want := range []string{api.SessionCookie + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("Set-Cookie %q lacks %q", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP without --secure-cookies", setCookie)
	}
	cookie, me := f.login(t, "planner", "planner-password-1")
	if me.User != "planner" || !me.AllTowns || me.HouseholdPoints || me.CSRFToken == "" || len(me.Roles) != 1 || me.Roles[0] != "planner" {
		t.Fatalf("login answer %+v, want planner, county-wide, no household points, a CSRF token", me)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", cookie: cookie}); rec.Code != 200 || !strings.Contains(rec.Body.String(), me.CSRFToken) {
		t.Fatalf("GET /me with the session = %d %s, want 200 with the same CSRF token", rec.Code, rec.Body)
	}
	// The planner is not an admin.
	if rec := f.do(t, call{method: "GET", path: "/api/v1/admin/audit", cookie: cookie}); rec.Code != 403 {
		t.Fatalf("planner GET /admin/audit = %d, want 403", rec.Code)
	}
	// Unsafe methods with a cookie need the CSRF header.
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/logout", cookie: cookie}); rec.Code != 403 {
		t.Fatalf("logout without %s = %d %s, want 403", api.CSRFHeader, rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/logout", cookie: cookie, header: map[string]string{api.CSRFHeader: "wrong"}}); rec.Code != 403 {
		t.Fatalf("logout with a wrong %s = %d, want 403", api.CSRFHeader, rec.Code)
	}
	if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/logout", cookie: cookie, header: map[string]string{api.CSRFHeader: me.CSRFToken}}); rec.Code != 204 {
		t.Fatalf("logout with the CSRF token = %d %s, want 204", rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", cookie: cookie}); rec.Code != 401 {
		t.Fatalf("GET /me after logout = %d, want 401", rec.Code)
	}
}

func TestWrongPasswordsLockTheAccount(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	bad := `{"username":"planner","password":"not-the-password"}`
	unknown := `{"username":"nobody","password":"not-the-password"}`
	r1 := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: bad})
	r2 := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: unknown})
	if r1.Code != 401 || r2.Code != 401 || r1.Body.String() != r2.Body.String() {
		t.Fatalf("wrong password = %d %s, unknown user = %d %s; want the same 401", r1.Code, r1.Body, r2.Code, r2.Body)
	}
	f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: bad})
	f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: bad}) // third failure: locked (LockAfter 3)
	rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"planner","password":"planner-password-1"}`})
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"rate_limited"`) {
		t.Fatalf("right password on a locked account = %d %s, want 429 rate_limited with Retry-After", rec.Code, rec.Body)
	}
	// The admin sees it all in the audit log.
	cookie, _ := f.login(t, "admin", "admin-password-1")
	rec = f.do(t, call{method: "GET", path: "/api/v1/admin/audit?action=login_failed", cookie: cookie})
	var got struct {
		Events []auth.Event `json:"events"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
		t.Fatalf("GET /admin/audit = %d %s", rec.Code, rec.Body)
	}
	if len(got.Events) != 4 {
		t.Fatalf("audit has %d login_failed events, want 4: %+v", len(got.Events), got.Events)
	}
	if strings.Contains(rec.Body.String(), "not-the-password") {
		t.Fatal("the audit log holds a tried password")
	}
}

func TestBearerTokens(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	token, _, err := f.svc.NewToken(f.ctx, "admin", "script", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + token}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/admin/users", header: bearer}); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"planner"`) {
		t.Fatalf("GET /admin/users with a token = %d %s, want 200 listing planner", rec.Code, rec.Body)
	}
	// No CSRF header needed with a bearer token.
	rec := f.do(t, call{method: "POST", path: "/api/v1/admin/users", header: bearer,
		body: `{"username":"gis1","password":"gis-password-1","roles":[{"role":"gis"}]}`})
	if rec.Code != 201 {
		t.Fatalf("POST /admin/users with a token = %d %s, want 201", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "argon2") || strings.Contains(rec.Body.String(), "gis-password-1") {
		t.Fatalf("the created user's answer shows a password or its hash: %s", rec.Body)
	}
	for _, h := range []string{"Bearer " + token + "x", "Bearer lx_" + strings.Repeat("A", 43), "Basic YWRtaW46eA==", "Bearer "} {
		if rec := f.do(t, call{method: "GET", path: "/api/v1/admin/users", header: map[string]string{"Authorization": h}}); rec.Code != 401 {
			t.Errorf("Authorization %q = %d, want 401", h, rec.Code)
		}
	}
	if _, err := f.svc.RevokeTokens(f.ctx, "admin", "", "test"); err != nil {
		t.Fatal(err)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/admin/users", header: bearer}); rec.Code != 401 {
		t.Fatalf("a revoked token = %d, want 401", rec.Code)
	}
	// Stored as its SHA-256, never in the clear.
	conn := storetest.Connect(t, f.urls)
	var hashed, clear int
	if err := conn.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))),
	        count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in token_hash) > 0) FROM api_tokens`, token).Scan(&hashed, &clear); err != nil {
		t.Fatal(err)
	}
	if hashed != 1 || clear != 0 {
		t.Fatalf("api_tokens: %d rows hold the token's SHA-256, %d the token itself; want 1 and 0", hashed, clear)
	}
}

// Desktop GIS sends an API token as the password of HTTP Basic: it reads
// as the token's user when the name matches, and never writes.
func TestBasicWithToken(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	token, _, err := f.svc.NewToken(f.ctx, "admin", "qgis", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	basic := func(user, pass string) map[string]string {
		return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
	}
	cases := []struct {
		name, method, path string
		header             map[string]string
		body               string
		want               int
	}{
		{"the token's user reads", "GET", "/api/v1/admin/users", basic("admin", token), "", 200},
		{"another user's name", "GET", "/api/v1/admin/users", basic("planner", token), "", 401},
		{"a wrong token", "GET", "/api/v1/admin/users", basic("admin", token+"x"), "", 401},
		{"the account password", "GET", "/api/v1/admin/users", basic("admin", "admin-password"), "", 401},
		{"not base64", "GET", "/api/v1/admin/users", map[string]string{"Authorization": "Basic ***"}, "", 401},
		{"a write", "POST", "/api/v1/admin/users", basic("admin", token),
			`{"username":"gis2","password":"gis-password-2","roles":[{"role":"gis"}]}`, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := f.do(t, call{method: c.method, path: c.path, header: c.header, body: c.body})
			if rec.Code != c.want {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, rec.Code, rec.Body, c.want)
			}
			if c.want != 401 {
				return
			}
			// A browser's request (Sec-Fetch-Mode) is not challenged for
			// Basic: it would show a password dialog; GDAL and curl are
			// (TestBasicChallenge).
			browser := map[string]string{"Sec-Fetch-Mode": "cors"}
			for k, v := range c.header {
				browser[k] = v
			}
			rec = f.do(t, call{method: c.method, path: c.path, header: browser, body: c.body})
			if strings.Contains(rec.Header().Get("WWW-Authenticate"), "Basic") {
				t.Errorf("a browser's 401 challenges for Basic (%q): browsers would show a password dialog", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", header: basic("admin", token)}); !strings.Contains(rec.Body.String(), `"user":"admin"`) {
		t.Errorf("GET /auth/me with Basic = %d %s, want user admin", rec.Code, rec.Body)
	}
	if rec := f.do(t, call{method: "GET", path: "/api/v1/admin/users", header: map[string]string{"Authorization": "Bearer " + token}}); strings.Contains(rec.Body.String(), `"gis2"`) {
		t.Errorf("a POST with Basic credentials created a user: %s", rec.Body)
	}
}

func TestSecureHeadersAndCORS(t *testing.T) {
	f := newAuthServer(t, api.Config{BasemapURL: "https://tiles.example/{z}/{x}/{y}.png"})
	rec := f.do(t, call{method: "GET", path: "/healthz", header: map[string]string{"Origin": "https://evil.example"}})
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"worker-src 'self' blob:", "img-src 'self' data: blob: https://tiles.example", "frame-ancestors 'none'", "object-src 'none'", "connect-src 'self' https://tiles.example"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("headers %v lack nosniff or frame denial", rec.Header())
	}
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("CORS not configured, yet Access-Control-Allow-Origin = %q", v)
	}
	g := newAuthServer(t, api.Config{CORSOrigins: []string{"https://qgis.example"}})
	rec = g.do(t, call{method: "GET", path: "/healthz", header: map[string]string{"Origin": "https://qgis.example"}})
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "https://qgis.example" {
		t.Errorf("configured origin: Access-Control-Allow-Origin = %q, want https://qgis.example", v)
	}
	// A script on another origin reads a download's name and its count of
	// cut shapefile values.
	if v := rec.Header().Get("Access-Control-Expose-Headers"); !strings.Contains(v, "Content-Disposition") || !strings.Contains(v, api.HeaderCutValues) {
		t.Errorf("configured origin: Access-Control-Expose-Headers = %q, want Content-Disposition and %s", v, api.HeaderCutValues)
	}
	rec = g.do(t, call{method: "GET", path: "/healthz", header: map[string]string{"Origin": "https://evil.example"}})
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("unlisted origin: Access-Control-Allow-Origin = %q, want none", v)
	}
}

func TestSecureCookieOption(t *testing.T) {
	f := newAuthServer(t, api.Config{SecureCookies: true})
	rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: `{"username":"planner","password":"planner-password-1"}`})
	if !strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
		t.Fatalf("with SecureCookies, Set-Cookie = %q, want Secure", rec.Header().Get("Set-Cookie"))
	}
}

func TestLoginValidation(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	for _, body := range []string{``, `{`, `[]`, `{"username":""}`, `{"username":"planner"}`, `{"username":"` + strings.Repeat("a", 65) + `","password":"x"}`} {
		if rec := f.do(t, call{method: "POST", path: "/api/v1/auth/login", body: body}); rec.Code != 400 {
			t.Errorf("login body %q = %d %s, want 400", body, rec.Code, rec.Body)
		}
	}
}

// The sign-in and admin routes, registered only with Deps.Auth, are in the
// OpenAPI document too.
func TestOpenAPIListsAuthRoutes(t *testing.T) {
	f := newAuthServer(t, api.Config{})
	rec := f.do(t, call{method: "GET", path: "/api/openapi.json"})
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range f.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/auth/") && !strings.HasPrefix(r.Path, "/api/v1/admin/") {
			continue
		}
		n++
		if _, ok := doc.Paths[api.OpenAPIPath(r.Path)][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", r.Method, r.Path)
		}
	}
	if n != 18 {
		t.Fatalf("found %d auth and admin routes, want 18", n)
	}
}
