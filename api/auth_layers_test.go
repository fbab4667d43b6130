package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/tiles"
)

// TestMeLayersAreMayReadLayer: the sign-in answer, /auth/me and
// /auth/session name the layers the caller may read, for every demo role
// and a GIS user with the household grant. The lists are written out here,
// not rebuilt the way the server builds them: every tile and export layer
// for household access (a team leader, GIS with the grant), all but
// households and visits for the others. The web map greys out the rest
// from this list, so it must be the server's rule; each listed layer must
// also pass Scope.MayReadLayer, and the others fail it.
func TestMeLayersAreMayReadLayer(t *testing.T) {
	f, accounts, first := newDemoAccountsServer(t)
	// One account of each demo role (the first leader and member).
	var cases []auth.DemoAccount
	for _, a := range accounts {
		if first[a.Role.Role].Username == a.Username {
			cases = append(cases, a)
		}
	}
	for _, role := range []lianxin.Role{lianxin.RoleAdmin, lianxin.RolePlanner, lianxin.RoleGIS, lianxin.RoleTeamLeader, lianxin.RoleMember} {
		if _, ok := first[role]; !ok {
			t.Fatalf("demo accounts %v: none with role %s", accounts, role)
		}
	}
	grant := auth.DemoAccount{Username: "gis-households", Password: "gis-households-password-1"}
	if _, err := f.svc.AddUser(f.ctx, auth.NewUser{Username: grant.Username, Password: grant.Password,
		Roles: []auth.RoleGrant{{Role: lianxin.RoleGIS}, {Role: auth.GrantHouseholdPoints}}}, "test"); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, grant)

	// Every tile and export layer, in name order.
	every := []string{"contact_points", "gaps", "h3", "h3_cells", "households", "members", "projects", "river_works",
		"teams", "towns", "village_coverage", "villages", "visits"}
	noHouseholds := slices.DeleteFunc(slices.Clone(every), func(n string) bool { return n == "households" || n == "visits" })
	wantOf := func(a auth.DemoAccount) []string {
		if a.Username == grant.Username || a.Role.Role == lianxin.RoleTeamLeader {
			return every
		}
		return noHouseholds // admin, planner, gis, member
	}
	var served []string
	for _, l := range tiles.Layers() {
		served = append(served, l.Name)
	}
	for _, l := range export.Layers() {
		served = append(served, l.Name)
	}
	for _, name := range served {
		if !slices.Contains(every, name) {
			t.Errorf("layer %s is served but not in the test's list of every layer %v", name, every)
		}
	}
	for _, name := range every {
		if !slices.Contains(served, name) {
			t.Errorf("the test's layer %s is no tile or export layer (served: %v)", name, served)
		}
	}

	for _, a := range cases {
		t.Run(a.Username, func(t *testing.T) {
			u, err := f.svc.User(f.ctx, a.Username)
			if err != nil {
				t.Fatal(err)
			}
			scope := u.Scope()
			want := wantOf(a)
			for _, name := range every {
				if ok := scope.MayReadLayer(name) == nil; ok != slices.Contains(want, name) {
					t.Errorf("%s: MayReadLayer(%s) lets it through: %v, want %v", a.Username, name, ok, !ok)
				}
			}
			cookie, _ := f.login(t, a.Username, a.Password)
			for _, c := range []call{
				{method: "POST", path: "/api/v1/auth/login", body: `{"username":"` + a.Username + `","password":"` + a.Password + `"}`},
				{method: "GET", path: "/api/v1/auth/me", cookie: cookie},
				{method: "GET", path: "/api/v1/auth/session", cookie: cookie},
			} {
				rec := f.do(t, c)
				var got struct {
					Layers []string `json:"layers"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil {
					t.Fatalf("%s %s as %s = %d %.300s, want 200 JSON", c.method, c.path, a.Username, rec.Code, rec.Body)
				}
				if !slices.Equal(got.Layers, want) {
					t.Errorf("%s %s as %s: layers %v, want %v", c.method, c.path, a.Username, got.Layers, want)
				}
			}
		})
	}
}

// newDemoAccountsServer serves sign-in over a fresh demo county (as its
// owner) with the demo's accounts added (seed 42): the accounts, and the
// first of each role.
func newDemoAccountsServer(t *testing.T) (authFixture, []auth.DemoAccount, map[lianxin.Role]auth.DemoAccount) {
	t.Helper()
	st, _, _ := demotest.New(t)
	ctx := context.Background()
	svc, err := auth.New(st, auth.Options{Params: cheap, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := svc.DemoAccounts(ctx, st, 42)
	if err != nil {
		t.Fatal(err)
	}
	first := map[lianxin.Role]auth.DemoAccount{}
	for _, a := range accounts {
		if _, ok := first[a.Role.Role]; !ok {
			first[a.Role.Role] = a
		}
	}
	f := authFixture{srv: api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, Auth: svc}), svc: svc, ctx: ctx}
	return f, accounts, first
}
