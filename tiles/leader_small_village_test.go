package tiles_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// A team leader's own village of 1 to 4 households, in a resolution-8
// hexagon shared with another town, is suppressed for a planner but never
// for its leader (coverage.PublishVillages leaves their own towns' villages
// exact). So the leader's coarse hexagon there counts every household of
// it, their own small village's included, more than their own towns'
// share: it is drawn whole past zoom 11 and the other town's households in
// it do not vanish (leaderFineCells).
func TestLeaderBorderHexagonWithOwnSmallVillage(t *testing.T) {
	ctx := context.Background()
	s, url, county := demotest.New(t)
	conn := storetest.Connect(t, url)
	own := county.Towns[0]

	// A household of the own town in a resolution-8 hexagon holding at
	// least 5 households of other towns, its village and a sibling.
	var cell, keep int64
	var village, sibling int32
	var at orb.Point
	if err := conn.QueryRow(ctx, `
		WITH hh AS (SELECT id, village_id, town_id, h3_parent(cell, 8) AS c8, location FROM households),
		     other AS (SELECT c8 FROM hh WHERE town_id <> $1 GROUP BY c8 HAVING count(*) >= 5)
		SELECT hh.c8, hh.id, hh.village_id,
		       (SELECT s.id FROM villages s WHERE s.town_id = $1 AND s.id <> hh.village_id ORDER BY s.id LIMIT 1),
		       ST_X(hh.location), ST_Y(hh.location)
		FROM hh JOIN other USING (c8) WHERE hh.town_id = $1 ORDER BY hh.id LIMIT 1`, own.ID).
		Scan(&cell, &keep, &village, &sibling, &at[0], &at[1]); err != nil {
		t.Fatalf("set-up: a household of town %s in a hexagon shared with another town: %v", own.Code, err)
	}
	// Its village keeps that household alone; the rest, with their
	// entries, move to the sibling (as demotest.ShrinkOneVillagePerTown).
	for _, q := range []string{
		`UPDATE visits SET village_id = $2 WHERE household_id IN (SELECT id FROM households WHERE village_id = $1 AND id <> $3)`,
		`UPDATE households SET village_id = $2 WHERE village_id = $1 AND id <> $3`,
	} {
		if _, err := conn.Exec(ctx, q, village, sibling, keep); err != nil {
			t.Fatalf("shrink village %d to household %d: %v", village, keep, err)
		}
	}
	var households int64 // every town's, in the hexagon
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM households WHERE h3_parent(cell, 8) = $1`, cell).Scan(&households); err != nil {
		t.Fatal(err)
	}

	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	w := coverage.Window{From: time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), To: time.Date(2026, 9, 27, 0, 0, 0, 0, coverage.Zone)}
	for _, tc := range []struct {
		name           string
		scope          lianxin.Scope
		wantSuppressed bool
	}{{"planner", planner, true}, {"leader", leader, false}} {
		pub, err := coverage.PublishVillages(ctx, s, tc.scope, w, coverage.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range pub.Villages {
			if v.VillageID == village {
				found = true
				if v.Suppressed != tc.wantSuppressed {
					t.Errorf("%s: the own town's village %s of one household: suppressed %v, want %v", tc.name, v.VillageCode, v.Suppressed, tc.wantSuppressed)
				}
			}
		}
		if !found {
			t.Fatalf("%s: village %d is not among the published villages", tc.name, village)
		}
	}

	svc := newService(t, s)
	for _, z := range []int{12, 13} {
		tile := tileAt(at, z)
		ld := hexagonsOf(t, fetch(t, svc, leader, "h3", tile, tiles.Filter{}))
		hx, ok := ld[fmt.Sprintf("%x", cell)]
		if !ok {
			t.Errorf("tile %s: the leader's tile does not draw the shared resolution-8 hexagon %x whole (%d hexagons)", tile, cell, len(ld))
			continue
		}
		if got := fmt.Sprint(hx.props["households"]); got != fmt.Sprint(households) || fmt.Sprint(hx.props["resolution"]) != "8" {
			t.Errorf("tile %s hexagon %x: resolution %v, %s households for the leader; want resolution 8 and all %d of every town's",
				tile, cell, hx.props["resolution"], got, households)
		}
	}
}
