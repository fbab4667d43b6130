package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
)

// Only the roles of desktop GIS and scripts make their own API tokens
// (auth.OwnTokenRoles): a member, who keeps the diary on a phone with a
// web session, is refused 403 token_role, and /me says so
// (may_make_token), which the GIS tab reads to hide its token form. A
// member's own tokens stay listable (a token an admin made them can still
// be revoked), and an admin may make one for them.
func TestOwnTokenByRole(t *testing.T) {
	f, accounts, first := newDemoAccountsServer(t)

	cases := []struct {
		role   lianxin.Role
		may    bool
		status int
	}{
		{lianxin.RoleAdmin, true, 201},
		{lianxin.RolePlanner, true, 201},
		{lianxin.RoleGIS, true, 201},
		{lianxin.RoleTeamLeader, true, 201},
		{lianxin.RoleMember, false, 403},
	}
	for _, tc := range cases {
		t.Run(string(tc.role), func(t *testing.T) {
			a, ok := first[tc.role]
			if !ok {
				t.Fatalf("no demo account with role %s in %v", tc.role, accounts)
			}
			cookie, me := f.login(t, a.Username, a.Password)
			rec := f.do(t, call{method: "GET", path: "/api/v1/auth/me", cookie: cookie})
			var got struct {
				MayMakeToken *bool `json:"may_make_token"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil || got.MayMakeToken == nil {
				t.Fatalf("GET /me as %s = %d %.300s, want 200 with may_make_token", a.Username, rec.Code, rec.Body)
			}
			if *got.MayMakeToken != tc.may {
				t.Errorf("GET /me as %s (%s): may_make_token %v, want %v", a.Username, tc.role, *got.MayMakeToken, tc.may)
			}
			own := func(method, body string) call {
				return call{method: method, path: "/api/v1/auth/tokens", body: body, cookie: cookie, header: map[string]string{api.CSRFHeader: me.CSRFToken}}
			}
			rec = f.do(t, own("POST", `{"name":"QGIS"}`))
			if rec.Code != tc.status {
				t.Fatalf("POST /api/v1/auth/tokens as %s (%s) = %d %.300s, want %d", a.Username, tc.role, rec.Code, rec.Body, tc.status)
			}
			if !tc.may {
				var e struct {
					Error struct {
						Code    string       `json:"code"`
						Details auth.Refusal `json:"details"`
					} `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != lianxin.EForbidden || e.Error.Details.Reason != auth.ReasonTokenRole {
					t.Fatalf("refusal as %s = %.300s, want forbidden with reason %s", a.Username, rec.Body, auth.ReasonTokenRole)
				}
				// An admin may make one for the member, who may list it.
				if _, _, err := f.svc.NewToken(f.ctx, a.Username, "script", 0, "test"); err != nil {
					t.Fatal(err)
				}
				if rec := f.do(t, own("GET", "")); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"script"`) {
					t.Fatalf("GET own tokens as %s = %d %.300s, want the admin's token listed", a.Username, rec.Code, rec.Body)
				}
			}
		})
	}
}
