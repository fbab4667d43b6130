package tiles_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

// villageAttrs are the figures a villages tile carries for a village, as
// the tile spells them (absent attributes as nil).
type villageAttrs struct {
	visitedResidents, residentsNeeded, specialWaiting any
	coverage                                          any // rounded to 4 places, as the panel gives it
	reached                                           any
}

func (a villageAttrs) String() string {
	return fmt.Sprintf("visited_residents %v, coverage %v, reached %v, residents_needed %v, special_waiting %v",
		a.visitedResidents, a.coverage, a.reached, a.residentsNeeded, a.specialWaiting)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// tileAttrs reads a village feature's figures.
func tileAttrs(p map[string]any) villageAttrs {
	a := villageAttrs{visitedResidents: p["visited_residents"], residentsNeeded: p["residents_needed"],
		specialWaiting: p["special_waiting"], reached: p["reached"]}
	if c, ok := p["coverage"].(float64); ok {
		a.coverage = round4(c)
	}
	return a
}

// panelAttrs is what the village panel says of a village, as a tile spells it.
func panelAttrs(d coverage.VillageDetail) villageAttrs {
	a := villageAttrs{visitedResidents: float64(d.VisitedResidents), residentsNeeded: float64(d.ResidentsNeeded), reached: d.Reached}
	if d.Coverage != nil {
		a.coverage = *d.Coverage
	}
	if !d.SpecialWaiting.Hidden {
		a.specialWaiting = float64(d.SpecialWaiting.N)
	}
	return a
}

// A team leader's villages tile for a window that is not whole weeks gives
// their own town's villages the village panel's figures, exact over the
// window asked, and every other town's the published ones, over whole
// weeks, as the panel does for those: the map's colour and the panel agree.
// A planner's tile of the same window stays published everywhere, and the
// tile cache, shared by both, never serves one's tile to the other, in
// either order.
func TestVillagesTileOwnTownAsPanel(t *testing.T) {
	ctx := context.Background()
	s, _, county := demotest.New(t)
	own := county.Towns[0]
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	// Weeks count from Sunday 1 March: 3 April and 17 June are mid-week.
	from, to := time.Date(2026, 4, 3, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 6, 17, 0, 0, 0, 0, coverage.Zone)
	w := coverage.Window{From: from, To: to}
	reports := coverage.NewReports(s, func() time.Time { return demoNow })

	// The exact figures over w and the published ones (whole weeks), by
	// village, from the engine: a village whose two differ tells the two
	// apart.
	exact, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	published, err := coverage.PublishVillages(ctx, s, planner, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if published.Window == w {
		t.Fatalf("window %v is published as it is: the test needs one that is not whole weeks", w)
	}
	exactVR, pubVR := map[int32]int64{}, map[int32]int64{}
	for _, v := range exact {
		exactVR[v.VillageID] = v.VisitedResidents
	}
	code := map[int32]string{}
	for _, v := range published.Villages {
		code[v.VillageID] = v.VillageCode
		if !v.Suppressed {
			pubVR[v.VillageID] = v.VisitedResidents
		}
	}

	// One tile at zoom 8 holds the whole demo county.
	var box orb.Bound
	for i, v := range county.Villages {
		if i == 0 {
			box = v.Boundary.Bound()
		}
		box = box.Union(v.Boundary.Bound())
	}
	tile := tileAt(box.Center(), 8)
	svc := newService(t, s)
	f := tiles.Filter{From: from, To: to}

	checkLeader := func(stage string) {
		t.Helper()
		l := layerOf(fetch(t, svc, leader, "villages", tile, f), "villages")
		if l == nil || len(l.Features) < len(county.Villages) {
			t.Fatalf("%s: tile %s does not hold the county's %d villages", stage, tile, len(county.Villages))
		}
		ownDiffer, otherDiffer, ownSeen, otherSeen := 0, 0, 0, 0
		for _, feat := range l.Features {
			id := int32(feat.Properties["id"].(float64))
			if _, ok := feat.Properties["visited_residents"]; !ok {
				continue // drawn without figures (suppressed, no population)
			}
			mine := fmt.Sprint(feat.Properties["town_id"]) == fmt.Sprint(own.ID)
			if !mine && (otherSeen > 40 && otherDiffer > 0) {
				continue // enough of other towns' villages asked of the panel
			}
			d, err := reports.Village(ctx, leader, code[id], coverage.Query{From: from, To: to})
			if err != nil {
				t.Fatalf("%s: panel of village %s: %v", stage, code[id], err)
			}
			got, want := tileAttrs(feat.Properties), panelAttrs(d)
			if got != want {
				t.Errorf("%s: leader's tile, village %s (own town %v): %v; the panel says %v", stage, code[id], mine, got, want)
			}
			if mine {
				ownSeen++
				if want.visitedResidents != float64(exactVR[id]) || d.From != "2026-04-03" || d.To != "2026-06-17" {
					t.Errorf("%s: panel of own village %s: %v over %s..%s, want %d exact over 2026-04-03..2026-06-17",
						stage, code[id], want.visitedResidents, d.From, d.To, exactVR[id])
				}
				if exactVR[id] != pubVR[id] {
					ownDiffer++
				}
			} else {
				otherSeen++
				if got.visitedResidents != float64(pubVR[id]) {
					t.Errorf("%s: leader's tile, another town's village %s: visited residents %v, want the published %d (whole weeks)", stage, code[id], got.visitedResidents, pubVR[id])
				}
				if exactVR[id] != pubVR[id] {
					otherDiffer++
				}
			}
		}
		if ownSeen == 0 || ownDiffer == 0 || otherSeen == 0 || otherDiffer == 0 {
			t.Fatalf("%s: %d own villages (%d exact ≠ published), %d others (%d): the test cannot tell the windows apart",
				stage, ownSeen, ownDiffer, otherSeen, otherDiffer)
		}
	}
	checkPlanner := func(stage string) {
		t.Helper()
		l := layerOf(fetch(t, svc, planner, "villages", tile, f), "villages")
		if l == nil {
			t.Fatalf("%s: planner's tile %s has no villages", stage, tile)
		}
		seen := 0
		for _, feat := range l.Features {
			id := int32(feat.Properties["id"].(float64))
			vr, ok := feat.Properties["visited_residents"]
			if !ok {
				continue
			}
			seen++
			if vr != float64(pubVR[id]) {
				t.Errorf("%s: planner's tile, village %s: visited residents %v, want the published %d (whole weeks)", stage, code[id], vr, pubVR[id])
			}
		}
		if seen == 0 {
			t.Fatalf("%s: planner's tile %s: no village with figures", stage, tile)
		}
	}
	// The planner's tile first, then the leader's from the same cache, then
	// both again (cached): neither is served the other's.
	checkPlanner("planner first")
	checkLeader("leader after the planner")
	checkPlanner("planner again")
	checkLeader("leader again")

	// And the other way round, on a fresh cache.
	svc = newService(t, s)
	checkLeader("leader first")
	checkPlanner("planner after the leader")
}
