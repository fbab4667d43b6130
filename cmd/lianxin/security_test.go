package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"
	"github.com/prometheus/client_golang/prometheus"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The security tests drive the server exactly as `lianxin serve` wires it
// (newServer), logged in as the unprivileged database role, over the demo
// county, with one signed-in session per role.

// Roles of the matrix. leader and member belong to town A; out-of-scope
// objects are in town B.
const (
	anonymous = "anonymous"
	admin     = "admin"
	planner   = "planner"
	gis       = "gis"
	gisHH     = "gis+household"
	leader    = "leader-A"
	member    = "member-A"
)

var matrixRoles = []string{anonymous, admin, planner, gis, gisHH, leader, member}

// access is who may call an endpoint at all.
type access int

const (
	public          access = iota // everyone, signed in or not
	signedIn                      // every role; anonymous gets 401
	adminOnly                     // admin; other roles 403
	householdDetail               // roles with household points (gis+household, team leader); others 403
	importers                     // admin, gis, team leader; others 403
	diaryWriters                  // admin, team leader, member; others 403
	// memberEntry: an entry written as town A's member: the member
	// themselves and town A's leader; the admin of the matrix, who lacks the
	// household_points grant, and everyone else 403.
	memberEntry
	// tokenMakers: roles that work from desktop GIS or scripts may make
	// their own API tokens (auth.OwnTokenRoles); a member-only account 403.
	tokenMakers
	// spotCheckers record and list the diary spot check's results
	// (spotcheck.MayRecord): admin, team leader; others 403.
	spotCheckers
	// rankers read the spot check's ranking (spotcheck.MayRank): every
	// signed-in role but a member.
	rankers
)

func (a access) allows(role string) bool {
	switch a {
	case public:
		return true
	case signedIn:
		return role != anonymous
	case adminOnly:
		return role == admin
	case householdDetail:
		return role == gisHH || role == leader
	case importers:
		return role == admin || role == gis || role == gisHH || role == leader
	case diaryWriters:
		return role == admin || role == leader || role == member
	case memberEntry:
		return role == leader || role == member
	case tokenMakers:
		return role != anonymous && role != member
	case spotCheckers:
		return role == admin || role == leader
	case rankers:
		return role != anonymous && role != member
	}
	return false
}

// scopeCheck is what town A's leader and member must see of town B.
type scopeCheck int

const (
	noObject    scopeCheck = iota // the endpoint names no town's object
	notFound                      // out answers 404 with the body of a missing object
	filtered                      // the answer holds no row of town B (no town B code in it)
	emptyTile                     // the tile of town B's households is empty
	filteredOut                   // asking for town B's object is denied (403/404) or answers without town B's rows
	aggregateIn                   // town B's aggregates answer (issue 8: county-wide for every signed-in role), with no detail row of it
)

type endpoint struct {
	method, route string // as registered (srv.Routes())
	path          string // the request: town A's object, or the collection
	out, missing  string // town B's object, and one that does not exist (notFound)
	body          string
	access        access
	check         scopeCheck
	ok            []int    // statuses that mean "allowed" (default 200, 204, 304)
	denied        []int    // statuses that mean "refused" to a signed-in role (default 403)
	params        []string // query parameters the injection corpus is thrown at
}

type fixture struct {
	db       *store.Store // the owner's connection, for exact figures to compare with
	url      string       // the database's URL, for set-ups that change data as the superuser
	srv      *api.Server
	county   *demo.County
	townA    demo.Town
	townB    demo.Town
	sessions map[string]session
	memberA  string   // the member code of the member role
	markers  [][]byte // strings only town B's rows contain: its code (which prefixes its villages' and households' codes), its members' codes
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Role: store.AppRole, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	srv, err := newServer(Config{TileCacheMB: 8, RequestTimeout: time.Minute, BodyLimit: "8M"}, app, quiet(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: owner, url: dbURL, srv: srv, county: county, townA: county.Towns[0], townB: county.Towns[1], sessions: map[string]session{}}
	f.markers = [][]byte{[]byte(f.townB.Code)}
	for _, m := range county.Members {
		if m.TownID == f.townB.ID {
			f.markers = append(f.markers, []byte(`"`+m.Code+`"`))
		}
	}
	var memberA demo.Member
	for _, m := range county.Members {
		if m.TownID == f.townA.ID {
			memberA = m
			break
		}
	}
	f.memberA = memberA.Code
	// Accounts are made by the command line's service (as the owner), with
	// cheap hashes; the server verifies whatever parameters a hash names.
	cli, err := auth.New(owner, auth.Options{Params: auth.Params{MemoryKiB: 64, Time: 1, Threads: 1}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	grants := map[string][]auth.RoleGrant{
		admin:   {{Role: lianxin.RoleAdmin}},
		planner: {{Role: lianxin.RolePlanner}},
		gis:     {{Role: lianxin.RoleGIS}},
		gisHH:   {{Role: lianxin.RoleGIS}, {Role: auth.GrantHouseholdPoints}, {Role: auth.GrantPersonalFields}},
		leader:  {{Role: lianxin.RoleTeamLeader, Town: f.townA.Code}},
		member:  {{Role: lianxin.RoleMember, Member: memberA.Code}},
	}
	for _, role := range matrixRoles[1:] {
		name := strings.NewReplacer("+", "-").Replace(role)
		if _, err := cli.AddUser(ctx, auth.NewUser{Username: name, Password: "password-of-" + name, Roles: grants[role]}, "test"); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
		f.sessions[role] = f.login(t, name, "password-of-"+name)
	}
	return f
}

func (f *fixture) login(t *testing.T, user, password string) session {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"`+user+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	f.srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("login %s = %d %s", user, rec.Code, rec.Body)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &me)
	for _, c := range rec.Result().Cookies() {
		if c.Name == api.SessionCookie {
			return session{cookie: c, csrf: me.CSRF}
		}
	}
	t.Fatalf("login %s: no session cookie", user)
	return session{}
}

func (f *fixture) do(role, method, path, body string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if s, ok := f.sessions[role]; ok {
		req.AddCookie(s.cookie)
		req.Header.Set(api.CSRFHeader, s.csrf)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

// tileOf returns the z14 tile path of a town's household whose tile holds
// no household of any other town.
func tileOf(c *demo.County, town int32) string {
	towns := map[maptile.Tile]map[int32]bool{}
	for _, h := range c.Households {
		tl := maptile.At(h.Location, 14)
		if towns[tl] == nil {
			towns[tl] = map[int32]bool{}
		}
		towns[tl][h.TownID] = true
	}
	for _, h := range c.Households {
		tl := maptile.At(h.Location, 14)
		if h.TownID == town && len(towns[tl]) == 1 {
			return fmt.Sprintf("%d/%d/%d", tl.Z, tl.X, tl.Y)
		}
	}
	panic("no single-town tile")
}

func firstOf[T any](items []T, town int32, townOf func(T) int32) T {
	for _, it := range items {
		if townOf(it) == town {
			return it
		}
	}
	panic("no item in town")
}

// endpoints is the matrix: one row (or more) per registered route. A new
// route fails TestAccessMatrix until it has a row here.
func (f *fixture) endpoints() []endpoint {
	c := f.county
	hhA := firstOf(c.Households, f.townA.ID, func(h demo.Household) int32 { return h.TownID })
	hhB := firstOf(c.Households, f.townB.ID, func(h demo.Household) int32 { return h.TownID })
	visA := firstOf(c.Visits, f.townA.ID, func(v demo.Visit) int32 { return v.TownID })
	visB := firstOf(c.Visits, f.townB.ID, func(v demo.Visit) int32 { return v.TownID })
	cpA := firstOf(c.Contacts, f.townA.ID, func(p demo.ContactPoint) int32 { return p.TownID })
	cpB := firstOf(c.Contacts, f.townB.ID, func(p demo.ContactPoint) int32 { return p.TownID })
	tileA, tileB := tileOf(c, f.townA.ID), tileOf(c, f.townB.ID)
	teamA := firstOf(c.Teams, f.townA.ID, func(t demo.Team) int32 { return t.TownID }).Code
	teamB := firstOf(c.Teams, f.townB.ID, func(t demo.Team) int32 { return t.TownID }).Code
	vilA := firstOf(c.Villages, f.townA.ID, func(v demo.Village) int32 { return v.TownID }).Code
	vilB := firstOf(c.Villages, f.townB.ID, func(v demo.Village) int32 { return v.TownID }).Code
	report := func(name, param, a, b string, extra ...string) endpoint {
		return endpoint{method: "GET", route: "/api/v1/reports/" + name,
			path: "/api/v1/reports/" + name + "?" + param + "=" + a, out: "/api/v1/reports/" + name + "?" + param + "=" + b,
			access: signedIn, check: aggregateIn, params: append([]string{param, "from", "to", "format"}, extra...)}
	}
	ogcItem := func(layer string, a, b int64) endpoint {
		return endpoint{method: "GET", route: "/ogc/collections/:id/items/:featureId",
			path:    fmt.Sprintf("/ogc/collections/%s/items/%d", layer, a),
			out:     fmt.Sprintf("/ogc/collections/%s/items/%d", layer, b),
			missing: fmt.Sprintf("/ogc/collections/%s/items/%d", layer, 987654321),
			access:  signedIn, check: notFound, params: []string{"f"}}
	}
	hhItem := ogcItem("households", hhA.ID, hhB.ID)
	hhItem.access = householdDetail
	visItem := ogcItem("visits", visA.ID, visB.ID)
	visItem.access = householdDetail
	exportParams := []string{"format", "town", "bbox", "from", "to", "crs", "encoding", "below"}
	tileParams := []string{"metric", "from", "to", "town"}
	return []endpoint{
		{method: "GET", route: "/healthz", path: "/healthz", access: public},
		{method: "GET", route: "/readyz", path: "/readyz", access: public},
		{method: "GET", route: "/metrics", path: "/metrics", access: public},
		{method: "GET", route: "/api/openapi.json", path: "/api/openapi.json", access: public},
		{method: "GET", route: "/api/v1/config", path: "/api/v1/config", access: public},
		{method: "POST", route: "/api/v1/auth/login", path: "/api/v1/auth/login", body: `{"username":"x"}`, access: public, ok: []int{400}},
		{method: "GET", route: "/api/v1/auth/me", path: "/api/v1/auth/me", access: signedIn},
		{method: "GET", route: "/api/v1/auth/session", path: "/api/v1/auth/session", access: public},
		{method: "GET", route: "/api/v1/admin/users", path: "/api/v1/admin/users", access: adminOnly},
		{method: "POST", route: "/api/v1/admin/users", path: "/api/v1/admin/users", body: `{"username":"matrix","password":"short"}`,
			access: adminOnly, ok: []int{400}},
		// A member who is not there (404) and a campaign end before its
		// start (400): both refused, so the matrix writes nothing.
		{method: "PATCH", route: "/api/v1/admin/members/:code", path: "/api/v1/admin/members/M-MATRIX-NONE", body: `{"left_on":null}`,
			access: adminOnly, ok: []int{404}},
		{method: "PATCH", route: "/api/v1/campaign", path: "/api/v1/campaign", body: `{"ends_on":"2000-01-01"}`,
			access: adminOnly, ok: []int{400}},
		{method: "GET", route: "/api/v1/admin/audit", path: "/api/v1/admin/audit", access: adminOnly, params: []string{"limit", "before_id", "action", "actor"}},
		// Account changes name an account that does not exist, so the admin's
		// allowed answer is a 404 and no session of the matrix is touched.
		{method: "PATCH", route: "/api/v1/admin/users/:name", path: "/api/v1/admin/users/matrix-nobody", body: `{"disabled":false}`,
			access: adminOnly, ok: []int{404}},
		{method: "POST", route: "/api/v1/admin/users/:name/password", path: "/api/v1/admin/users/matrix-nobody/password",
			access: adminOnly, ok: []int{404}},
		{method: "POST", route: "/api/v1/admin/users/:name/roles", path: "/api/v1/admin/users/matrix-nobody/roles", body: `{"role":"planner"}`,
			access: adminOnly, ok: []int{404}},
		{method: "DELETE", route: "/api/v1/admin/users/:name/roles", path: "/api/v1/admin/users/matrix-nobody/roles?role=planner",
			access: adminOnly, ok: []int{404}},
		{method: "GET", route: "/api/v1/admin/users/:name/tokens", path: "/api/v1/admin/users/matrix-nobody/tokens",
			access: adminOnly, ok: []int{404}},
		{method: "POST", route: "/api/v1/admin/users/:name/tokens", path: "/api/v1/admin/users/matrix-nobody/tokens", body: `{}`,
			access: adminOnly, ok: []int{404}},
		{method: "DELETE", route: "/api/v1/admin/users/:name/tokens/:id", path: "/api/v1/admin/users/matrix-nobody/tokens/1",
			access: adminOnly, ok: []int{404}},
		// A user's own API tokens, from a signed-in session: the allowed
		// answers list them, refuse a bad expiry (so the matrix makes no
		// token) and find no token of the caller's with that id.
		{method: "GET", route: "/api/v1/auth/tokens", path: "/api/v1/auth/tokens", access: signedIn},
		{method: "POST", route: "/api/v1/auth/tokens", path: "/api/v1/auth/tokens", body: `{"expires_days":-1}`,
			access: tokenMakers, ok: []int{400}},
		{method: "DELETE", route: "/api/v1/auth/tokens/:id", path: "/api/v1/auth/tokens/999999999", access: signedIn, ok: []int{404}},

		{method: "GET", route: "/tiles/:layer", path: "/tiles/villages.json", access: signedIn, params: tileParams},
		{method: "GET", route: "/tiles/:layer", path: "/tiles/households.json", access: householdDetail},
		{method: "GET", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/villages/10/853/415.mvt", access: signedIn, params: tileParams},
		{method: "GET", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/h3/10/853/415.mvt", access: signedIn, params: tileParams},
		{method: "GET", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/households/" + tileA + ".mvt",
			out: "/tiles/households/" + tileB + ".mvt", access: householdDetail, check: emptyTile},
		// HEAD answers as GET does, headers alone: the same access.
		{method: "HEAD", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/villages/10/853/415.mvt", access: signedIn, params: tileParams},
		{method: "HEAD", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/households/" + tileA + ".mvt",
			out: "/tiles/households/" + tileB + ".mvt", access: householdDetail, check: emptyTile},
		{method: "GET", route: "/tiles/:layers/:z/:x/:y", path: "/tiles/contact_points,villages/" + tileA + ".mvt",
			out: "/tiles/contact_points/" + tileB + ".mvt", access: signedIn, check: emptyTile},

		{method: "GET", route: "/api/v1/export", path: "/api/v1/export", access: signedIn},
		{method: "GET", route: "/api/v1/export/:layer", path: "/api/v1/export/villages?format=csv", access: signedIn, params: exportParams},
		{method: "GET", route: "/api/v1/export/:layer", path: "/api/v1/export/households?format=csv", access: householdDetail, check: filtered},
		{method: "GET", route: "/api/v1/export/:layer", path: "/api/v1/export/contact_points?format=geojson", access: signedIn, check: filtered},
		{method: "GET", route: "/api/v1/export/pmtiles", path: "/api/v1/export/pmtiles?town=" + f.townA.Code + "&minzoom=11&maxzoom=11",
			out: "/api/v1/export/pmtiles?town=" + f.townB.Code + "&minzoom=11&maxzoom=11", access: signedIn, check: filteredOut, params: []string{"town", "minzoom", "maxzoom"}},
		{method: "GET", route: "/ogc", path: "/ogc", access: signedIn, params: []string{"f"}},
		{method: "GET", route: "/ogc/api", path: "/ogc/api", access: signedIn},
		{method: "GET", route: "/ogc/conformance", path: "/ogc/conformance", access: signedIn},
		{method: "GET", route: "/ogc/collections", path: "/ogc/collections", access: signedIn},
		{method: "GET", route: "/ogc/collections/:id", path: "/ogc/collections/villages", access: signedIn},
		{method: "GET", route: "/ogc/collections/:id", path: "/ogc/collections/households", access: householdDetail},
		{method: "GET", route: "/ogc/collections/:id/queryables", path: "/ogc/collections/villages/queryables", access: signedIn},
		{method: "GET", route: "/ogc/collections/:id/queryables", path: "/ogc/collections/households/queryables", access: householdDetail},
		{method: "GET", route: "/ogc/collections/:id/items", path: "/ogc/collections/contact_points/items?limit=1000",
			access: signedIn, check: filtered, params: []string{"bbox", "limit", "offset", "datetime", "f", "code"}},
		{method: "GET", route: "/ogc/collections/:id/items", path: "/ogc/collections/households/items?limit=1000",
			access: householdDetail, check: filtered},
		ogcItem("contact_points", int64(cpA.ID), int64(cpB.ID)),
		hhItem,
		visItem,

		{method: "GET", route: "/api/v1/campaign", path: "/api/v1/campaign", access: signedIn},
		{method: "GET", route: "/api/v1/towns", path: "/api/v1/towns", access: signedIn},
		{method: "GET", route: "/api/v1/teams", path: "/api/v1/teams", access: signedIn},
		{method: "GET", route: "/api/v1/villages/:code", path: "/api/v1/villages/" + vilA, out: "/api/v1/villages/" + vilB,
			access: signedIn, check: aggregateIn, params: []string{"from", "to"}},
		report("gaps", "town", f.townA.Code, f.townB.Code, "team", "all", "sort"),
		report("next", "team", teamA, teamB, "n"),
		func() endpoint { e := report("members", "team", teamA, teamB); e.check = filteredOut; return e }(),
		report("summary", "town", f.townA.Code, f.townB.Code),
		report("towns", "town", f.townA.Code, f.townB.Code, "team"),
		func() endpoint {
			e := report("diary-sample", "team", teamA, teamB, "n", "seed")
			e.check = filteredOut
			return e
		}(),
		report("forecast", "town", f.townA.Code, f.townB.Code),
		// The spot check: a result without an entry is refused (400) to
		// the roles that record; a leader lists and ranks town A's team
		// only, town B's answering without its rows.
		{method: "POST", route: "/api/v1/spot-checks", path: "/api/v1/spot-checks", body: `{"seed":1,"verdict":"ok"}`,
			access: spotCheckers, ok: []int{400}},
		// Correcting or withdrawing a result that is not there: 404 to the
		// roles that record (TestSpotCheckCorrections in api drives the
		// rest), 403 to the others.
		{method: "PATCH", route: "/api/v1/spot-checks/:id", path: "/api/v1/spot-checks/999999999", body: `{"verdict":"ok"}`,
			access: spotCheckers, ok: []int{404}},
		{method: "DELETE", route: "/api/v1/spot-checks/:id", path: "/api/v1/spot-checks/999999999",
			access: spotCheckers, ok: []int{404}},
		{method: "GET", route: "/api/v1/spot-checks", path: "/api/v1/spot-checks?team=" + teamA, out: "/api/v1/spot-checks?team=" + teamB,
			access: spotCheckers, check: filteredOut, params: []string{"team", "round", "verdict", "from", "to", "limit", "offset"}},
		{method: "GET", route: "/api/v1/reports/spot-check-ranking", path: "/api/v1/reports/spot-check-ranking?team=" + teamA,
			out: "/api/v1/reports/spot-check-ranking?team=" + teamB, access: rankers, check: filteredOut, params: []string{"team", "from", "to", "format"}},
		// Unvisited special-group households name households: household
		// access for the town asked, another town's is refused.
		func() endpoint {
			e := report("special-households", "town", f.townA.Code, f.townB.Code, "team", "group")
			e.access, e.check = householdDetail, filteredOut
			return e
		}(),
		{method: "POST", route: "/api/v1/snapshots", path: "/api/v1/snapshots", body: `{"town":"` + f.townA.Code + `"}`,
			access: signedIn, ok: []int{200, 201}},
		{method: "GET", route: "/api/v1/snapshots", path: "/api/v1/snapshots", access: signedIn, check: filtered},
		{method: "GET", route: "/api/v1/snapshots/:a/diff/:b", path: "/api/v1/snapshots/1/diff/2", access: signedIn, ok: []int{200, 404}},
		{method: "POST", route: "/api/v1/imports/:layer", path: "/api/v1/imports/households", body: `{}`, access: importers, ok: []int{400}},
		{method: "GET", route: "/api/v1/imports", path: "/api/v1/imports", access: importers, params: []string{"limit"}},
		{method: "GET", route: "/api/v1/imports/:id", path: "/api/v1/imports/1", access: importers, ok: []int{200, 404}},
		{method: "GET", route: "/api/v1/imports/:id/rejects", path: "/api/v1/imports/1/rejects", access: importers, ok: []int{200, 404}},
		{method: "GET", route: "/api/v1/imports/template", path: "/api/v1/imports/template?layer=visits", access: importers, params: []string{"layer"}},
		// Every role allowed writes the same entry, as town A's member: the
		// first writes it (201), the others' retries answer it (200)
		// (diary_security_test.go tries the other towns' objects).
		{method: "POST", route: "/api/v1/diary", path: "/api/v1/diary",
			body:   `{"id":"app-matrix-0001","household":"` + hhA.ExternalID + `","member":"` + f.memberA + `","kind":"household_visit"}`,
			access: memberEntry, ok: []int{200, 201}},
		// Listing: a member their own, a leader their towns'; the matrix's
		// admin, without household_points and with no entries of their
		// own, is told so (403), as the member entry's readers are.
		{method: "GET", route: "/api/v1/diary", path: "/api/v1/diary?limit=500", access: memberEntry, check: filtered, params: []string{"limit"}},
		// Correcting and withdrawing that entry: its member and town A's
		// leader; the first allowed DELETE withdraws it, the next finds
		// nothing (404). A role that cannot see the entry (the matrix's
		// admin, without household_points) is answered as for a missing one.
		{method: "PATCH", route: "/api/v1/diary/:id", path: "/api/v1/diary/app-matrix-0001", body: `{"notes":"matrix"}`,
			access: memberEntry, denied: []int{403, 404}},
		{method: "DELETE", route: "/api/v1/diary/:id", path: "/api/v1/diary/app-matrix-0001", access: memberEntry,
			ok: []int{200, 404}, denied: []int{403, 404}},

		// Last: it ends the session.
		{method: "POST", route: "/api/v1/auth/logout", path: "/api/v1/auth/logout", access: signedIn},
	}
}

func isAllowed(e endpoint, status int) bool {
	ok := e.ok
	if ok == nil {
		ok = []int{200, 204, 304}
	}
	return slices.Contains(ok, status)
}

// TestAccessMatrix drives every registered endpoint as every role, for an
// object in the caller's town and one outside it, and checks allow, filter
// or deny against the table above.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	eps := f.endpoints()
	for _, r := range f.srv.Routes() {
		if r.Path == "/*" || strings.HasSuffix(r.Path, "/*") && r.Method != "GET" {
			continue // the web app's fallback (and Echo's 404/405 for other methods)
		}
		if !slices.ContainsFunc(eps, func(e endpoint) bool { return e.method == r.Method && e.route == r.Path }) {
			t.Errorf("route %s %s has no row in the access matrix (cmd/lianxin/security_test.go endpoints): add one", r.Method, r.Path)
		}
	}
	unwired := map[string]bool{}
	for _, role := range matrixRoles {
		for _, e := range eps {
			name := fmt.Sprintf("%s %s as %s", e.method, e.path, role)
			rec := f.do(role, e.method, e.path, e.body)
			if rec.Code == 503 && strings.Contains(rec.Body.String(), "not configured") {
				unwired[e.route] = true
				continue
			}
			switch {
			case !e.access.allows(role) && role == anonymous:
				if rec.Code != 401 {
					t.Errorf("%s = %d %.200s, want 401", name, rec.Code, rec.Body)
				}
				continue
			case !e.access.allows(role):
				denied := e.denied
				if denied == nil {
					denied = []int{403}
				}
				if !slices.Contains(denied, rec.Code) {
					t.Errorf("%s = %d %.200s, want one of %v", name, rec.Code, rec.Body, denied)
				}
				continue
			case !isAllowed(e, rec.Code):
				t.Errorf("%s = %d %.300s, want one of %v", name, rec.Code, rec.Body, append(e.ok, 200))
				continue
			}
			if role != leader && role != member {
				continue
			}
			f.checkScope(t, role, e, rec)
		}
	}
	for route := range unwired {
		t.Logf("route %s answers 503 not configured: newServer does not wire its service yet, so the matrix could not check it", route)
	}
}

var idInBody = regexp.MustCompile(`\d+`)

func (f *fixture) checkScope(t *testing.T, role string, e endpoint, in *httptest.ResponseRecorder) {
	t.Helper()
	name := fmt.Sprintf("%s as %s", e.path, role)
	switch e.check {
	case notFound:
		out := f.do(role, e.method, e.out, e.body)
		missing := f.do(role, e.method, e.missing, e.body)
		norm := func(b []byte) string { return idInBody.ReplaceAllString(string(b), "ID") }
		if out.Code != 404 || missing.Code != 404 || norm(out.Body.Bytes()) != norm(missing.Body.Bytes()) {
			t.Errorf("%s: town B's object = %d %.200s; a missing one = %d %.200s; want the same 404", name, out.Code, out.Body, missing.Code, missing.Body)
		}
	case filtered:
		if m := f.leak(in.Body.Bytes()); m != "" {
			t.Errorf("%s: the answer holds %s, of town B: a row of another town leaked", name, m)
		}
	case filteredOut:
		out := f.do(role, e.method, e.out, e.body)
		if out.Code == 403 || out.Code == 404 {
			break
		}
		if out.Code != 200 {
			t.Errorf("%s: town B's %s = %d %.200s, want 403, 404 or 200 without town B's rows", name, e.out, out.Code, out.Body)
		} else if m := f.leak(out.Body.Bytes()); m != "" {
			t.Errorf("%s: town B's %s holds %s: a row of another town leaked", name, e.out, m)
		}
	case aggregateIn:
		// A team leader sees aggregates elsewhere, a member the aggregates the
		// privacy rules leave them (issue 8): town B's report answers, with
		// real figures for the leader, and never a detail row (a member code)
		// of town B.
		out := f.do(role, e.method, e.out, e.body)
		var doc any
		if out.Code != 200 || json.Unmarshal(out.Body.Bytes(), &doc) != nil {
			t.Errorf("%s: town B's %s = %d %.200s, want 200 with JSON", name, e.out, out.Code, out.Body)
			break
		}
		for _, m := range f.markers[1:] {
			if bytes.Contains(out.Body.Bytes(), m) {
				t.Errorf("%s: town B's %s holds %s: a detail row of another town leaked", name, e.out, m)
			}
		}
		if where := f.townBFigures(doc, ""); role == leader && where == "" {
			t.Errorf("%s: town B's %s shows no figure drawn from its households or visits; want county-wide aggregates", name, e.out)
		}
	case emptyTile:
		out := f.do(role, e.method, e.out, e.body)
		if out.Code != 204 && !(out.Code == 200 && out.Body.Len() == 0) {
			t.Errorf("%s: town B's tile %s = %d with %d bytes, want an empty tile", name, e.out, out.Code, out.Body.Len())
		}
		if role == leader && strings.Contains(e.path, "households") && (in.Code != 200 || in.Body.Len() == 0) {
			t.Errorf("%s: the leader's own tile = %d with %d bytes, want households in it (else the test proves nothing)", name, in.Code, in.Body.Len())
		}
	}
}

// detailFigures are figures drawn from households and visits; town
// context (names, codes, resident population, outlines) is every signed-in
// user's.
var detailFigures = []string{"visited_residents", "visited_households", "households_visited", "households", "visits",
	"household_visits", "problems_collected", "problems_resolved", "special_waiting", "opinions_collected"}

// townBFigures walks a JSON answer and returns where an object of town B
// (town_code or town equal to its code) holds a non-zero figure drawn from
// households or visits ("" if none does).
func (f *fixture) townBFigures(v any, path string) string {
	switch x := v.(type) {
	case map[string]any:
		if x["town_code"] == f.townB.Code || x["town"] == f.townB.Code {
			for _, k := range detailFigures {
				if n, ok := x[k].(float64); ok && n != 0 {
					return fmt.Sprintf("%s.%s = %v", path, k, n)
				}
			}
		}
		for k, c := range x {
			if w := f.townBFigures(c, path+"."+k); w != "" {
				return w
			}
		}
	case []any:
		for i, c := range x {
			if w := f.townBFigures(c, fmt.Sprintf("%s[%d]", path, i)); w != "" {
				return w
			}
		}
	}
	return ""
}

// leak returns the first of town B's markers found in body.
func (f *fixture) leak(body []byte) string {
	for _, m := range f.markers {
		if bytes.Contains(body, m) {
			return string(m)
		}
	}
	return ""
}

// injections are thrown at every query parameter and path parameter of
// every GET route: each must answer 400 (or a normal answer), never 500, and
// never show SQL.
var injections = []string{
	`'`, `"`, `' OR '1'='1`, `1 OR 1=1`, `1; DROP TABLE households; --`, `'; SELECT pg_sleep(5); --`,
	`1' AND (SELECT 1 FROM pg_sleep(5))--`, `1 UNION SELECT head_name, phone, id_number FROM household_personal--`,
	`' UNION ALL SELECT NULL,NULL,NULL--`, `id_number`, `household_personal.phone`, `"; COPY households TO '/tmp/x'; --`,
	`extractvalue(1, concat(0x7e, version()))`, `' or count(/child::node())=0 or '`, `//user[name/text()='x' or '1'='1']`,
	`$1`, `%00`, "\x00", `\`, `{"$gt": ""}`, `<script>alert(1)</script>`, `../../etc/passwd`, `-1`, `99999999999999999999`,
	`1e309`, `NaN`, `2026-13-45`, `120,30,121,31;DROP`, strings.Repeat("A", 5000), `𝕏中文'`,
}

// sqlLeak matches what a database error looks like in a body. The payload
// itself is cut out of the body first: a 400 may quote the bad value.
var sqlLeak = regexp.MustCompile(`ERROR:|(?i:SQLSTATE|syntax error at|pgx|pgconn|relation "[^"]*" does not exist|column "[^"]*" does not exist|invalid input syntax)`)

func showsSQL(body []byte, payload string) bool {
	b := string(body)
	js, _ := json.Marshal(payload)
	for _, p := range []string{string(js[1 : len(js)-1]), url.QueryEscape(payload), url.PathEscape(payload), payload} {
		if p != "" {
			b = strings.ReplaceAll(b, p, "")
		}
	}
	return sqlLeak.MatchString(b)
}

func TestInjectionCorpus(t *testing.T) {
	f := newFixture(t)
	role := leader
	requests := 0
	for _, e := range f.endpoints() {
		if e.method != "GET" || !e.access.allows(role) {
			continue
		}
		base, err := url.Parse(e.path)
		if err != nil {
			t.Fatal(err)
		}
		type target struct{ url, payload string }
		var targets []target
		for _, p := range e.params {
			for _, inj := range injections {
				u := *base
				q := u.Query()
				q.Set(p, inj)
				u.RawQuery = q.Encode()
				targets = append(targets, target{u.String(), inj})
			}
		}
		// Path parameters: each segment after the route's fixed prefix.
		segs := strings.Split(base.Path, "/")
		routeSegs := strings.Split(e.route, "/")
		for i, rs := range routeSegs {
			if !strings.HasPrefix(rs, ":") || i >= len(segs) {
				continue
			}
			for _, inj := range injections {
				s := slices.Clone(segs)
				s[i] = url.PathEscape(inj)
				targets = append(targets, target{strings.Join(s, "/") + "?" + base.RawQuery, inj})
			}
		}
		for _, tg := range targets {
			requests++
			rec := f.do(role, "GET", tg.url, "")
			if rec.Code >= 500 && rec.Code != 503 || rec.Code == 503 && !strings.Contains(rec.Body.String(), "not configured") {
				t.Errorf("GET %.200s = %d %.300s, want 400 or a normal answer", tg.url, rec.Code, rec.Body)
			}
			if rec.Code >= 400 && showsSQL(rec.Body.Bytes(), tg.payload) {
				t.Errorf("GET %.200s = %d: the body shows SQL: %.300s", tg.url, rec.Code, rec.Body)
			}
		}
	}
	// The sign-in form's fields too.
	for _, inj := range injections {
		body, _ := json.Marshal(map[string]string{"username": inj, "password": inj})
		rec := f.do(anonymous, "POST", "/api/v1/auth/login", string(body))
		requests++
		if rec.Code != 400 && rec.Code != 401 && rec.Code != 429 || showsSQL(rec.Body.Bytes(), inj) {
			t.Errorf("login with %.60q = %d %.300s, want 400, 401 or 429 and no SQL", inj, rec.Code, rec.Body)
		}
	}
	t.Logf("%d injection requests", requests)
}

// A member's detail is their own (migration 010): their contact point and
// their diary entries, not the rest of their town's, which town A's leader
// sees; aggregates for a member follow the privacy rules.
func TestMemberSeesOwnRows(t *testing.T) {
	f := newFixture(t)
	var memberA demo.Member
	for _, m := range f.county.Members {
		if m.TownID == f.townA.ID {
			memberA = m
			break
		}
	}
	teamA := firstOf(f.county.Teams, f.townA.ID, func(t demo.Team) int32 { return t.TownID }).Code
	memberCodes := func(role, path, field string) map[string]int {
		t.Helper()
		rec := f.do(role, "GET", path, "")
		if rec.Code != 200 {
			t.Fatalf("GET %s as %s = %d %.200s", path, role, rec.Code, rec.Body)
		}
		seen := map[string]int{}
		for _, m := range regexp.MustCompile(`"`+field+`":"([^"]*)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
			seen[m[1]]++
		}
		return seen
	}
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/export/contact_points?format=geojson", "member_code"},
		{"/ogc/collections/contact_points/items?limit=1000", "member_code"},
		{"/api/v1/reports/diary-sample?n=200&team=" + teamA, "member_code"},
	} {
		mine := memberCodes(member, tc.path, tc.field)
		all := memberCodes(leader, tc.path, tc.field)
		if len(all) < 2 {
			t.Fatalf("GET %s as town A's leader names %d members, want several (else the test proves nothing)", tc.path, len(all))
		}
		if len(mine) != 1 || mine[memberA.Code] == 0 {
			t.Errorf("GET %s as member %s names members %v, want only %s", tc.path, memberA.Code, mine, memberA.Code)
		}
	}
	// Aggregates reach a member through the privacy rules.
	rec := f.do(member, "GET", "/api/v1/reports/gaps?all=true&format=csv", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), ",hidden") {
		t.Errorf("gaps for a member = %d, hidden counts %v; want the published figures", rec.Code, strings.Contains(rec.Body.String(), ",hidden"))
	}
}
