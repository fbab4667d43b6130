package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
)

// A team leader has household access in their own town only: the
// aggregates of other towns reach them as they reach a planner (the same
// whole weeks, the same hidden marks), their own town's exactly, and
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
			if v.VillageID != p.VillageID || v.SpecialUnvisited != p.SpecialUnvisited || v.SpecialHouseholds != p.SpecialHouseholds ||
				v.Suppressed != p.Suppressed || v.SpecialWaitingHidden != p.SpecialWaitingHidden || v.VisitedResidents != p.VisitedResidents {
				t.Errorf("village %s of town %s: %+v, want the planner's %+v", v.VillageCode, v.TownCode, v, p)
			}
			if v.SpecialUnvisited.AnyHidden() {
				hiddenElsewhere++
			}
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

	// Hexagons: a planner's at resolution 8, the own town's share beyond.
	cells8, _, err := coverage.PublishCells(ctx, s, leader, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	planner8, _, err := coverage.PublishCells(ctx, s, planner, 8, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cells8, planner8) {
		t.Errorf("resolution 8: the leader's %d cells differ from the planner's %d", len(cells8), len(planner8))
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
