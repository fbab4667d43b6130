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

// publishPetition is the summary's count of petition households not visited
// in w over its area (town: a code, "" the county), from the towns' counts
// (summaryInputs). The counts come per town from the whole county, whatever households the caller's row-level
// security shows (PetitionSource: migration 032), and are exact for a
// scope with household access everywhere and for a team leader's own town.
// Every other answer — a role without household access (a member
// included), a team leader asking about the county or another town — is
// published as the special groups' counts are (privacy rules 2 to 4): over
// the same whole weeks, without the households of the villages the gap
// report suppresses (leaveOut), a town's count of 1 to 10 hidden and
// complements hidden under the county's total (privacy.Protect over county
// → towns), a leader's own towns known to them (privacy.Tree.Known: never
// hidden, never relied on to protect another town). It is nil only when
// the source cannot count, or the town is not one the counts hold.
func publishPetition(scope lianxin.Scope, counts []TownCount, town string) *privacy.Count {
	var found *TownCount
	var total int64
	for i, c := range counts {
		total += c.N
		if c.TownCode == town {
			found = &counts[i]
		}
	}
	if town != "" && found == nil {
		return nil // not a town of the county
	}
	exact := !privacy.Applies(scope) && !privacy.Partial(scope)
	if exact || (found != nil && privacy.Partial(scope) && scope.SeesTown(found.TownID)) {
		n := total
		if found != nil {
			n = found.N
		}
		c := privacy.Shown(n)
		return &c
	}
	t := privacy.Tree[string]{Children: map[string][]string{}, Value: map[string]int64{}, Primary: map[string]bool{}}
	for _, c := range counts {
		t.Roots = append(t.Roots, c.TownCode)
		t.Value[c.TownCode] = c.N
		t.Primary[c.TownCode] = privacy.SmallCount(c.N)
		if privacy.Partial(scope) && scope.SeesTown(c.TownID) {
			if t.Known == nil {
				t.Known = map[string]bool{}
			}
			t.Known[c.TownCode] = true
		}
	}
	hidden, topHidden := privacy.Protect(t, privacy.SmallCount)
	var out privacy.Count
	if found != nil {
		out = privacy.Shown(found.N)
		if hidden[found.TownCode] {
			out = privacy.Withhold(found.N, 0)
		}
		return &out
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
	return &out
}

func idsOrEmpty(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}
