package api

import (
	"testing"

	"lianxin"
	"lianxin/export"
	"lianxin/tiles"
)

// Every layer a route can serve — each tile layer, each export layer and
// OGC collection — has a rule in lianxin's one list, so none is served by
// the default of a second list; the route guard refuses exactly the layers
// that list marks as needing household points.
func TestEveryLayerHasAnAccessRule(t *testing.T) {
	var names []string
	for _, l := range tiles.Layers() {
		names = append(names, l.Name)
	}
	for _, l := range export.Layers() {
		names = append(names, l.Name)
	}
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	for _, name := range names {
		rule, ok := lianxin.LayerRuleOf(name)
		if !ok {
			t.Errorf("layer %s: lianxin.LayerRuleOf knows no rule for it, want one (it is served to nobody until it has one)", name)
			continue
		}
		guarded := lianxin.HouseholdLayer(name)
		if guarded != (rule == lianxin.NeedsHouseholdPoints) {
			t.Errorf("layer %s: route guard refuses it %v, rule %v", name, guarded, rule)
		}
		if refused := planner.MayReadLayer(name) != nil; refused != guarded {
			t.Errorf("layer %s: a planner without household points is refused %v, route guard %v", name, refused, guarded)
		}
	}
	for _, name := range []string{"households", "household_personal", "visits"} {
		if !lianxin.HouseholdLayer(name) {
			t.Errorf("layer %s: HouseholdLayer false, want true (its features are households or visits to them)", name)
		}
	}
	if err := planner.MayReadLayer("no_such_layer"); lianxin.ErrorCode(err) != lianxin.EForbidden {
		t.Errorf("MayReadLayer(no_such_layer) = %v, want forbidden (unclassified layers are refused)", err)
	}
}
