package coverage

import (
	"context"
	"slices"

	"lianxin"
)

// SpecialHousehold is a household of a special group — five full coverages
// #4 (poor, seriously ill, disabled) and #5 (empty-nest elder, left-behind
// child, community correction) — with no diary entry at it in the window:
// the list a team leader takes into the field. Household is its number as
// on its contact card (external_id).
type SpecialHousehold struct {
	TownCode    string  `json:"town_code"`
	VillageCode string  `json:"village_code"`
	VillageName string  `json:"village_name"`
	Household   string  `json:"household"`
	Groups      []Group `json:"groups"`
	Residents   int     `json:"residents"`
	// LastVisit is the campaign day of the latest entry at the household
	// before the window, nil when it was never visited.
	LastVisit *string `json:"last_visit"`
	// HeadName is the head of household, given only with personal_fields.
	HeadName *string `json:"head_name"`
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
}

// SpecialHouseholdQuery narrows the list: Town or Team (one of them
// required for a county-wide caller), the window, and Group ("" every
// special group).
type SpecialHouseholdQuery struct {
	Query
	Group Group
}

// SpecialHouseholdSource lists the unvisited special households; *store.Store
// implements it. mask selects the groups (bit i is Groups[i], as SQL
// special_flags packs them); towns are ids the caller's scope sees.
type SpecialHouseholdSource interface {
	Towns(ctx context.Context, scope lianxin.Scope) ([]Town, error)
	// With petition, the households with a standing petition case are
	// listed too, Petition among their groups.
	UnvisitedSpecialHouseholds(ctx context.Context, scope lianxin.Scope, w Window, towns []int32, mask int16, petition bool) ([]SpecialHousehold, error)
}

// GroupMask packs groups into special_flags bits; no group means all.
func GroupMask(groups ...Group) int16 {
	var m int16
	for i, g := range Groups {
		if len(groups) == 0 || slices.Contains(groups, g) {
			m |= 1 << i
		}
	}
	return m
}

// GroupsOf unpacks special_flags bits into groups, in report order.
func GroupsOf(flags int16) []Group {
	out := []Group{}
	for i, g := range Groups {
		if flags&(1<<i) != 0 {
			out = append(out, g)
		}
	}
	return out
}

// SpecialHouseholds lists the special-group households of q's town (or the
// caller's towns) with no entry in the window, by village then household.
// It names households, so it needs household access (the households
// layer's rule): a role without it gets 403, and a town outside the
// caller's towns too.
func (r *Reports) SpecialHouseholds(ctx context.Context, src SpecialHouseholdSource, scope lianxin.Scope, q SpecialHouseholdQuery) ([]SpecialHousehold, Window, error) {
	if !scope.HouseholdPoints {
		return nil, Window{}, lianxin.Errorf(lianxin.EForbidden, "the special households list names households: your role does not include household points")
	}
	resolved, _, err := r.resolve(ctx, scope, q.Query)
	if err != nil {
		return nil, Window{}, err
	}
	w, err := r.Window(ctx, scope, resolved)
	if err != nil {
		return nil, Window{}, err
	}
	towns, err := src.Towns(ctx, scope)
	if err != nil {
		return nil, Window{}, err
	}
	var ids []int32
	switch {
	case resolved.Town != "":
		i := slices.IndexFunc(towns, func(t Town) bool { return t.Code == resolved.Town })
		if i < 0 {
			return nil, Window{}, refuse(lianxin.ENotFound, "town", ReportReasonTownUnknown, map[string]any{"town": resolved.Town},
				"town %q: no town with that code", resolved.Town)
		}
		if !scope.SeesTown(towns[i].ID) {
			return nil, Window{}, refuse(lianxin.EForbidden, "town", ReportReasonTownNotYours, map[string]any{"town": resolved.Town},
				"town %s: outside your towns", resolved.Town)
		}
		ids = []int32{towns[i].ID}
	case scope.AllTowns:
		return nil, Window{}, refuse(lianxin.EInvalid, "town", ReportReasonTownRequired, nil, "town: required (or team): the list is one town's")
	default:
		ids = scope.Towns
	}
	var mask int16
	petition := q.Group == Petition // five full coverages #3, asked by name
	switch q.Group {
	case "":
		mask = GroupMask()
	case Petition:
	default:
		mask = GroupMask(q.Group)
	}
	rows, err := src.UnvisitedSpecialHouseholds(ctx, scope, w, ids, mask, petition)
	if err != nil {
		return nil, w, err
	}
	if !scope.PersonalFields {
		for i := range rows {
			rows[i].HeadName = nil // the store leaves it out already; never send it
		}
	}
	return rows, w, nil
}
