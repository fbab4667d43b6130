package coverage

import (
	"context"

	"lianxin"
	"lianxin/privacy"
)

// Petition is the households flagged with a standing petition case (信访,
// households.petition_case): five full coverages #3, "every place with a
// standing petition case". It is not one of Groups (the special groups of
// #4 and #5, SQL special_flags' bits, counted per village): the summary
// counts those not visited in the window (FiveCoverages.
// PetitionHouseholdsUnvisited), and the special-households list gives them
// by name when asked for group=petition.
const Petition Group = "petition"

// TownCount is a count of one town.
type TownCount struct {
	TownID   int32
	TownCode string
	N        int64
}

// PetitionSource counts the petition households with no diary entry in w,
// per town the scope's rows hold, leaving out those in the villages
// leaveOut names (ids); *store.Store implements it.
type PetitionSource interface {
	UnvisitedPetitionHouseholds(ctx context.Context, scope lianxin.Scope, w Window, leaveOut []int32) ([]TownCount, error)
}

// petitionCheck is the summary's count of petition households not visited
// in w over its area (town: a code, "" the county), or nil when the scope
// cannot judge it: the count reads households, which row-level security
// shows a team leader in their own towns only and a member only where they
// have been (a null is "not judged", never a count that reads "none left").
// For a role without household access the count is published as the
// special groups' are (privacy rules 2 to 4): over the same whole weeks,
// without the households of the villages the gap report suppresses
// (leaveOut), a town's count of 1 to 10 hidden and complements hidden
// under the county's total (privacy.Protect over county → towns).
func (r *Reports) petitionCheck(ctx context.Context, scope lianxin.Scope, w Window, town string, leaveOut []int32) (*privacy.Count, error) {
	src, ok := r.src.(PetitionSource)
	if !ok {
		return nil, nil
	}
	if town == "" && !scope.AllTowns {
		return nil, nil
	}
	if !scope.AllTowns && !scope.HouseholdPoints {
		return nil, nil // a member: households they visited only
	}
	counts, err := src.UnvisitedPetitionHouseholds(ctx, scope, w, idsOrEmpty(leaveOut))
	if err != nil {
		return nil, err
	}
	var found *TownCount
	var total int64
	for i, c := range counts {
		total += c.N
		if c.TownCode == town {
			found = &counts[i]
		}
	}
	if town != "" && (found == nil || !scope.SeesTown(found.TownID)) {
		return nil, nil // another town's households: not the scope's to count
	}
	if !privacy.Applies(scope) {
		n := total
		if found != nil {
			n = found.N
		}
		c := privacy.Shown(n)
		return &c, nil
	}
	t := privacy.Tree[string]{Children: map[string][]string{}, Value: map[string]int64{}, Primary: map[string]bool{}}
	for _, c := range counts {
		t.Roots = append(t.Roots, c.TownCode)
		t.Value[c.TownCode] = c.N
		t.Primary[c.TownCode] = privacy.SmallCount(c.N)
	}
	hidden, topHidden := privacy.Protect(t, privacy.SmallCount)
	var out privacy.Count
	if found != nil {
		out = privacy.Shown(found.N)
		if hidden[found.TownCode] {
			out = privacy.Withhold(found.N, 0)
		}
		return &out, nil
	}
	out = privacy.Shown(total)
	if topHidden || privacy.SmallCount(total) {
		var shown int64
		for _, c := range counts {
			if !hidden[c.TownCode] {
				shown += c.N
			}
		}
		out = privacy.Withhold(total, shown)
	}
	return &out, nil
}

func idsOrEmpty(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}
