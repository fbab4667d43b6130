package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/privacy"
)

// A team leader has household access in their own town only: the
// aggregates of other towns reach them as they reach a planner (the same
// whole weeks, hidden at least where the planner's are, and never
// recoverable with the own town's figures), their own town's exactly, and
// hexagons finer than a planner may see cover their own town alone.
func TestLeaderSeesOtherTownsAsAPlanner(t *testing.T) {
	ctx := context.Background()
	s, _, county := demotest.New(t)
	own, other := county.Towns[0], county.Towns[1]
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	// Not whole campaign weeks, so the planner's window differs from it.
	w := coverage.Window{From: day("2026-03-04"), To: day("2026-06-10")}

	got, err := coverage.PublishVillages(ctx, s, leader, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	asPlanner, err := coverage.PublishVillages(ctx, s, planner, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Window != asPlanner.Window || got.Window == w {
		t.Fatalf("leader's window %v, planner's %v, asked %v: want the planner's whole weeks", got.Window, asPlanner.Window, w)
	}
	exact, err := s.VillageCoverage(ctx, lianxin.SystemScope(), got.Window, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	exactByID := map[int32]coverage.VillageCoverage{}
	for _, v := range exact {
		exactByID[v.VillageID] = v
	}
	if len(got.Villages) != len(asPlanner.Villages) {
		t.Fatalf("leader sees %d villages, planner %d: want the same county", len(got.Villages), len(asPlanner.Villages))
	}
	hiddenElsewhere, ownSmall := 0, 0
	for i, v := range got.Villages {
		p := asPlanner.Villages[i]
		switch v.TownID {
		case own.ID:
			e := exactByID[v.VillageID]
			if v.Suppressed || v.SpecialUnvisited.AnyHidden() || v.SpecialHouseholds.AnyHidden() || v.SpecialWaitingHidden ||
				v.SpecialUnvisited != e.SpecialUnvisited || v.VisitedResidents != e.VisitedResidents {
				t.Errorf("own village %s: %+v, want the exact figures %+v", v.VillageCode, v, e)
			}
			for _, g := range coverage.Groups {
				if n := v.SpecialUnvisited.Get(g); n >= 1 && n <= 10 {
					ownSmall++
				}
			}
		default:
			// The planner's figures, hidden at least where the planner's are
			// (more, where the planner's complement was the leader's town).
			if v.VillageID != p.VillageID || v.VisitedResidents != p.VisitedResidents ||
				(p.Suppressed && !v.Suppressed) || (p.SpecialWaitingHidden && !v.SpecialWaitingHidden) {
				t.Errorf("village %s of town %s: %+v, want the planner's %+v", v.VillageCode, v.TownCode, v, p)
			}
			for _, g := range coverage.Groups {
				if v.SpecialUnvisited.Get(g) != p.SpecialUnvisited.Get(g) ||
					(p.SpecialUnvisited.Hidden(g) && !v.SpecialUnvisited.Hidden(g)) ||
					(p.SpecialHouseholds.Hidden(g) && !v.SpecialHouseholds.Hidden(g)) {
					t.Errorf("village %s, %s: %v shown where the planner's is hidden", v.VillageCode, g, v.SpecialUnvisited.Published(g))
				}
			}
			if v.SpecialUnvisited.AnyHidden() {
				hiddenElsewhere++
			}
		}
	}
	// What the leader can subtract at the county: its total, less every
	// town shown or their own, is the hidden towns' sum, never one value.
	for _, g := range coverage.Groups {
		if got.County.Hidden(g) {
			continue
		}
		rest, hidden := got.County.Get(g), 0
		for code, c := range got.Towns {
			if c.Hidden(g) && code != own.Code {
				hidden++
			} else {
				rest -= c.Get(g)
			}
		}
		if hidden == 1 || (hidden > 1 && rest >= 1 && rest <= 10) {
			t.Errorf("%s: %d towns hidden from the leader, totalling %d: recoverable by subtraction", g, hidden, rest)
		}
	}
	if hiddenElsewhere == 0 || ownSmall == 0 {
		t.Fatalf("%d villages of other towns with hidden counts, %d small counts shown in the leader's town: the check would prove nothing",
			hiddenElsewhere, ownSmall)
	}
	if got.Towns[other.Code] != asPlanner.Towns[other.Code] {
		t.Errorf("town %s: %+v, want the planner's %+v", other.Code, got.Towns[other.Code], asPlanner.Towns[other.Code])
	}
	if got.Towns[own.Code].AnyHidden() {
		t.Errorf("own town %s: %+v, want every count shown", own.Code, got.Towns[own.Code])
	}

	// Hexagons up to resolution 8: every town's under the rules, over the
	// planner's weeks; the cells wholly in the leader's town exact, and no
	// other cell's hidden count recoverable with them.
	cells8, w8, err := coverage.PublishCells(ctx, s, leader, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	planner8, pw8, err := coverage.PublishCells(ctx, s, planner, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	cells7, _, err := coverage.PublishCells(ctx, s, leader, 7, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	county8, err := s.CellAggregates(ctx, lianxin.SystemScope(), 8, w8, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	own8, err := s.CellAggregates(ctx, lianxin.SystemScope(), 8, w8, orb.Bound{}, own.Code)
	if err != nil {
		t.Fatal(err)
	}
	if w8 != pw8 {
		t.Errorf("resolution 8 over %v, the planner's over %v", w8, pw8)
	}
	byCell := func(cs []coverage.CellAggregate) map[int64]coverage.CellAggregate {
		m := map[int64]coverage.CellAggregate{}
		for _, c := range cs {
			m[c.Cell] = c
		}
		return m
	}
	leader8, plan8, share8, leader7 := byCell(cells8), byCell(planner8), byCell(own8), byCell(cells7)
	knownCells, hiddenByParent := 0, map[int64][]int64{}
	for _, c := range county8 {
		l, shown := leader8[c.Cell]
		sh := share8[c.Cell]
		if sh.Households == c.Households && sh.SpecialHouseholds == c.SpecialHouseholds && sh.SpecialUnvisited == c.SpecialUnvisited && c.Households > 0 {
			knownCells++
			if !shown || l.SpecialUnvisitedHidden || l.SpecialHouseholdsHidden || l.SpecialUnvisited != c.SpecialUnvisited {
				t.Errorf("cell %s lies wholly in the leader's town: shown %v as %+v, want exact %+v", c.H3, shown, l, c)
			}
			continue
		}
		p, plannerShows := plan8[c.Cell]
		if (!plannerShows && shown) || (plannerShows && p.SpecialUnvisitedHidden && shown && !l.SpecialUnvisitedHidden) {
			t.Errorf("cell %s: the leader sees %+v where the planner's is hidden", c.H3, l)
		}
		if !shown || l.SpecialUnvisitedHidden { // left out (too few households) or hidden
			parent, err := geo.ParentCell(c.Cell, 7)
			if err != nil {
				t.Fatal(err)
			}
			hiddenByParent[parent] = append(hiddenByParent[parent], c.SpecialUnvisited)
		}
	}
	if knownCells == 0 {
		t.Fatal("no resolution-8 cell lies wholly in the leader's town: the check would prove nothing")
	}
	for parent, hidden := range hiddenByParent {
		if p, ok := leader7[parent]; !ok || p.SpecialUnvisitedHidden {
			continue
		}
		var sum int64
		for _, n := range hidden {
			sum += n
		}
		if len(hidden) == 1 || privacy.SmallCount(sum) {
			t.Errorf("under cell %x: %d hidden children totalling %d, recoverable from the shown parent", parent, len(hidden), sum)
		}
	}
	for _, tc := range []struct {
		name string
		res  int
		town string
	}{
		{"resolution 10, every town asked", 10, ""},
		{"resolution 9, own town asked", 9, own.Code},
		{"resolution 8, own town asked", 8, own.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gotW, err := coverage.PublishCells(ctx, s, leader, tc.res, w, orb.Bound{}, tc.town)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.CellAggregates(ctx, lianxin.SystemScope(), tc.res, w, orb.Bound{}, own.Code)
			if err != nil {
				t.Fatal(err)
			}
			if gotW != w || len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%d cells over %v, want the own town's %d exact cells over %v", len(got), gotW, len(want), w)
			}
		})
	}
	if _, _, err := coverage.PublishCells(ctx, s, leader, 10, w, orb.Bound{}, other.Code); lianxin.ErrorCode(err) != lianxin.EForbidden {
		t.Errorf("another town's share at resolution 10: err %v, want forbidden", err)
	}
}
