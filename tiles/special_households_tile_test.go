package tiles_test

import (
	"context"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/tiles"
)

// The villages layer carries special_waiting_households, the special-group
// households not visited counted once each, as the gap report publishes it:
// exact with household access; for a planner the published number, or left
// out where the privacy rules hide it.
func TestVillagesCarrySpecialWaitingHouseholds(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	ctx := context.Background()
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 6, 7, 0, 0, 0, 0, coverage.Zone)
	w, _ := coverage.NewWindow(from, to)
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	centre := county.Households[len(county.Households)/2].Location
	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
	}{{"system", lianxin.SystemScope()}, {"planner", planner}} {
		pub, err := coverage.PublishVillages(ctx, s, tc.scope, w, coverage.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int32]coverage.VillageCoverage{}
		for _, v := range pub.Villages {
			byID[v.VillageID] = v
		}
		var shown, left int
		for _, z := range []int{9, 10, 11} {
			c := tileAt(centre, z)
			for _, tile := range []geo.TileZXY{c, {Z: c.Z, X: c.X + 1, Y: c.Y}, {Z: c.Z, X: c.X - 1, Y: c.Y - 1}} {
				l := layerOf(fetch(t, svc, tc.scope, "villages", tile, tiles.Filter{From: from, To: to}), "villages")
				if l == nil {
					continue
				}
				for _, f := range l.Features {
					v := byID[int32(f.Properties["id"].(float64))]
					want := v.SpecialWaitingHouseholds()
					got, ok := f.Properties["special_waiting_households"]
					switch {
					case v.Suppressed:
					case want.Hidden && ok:
						t.Errorf("%s: tile %s village %s: special_waiting_households %v shown, want it left out (hidden)", tc.name, tile, v.VillageCode, got)
					case !want.Hidden && !ok:
						t.Errorf("%s: tile %s village %s: no special_waiting_households, want %d", tc.name, tile, v.VillageCode, want.N)
					case ok && int64(got.(float64)) != want.N:
						t.Errorf("%s: tile %s village %s: special_waiting_households %v, want %d", tc.name, tile, v.VillageCode, got, want.N)
					case ok:
						shown++
					default:
						left++
					}
				}
			}
		}
		t.Logf("%s: %d villages drawn with special_waiting_households, %d without", tc.name, shown, left)
		if shown == 0 || (tc.name == "system" && left != 0) {
			t.Errorf("%s: %d drawn with the field, %d without; want some shown (and none left out for household access)", tc.name, shown, left)
		}
	}
}
