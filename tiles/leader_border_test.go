package tiles_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/tiles"
)

// A team leader zoomed past 11 sees their own town's finer hexagons and,
// around them, the resolution-8 hexagons a planner sees there, with the
// planner's values: the map does not go blank over a neighbouring town
// (it did: only the own town's resolution-9 and -10 hexagons were drawn).
// A resolution-8 hexagon holding another town's households is drawn whole,
// and no finer hexagon is drawn under it.
func TestLeaderSeesNeighbourTownsHexagons(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	own := county.Towns[0]
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}

	// Households per resolution-8 hexagon, the leader's town's and others',
	// from the generated county (not from the code under test).
	ownHH, otherHH := map[int64]int{}, map[int64]int{}
	var border, inside orb.Point // a household of another town in a shared hexagon; one of the own town alone
	var far orb.Point            // a household of another town far from the own town
	farDist := 0.0
	// A hexagon's values sum its resolution-10 children's (which H3 does not
	// nest exactly in it).
	cellOf := func(p orb.Point) int64 {
		c, err := geo.CellIDOf(p, 10)
		if err == nil {
			c, err = geo.ParentCell(c, 8)
		}
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, h := range county.Households {
		c := cellOf(h.Location)
		if h.TownID == own.ID {
			ownHH[c]++
		} else {
			otherHH[c]++
		}
	}
	for _, h := range county.Households {
		c := cellOf(h.Location)
		switch {
		case h.TownID != own.ID && ownHH[c] >= 5 && otherHH[c] >= 5 && border == (orb.Point{}):
			border = h.Location
		case h.TownID == own.ID && otherHH[c] == 0 && ownHH[c] >= 20 && inside == (orb.Point{}):
			inside = h.Location
		case h.TownID != own.ID:
			if d := geo.DistanceMetres(h.Location, own.Seed); d > farDist {
				far, farDist = h.Location, d
			}
		}
	}
	if border == (orb.Point{}) || inside == (orb.Point{}) || far == (orb.Point{}) {
		t.Fatalf("set-up: town %s needs a hexagon shared with another town (got %v), one of its own (%v) and another town (%v)",
			own.Code, border, inside, far)
	}

	cases := []struct {
		name      string
		at        orb.Point
		z         int
		wantOther bool // the planner's tile has hexagons without the leader's households
		wantFine  bool // the leader's own finer hexagons are drawn
	}{
		{"border z12", border, 12, true, false},
		{"border z13", border, 13, true, false},
		{"another town z12", far, 12, true, false},
		{"another town z14", far, 14, true, false},
		{"own town z13", inside, 13, false, true},
	}
	exact := []string{"households", "residents", "visited_households", "visited_residents", "visits"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tile := tileAt(tc.at, tc.z)
			pl := hexagonsOf(t, fetch(t, svc, planner, "h3", tile, tiles.Filter{}))
			ld := hexagonsOf(t, fetch(t, svc, leader, "h3", tile, tiles.Filter{}))
			coarse := map[int64]bool{} // the leader's resolution-8 hexagons
			under := map[int64]int{}   // the leader's finer hexagons per resolution-8 parent
			for cell, hx := range ld {
				id := cellID(t, cell)
				if fmt.Sprint(hx.props["resolution"]) == "8" {
					coarse[id] = true
				} else if parent, err := geo.ParentCell(id, 8); err == nil {
					under[parent]++
				}
			}
			others, fine := 0, 0
			for cell, p := range pl {
				id := cellID(t, cell)
				if (ownHH[id] == 0 || otherHH[id] > 0) && !coarse[id] && under[id] == 0 {
					// Another town's households, or entries alone (no
					// household), that the leader's tile does not draw at
					// all. (An own town's hexagon on the tile's edge may have
					// no finer hexagon with households inside the tile.)
					t.Errorf("tile %s: the planner's hexagon %s (%v households, %v visits) is drawn neither whole nor finer in the leader's tile",
						tile, cell, p.props["households"], p.props["visits"])
				}
				if otherHH[id] == 0 {
					continue // the leader's own: finer, and exact
				}
				others++
				l, ok := ld[cell]
				if !ok {
					t.Errorf("tile %s: the planner's hexagon %s (%v households, %d of town %s) is missing from the leader's tile (%d hexagons)",
						tile, cell, p.props["households"], ownHH[id], own.Code, len(ld))
					continue
				}
				if ownHH[id] > 0 {
					continue // the leader's own households in it are exact, the planner's published
				}
				for _, k := range exact {
					if fmt.Sprint(l.props[k]) != fmt.Sprint(p.props[k]) {
						t.Errorf("tile %s hexagon %s of other towns: %s = %v for the leader, want the planner's %v", tile, cell, k, l.props[k], p.props[k])
					}
				}
			}
			for cell, hx := range ld {
				if fmt.Sprint(hx.props["resolution"]) == "8" {
					continue
				}
				fine++
				parent, err := geo.ParentCell(cellID(t, cell), 8)
				if err != nil {
					t.Fatal(err)
				}
				if coarse[parent] {
					t.Errorf("tile %s: the leader's hexagon %s is drawn under resolution-8 hexagon %x, drawn too", tile, cell, parent)
				}
				if ownHH[parent] == 0 && fmt.Sprint(hx.props["households"]) != "0" {
					t.Errorf("tile %s: the leader's finer hexagon %s is outside their town %s (parent %x): %v", tile, cell, own.Code, parent, hx.props)
				}
			}
			if tc.wantOther && others == 0 {
				t.Errorf("tile %s: the planner's tile has no hexagon of other towns (%d hexagons); the case checks nothing", tile, len(pl))
			}
			if tc.wantFine && fine == 0 {
				t.Errorf("tile %s: the leader's tile has no hexagon finer than resolution 8 in their own town (%d hexagons)", tile, len(ld))
			}
		})
	}
}

// cellID reads a tile's "cell" attribute (hexadecimal H3 index).
func cellID(t *testing.T, cell string) int64 {
	t.Helper()
	v, err := strconv.ParseUint(cell, 16, 64)
	if err != nil {
		t.Fatalf("cell %q: %v", cell, err)
	}
	return int64(v)
}
