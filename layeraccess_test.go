package lianxin_test

import (
	"testing"

	"lianxin"
)

// The one rule of layer access, at each kind of name: household layers need
// the grant, others do not, unknown names are refused to everyone.
func TestMayReadLayer(t *testing.T) {
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	granted := planner
	granted.HouseholdPoints = true
	for _, tc := range []struct {
		layer            string
		planner, granted string // "" allowed, else the error code
	}{
		{"households", lianxin.EForbidden, ""},
		{"visits", lianxin.EForbidden, ""},
		{"household_personal", lianxin.EForbidden, ""},
		{"villages", "", ""},
		{"h3", "", ""},
		{"h3_cells", "", ""},
		{"contact_points", "", ""},
		{"Visits", lianxin.EForbidden, lianxin.EForbidden},
		{"no_such_layer", lianxin.EForbidden, lianxin.EForbidden},
		{"", lianxin.EForbidden, lianxin.EForbidden},
	} {
		for _, c := range []struct {
			who   string
			scope lianxin.Scope
			want  string
		}{{"planner", planner, tc.planner}, {"planner+household_points", granted, tc.granted}} {
			if got := lianxin.ErrorCode(c.scope.MayReadLayer(tc.layer)); got != c.want {
				t.Errorf("MayReadLayer(%q) as %s: code %q, want %q", tc.layer, c.who, got, c.want)
			}
		}
	}
}
