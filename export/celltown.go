package export

import (
	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// One town's share of each hexagon (h3_cells with town=) counts that
// town's households alone, which only a caller with household access in
// the town may read: without it, the share subtracted from the county's
// hexagon would give the other towns' (a second hierarchy, as the privacy
// rules call it). A team leader's own towns are exact at every resolution,
// 6 to 10, as their map's hexagons are.

// ReasonTownShare refuses one town's share of the hexagons to a role
// without household access: {town, layer}. The answer without town= (every
// town's hexagons) is open to it.
const ReasonTownShare = "town_share_needs_households"

// CheckCellTown refuses town's share of cell layer l when scope may not
// read it: a role without household access (ReasonTownShare), a team
// leader asking for a town not theirs (ReasonTownNotYours).
func CheckCellTown(scope lianxin.Scope, l *Layer, town coverage.Town) error {
	if !l.Resolution {
		return nil
	}
	switch {
	case privacy.Applies(scope):
		return lianxin.Refuse(lianxin.EForbidden, "town", ReasonTownShare, map[string]any{"town": town.Code, "layer": l.Name},
			"town %s: one town's share of each hexagon of %s needs household access in that town; leave town out for every town's hexagons (the county's figures per hexagon)", town.Code, l.Name)
	case !scope.SeesTown(town.ID):
		return lianxin.Refuse(lianxin.EForbidden, "town", ReasonTownNotYours, map[string]any{"town": town.Code, "layer": l.Name},
			"town %s: outside your towns (the share of each hexagon of %s is given for your own towns; leave town out for every town's hexagons)", town.Code, l.Name)
	}
	return nil
}
