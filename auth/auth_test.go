package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxin"
)

func TestUserScope(t *testing.T) {
	g := func(r lianxin.Role, town int32) RoleGrant { return RoleGrant{Role: r, TownID: town} }
	cases := []struct {
		name                          string
		roles                         []RoleGrant
		disabled                      bool
		wantRoles                     []lianxin.Role
		wantTowns                     []int32
		wantAll, wantPoints, wantPers bool
	}{
		{"no roles sees nothing", nil, false, nil, nil, false, false, false},
		{"planner: county-wide aggregates, no households", []RoleGrant{g(lianxin.RolePlanner, 0)}, false,
			[]lianxin.Role{lianxin.RolePlanner}, nil, true, false, false},
		{"gis without grants", []RoleGrant{g(lianxin.RoleGIS, 0)}, false, []lianxin.Role{lianxin.RoleGIS}, nil, true, false, false},
		{"gis with personal fields but no points gets neither", []RoleGrant{g(lianxin.RoleGIS, 0), g(GrantPersonalFields, 0)}, false,
			[]lianxin.Role{lianxin.RoleGIS}, nil, true, false, false},
		{"gis with both grants", []RoleGrant{g(lianxin.RoleGIS, 0), g(GrantHouseholdPoints, 0), g(GrantPersonalFields, 0)}, false,
			[]lianxin.Role{lianxin.RoleGIS}, nil, true, true, true},
		{"team leader: own town in full", []RoleGrant{g(lianxin.RoleTeamLeader, 3)}, false,
			[]lianxin.Role{lianxin.RoleTeamLeader}, []int32{3}, false, true, true},
		{"member: own town, no households", []RoleGrant{{Role: lianxin.RoleMember, TownID: 5, MemberID: 9}}, false,
			[]lianxin.Role{lianxin.RoleMember}, []int32{5}, false, false, false},
		{"leader of two towns", []RoleGrant{g(lianxin.RoleTeamLeader, 7), g(lianxin.RoleTeamLeader, 3)}, false,
			[]lianxin.Role{lianxin.RoleTeamLeader}, []int32{3, 7}, false, true, true},
		{"planner and leader: the narrower household permission wins", []RoleGrant{g(lianxin.RolePlanner, 0), g(lianxin.RoleTeamLeader, 3)}, false,
			[]lianxin.Role{lianxin.RolePlanner, lianxin.RoleTeamLeader}, nil, true, false, false},
		{"disabled sees nothing", []RoleGrant{g(lianxin.RoleAdmin, 0)}, true, nil, nil, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := User{Username: "u", Roles: tc.roles, Disabled: tc.disabled}.Scope()
			if !slices.Equal(s.Roles, tc.wantRoles) || !slices.Equal(s.Towns, tc.wantTowns) || s.AllTowns != tc.wantAll ||
				s.HouseholdPoints != tc.wantPoints || s.PersonalFields != tc.wantPers {
				t.Fatalf("Scope of %v = %+v, want roles %v towns %v all %v points %v personal %v",
					tc.roles, s, tc.wantRoles, tc.wantTowns, tc.wantAll, tc.wantPoints, tc.wantPers)
			}
			if s.Has(lianxin.RoleSystem) {
				t.Fatal("a user's scope holds the system role")
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	p := Params{MemoryKiB: 64, Time: 1, Threads: 1}
	h, err := HashPassword("correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with its parameters", h)
	}
	h2, _ := HashPassword("correct horse", p)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	cases := []struct {
		password, hash string
		want           bool
	}{
		{"correct horse", h, true},
		{"correct horse ", h, false},
		{"", h, false},
		{"correct horse", "", false},
		{"correct horse", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", false},
		{"correct horse", strings.Replace(h, "argon2id", "argon2i", 1), false},
	}
	for _, tc := range cases {
		if got := VerifyPassword(tc.password, tc.hash); got != tc.want {
			t.Errorf("VerifyPassword(%q, %.40q) = %v, want %v", tc.password, tc.hash, got, tc.want)
		}
	}
	if err := CheckPasswordRules("short"); err == nil {
		t.Error("CheckPasswordRules(short) = nil, want an error")
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(3, time.Minute, 2)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if !l.allow("a", t0) {
			t.Fatalf("failure %d: refused before the limit", i)
		}
		l.fail("a", t0)
	}
	if l.allow("a", t0.Add(59*time.Second)) {
		t.Fatal("allowed after 3 failures within the window")
	}
	if !l.allow("a", t0.Add(time.Minute)) {
		t.Fatal("refused after the window ended")
	}
	l.fail("b", t0)
	l.fail("c", t0.Add(time.Second)) // over maxKeys: the oldest goes
	if len(l.keys) > 2 {
		t.Fatalf("limiter holds %d keys, want at most 2", len(l.keys))
	}
}

func TestTokensAndCSRF(t *testing.T) {
	tok, err := randomToken(TokenPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if !plausibleToken(tok, TokenPrefix) || plausibleToken(tok+"x", TokenPrefix) || plausibleToken(tok[3:], TokenPrefix) {
		t.Fatalf("plausibleToken misjudges %q", tok)
	}
	if CSRFToken("a") == CSRFToken("b") || !CheckCSRF("a", CSRFToken("a")) || CheckCSRF("a", CSRFToken("b")) || CheckCSRF("a", "") {
		t.Fatal("CSRF tokens do not bind to their session")
	}
}

func TestDemoPassword(t *testing.T) {
	a, b := DemoPassword(1, "planner"), DemoPassword(1, "planner")
	if a != b || a == DemoPassword(2, "planner") || a == DemoPassword(1, "admin") {
		t.Fatalf("DemoPassword is not deterministic per seed and user: %q %q", a, b)
	}
	if err := CheckPasswordRules(a); err != nil {
		t.Fatalf("demo password %q breaks the password rules: %v", a, err)
	}
}

func TestMayMakeOwnToken(t *testing.T) {
	g := func(rs ...lianxin.Role) []RoleGrant {
		var out []RoleGrant
		for _, r := range rs {
			out = append(out, RoleGrant{Role: r, TownID: 1})
		}
		return out
	}
	cases := []struct {
		name     string
		roles    []RoleGrant
		disabled bool
		want     bool
	}{
		{"admin", g(lianxin.RoleAdmin), false, true},
		{"planner", g(lianxin.RolePlanner), false, true},
		{"gis", g(lianxin.RoleGIS), false, true},
		{"team leader", g(lianxin.RoleTeamLeader), false, true},
		{"member", g(lianxin.RoleMember), false, false},
		{"member and gis", g(lianxin.RoleMember, lianxin.RoleGIS), false, true},
		{"grants alone are no role", g(GrantHouseholdPoints, GrantPersonalFields), false, false},
		{"no roles", nil, false, false},
		{"disabled admin", g(lianxin.RoleAdmin), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := User{Username: "u", Roles: tc.roles, Disabled: tc.disabled}.MayMakeOwnToken()
			if got := err == nil; got != tc.want {
				t.Fatalf("MayMakeOwnToken of %v (disabled %v) = %v, want allowed %v", tc.roles, tc.disabled, err, tc.want)
			}
			if err == nil {
				return
			}
			var e *lianxin.Error
			if !errors.As(err, &e) || e.Code != lianxin.EForbidden {
				t.Fatalf("refusal %v: want a forbidden *lianxin.Error", err)
			}
			if r, ok := e.Details.(Refusal); !ok || r.Reason != ReasonTokenRole || !slices.Equal(r.Params["roles"].([]lianxin.Role), OwnTokenRoles) {
				t.Fatalf("refusal details %+v: want reason %s naming %v", e.Details, ReasonTokenRole, OwnTokenRoles)
			}
		})
	}
}
