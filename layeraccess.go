package lianxin

// LayerRule says what a scope needs, beyond signing in, to read a layer's
// features.
type LayerRule uint8

const (
	// AnyRole layers are read by every signed-in scope: their detail rows
	// are filtered to the scope's towns, their aggregates are published
	// under the privacy rules.
	AnyRole LayerRule = iota + 1
	// NeedsHouseholdPoints layers show households, or where households were
	// visited (a diary entry stands at the household's door): only a scope
	// with HouseholdPoints reads them, at every zoom, clusters included.
	NeedsHouseholdPoints
)

// LayerRuleOf is the one list of which layer needs which grant. Every path
// that serves layer data asks it — the HTTP route check, the tile service
// (tiles, multi-layer tiles, TileJSON, offline packages), the layer exports
// and OGC collections — so a layer cannot be refused on one path and served
// on another. The names are shared: a tile layer and an export layer of
// the same name hold the same rows. ok is false for a name this list does
// not know; MayReadLayer refuses those, so a new layer is served to nobody
// until it is classified here (a test in tiles and in export checks every
// registered layer is).
func LayerRuleOf(name string) (rule LayerRule, ok bool) {
	switch name {
	case "households", "household_personal", "visits":
		return NeedsHouseholdPoints, true
	case "towns", "villages", "teams", "members", "contact_points", "projects", "river_works",
		"h3", "h3_cells", "village_coverage", "gaps":
		return AnyRole, true
	}
	return 0, false
}

// ReasonLayerNeedsGrant is the refusal reason of a layer the scope lacks
// the grant for, params {layer}: one reason on every path (exports, tiles,
// OGC collections), the same as export.ReasonLayerNeedsGrant (a test in
// api checks), worded by i18n.js export.refusal.layer_needs_grant.
const ReasonLayerNeedsGrant = "layer_needs_grant"

// HouseholdLayer reports whether the layer named name needs the
// HouseholdPoints grant.
func HouseholdLayer(name string) bool {
	r, _ := LayerRuleOf(name)
	return r == NeedsHouseholdPoints
}

// MayReadLayer returns nil when s may read the layer named name, and a
// forbidden *Error naming the layer and what is missing otherwise.
func (s Scope) MayReadLayer(name string) error {
	switch r, ok := LayerRuleOf(name); {
	case !ok:
		return Errorf(EForbidden, "layer %.40q: no access rule says who may read it", name)
	case r == NeedsHouseholdPoints && !s.HouseholdPoints:
		// Coded like every other refusal, so that the web map and scripts
		// word it from {field, reason, params} in their own language.
		return Refuse(EForbidden, "layer", ReasonLayerNeedsGrant, map[string]any{"layer": name},
			"layer %s shows households: your role does not include household points (the household_points grant)", name)
	}
	return nil
}
