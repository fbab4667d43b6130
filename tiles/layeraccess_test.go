package tiles_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

// The tile service itself, not only the HTTP route in front of it, refuses
// the household layers (households, visits) to a scope without household
// points: alone, inside a multi-layer request, and in TileJSON, so a caller
// that reaches it by another way (the offline package, the command line)
// gets a refusal rather than the rows. A scope with the grant gets every
// layer with its features.
func TestServiceRefusesHouseholdLayers(t *testing.T) {
	st, _, county := demotest.New(t)
	svc := newService(t, st)
	ctx := context.Background()
	tile := tileAt(county.Households[len(county.Households)/2].Location, 14)
	householdLayers := []string{"households", "visits"}
	for _, tc := range []struct {
		name       string
		scope      lianxin.Scope
		households bool
	}{
		{"planner", lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}, false},
		{"gis without the grant", lianxin.Scope{User: "g", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}, false},
		{"member", lianxin.Scope{User: "m", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{county.Households[0].TownID}}, false},
		{"gis with household points", lianxin.Scope{User: "gh", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true, HouseholdPoints: true}, true},
		{"command line", lianxin.SystemScope(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			household := func(l *tiles.Layer) bool { return slices.Contains(householdLayers, l.Name) }
			all := tiles.Layers()
			for _, l := range all {
				for _, req := range [][]*tiles.Layer{{l}, all} {
					refused := !tc.households && slices.ContainsFunc(req, household)
					_, _, err := svc.Tile(ctx, tc.scope, tiles.Request{Layers: req, Tile: tile}, "")
					if got := lianxin.ErrorCode(err) == lianxin.EForbidden; got != refused {
						t.Errorf("tile %s of %d layers (%s first) as %s: error %v, want forbidden %v", tile, len(req), req[0].Name, tc.name, err, refused)
					}
				}
				refused := !tc.households && household(l)
				_, err := svc.TileJSON(ctx, tc.scope, l, "http://x/tiles/"+l.Name+"/{z}/{x}/{y}.mvt")
				if got := lianxin.ErrorCode(err) == lianxin.EForbidden; got != refused {
					t.Errorf("TileJSON %s as %s: error %v, want forbidden %v", l.Name, tc.name, err, refused)
				}
			}
			if !tc.households {
				return
			}
			ls := fetch(t, svc, tc.scope, "households,visits", tile, tiles.Filter{})
			for _, name := range householdLayers {
				i := slices.IndexFunc(ls, func(l *mvt.Layer) bool { return l.Name == name })
				if i < 0 || len(ls[i].Features) == 0 {
					t.Errorf("tile %s households,visits as %s: no feature of layer %s, want the tile's", tile, tc.name, name)
				}
			}
		})
	}
}
