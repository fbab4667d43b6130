package tiles_test

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// perTileLeaderCells is a team leader's hexagons finer than resolution 8 as
// they were built for each tile before the county's answer was memoised:
// the own towns' cells of the tile's bound, the published resolution-8
// cells of that bound, and the own towns' share of those, per tile. The
// memoised engine must answer exactly this, in the same order.
func perTileLeaderCells(ctx context.Context, s *store.Store, scope lianxin.Scope, res int, w coverage.Window, bound orb.Bound) ([]coverage.CellAggregate, error) {
	own, _, err := coverage.PublishCells(ctx, s, scope, res, w, bound, "")
	if err != nil {
		return nil, err
	}
	coarse, pw, err := coverage.PublishCells(ctx, s, scope, coverage.MaxPublishedResolution, w, bound, "")
	if err != nil {
		return nil, err
	}
	towns, err := s.Towns(ctx, scope)
	if err != nil {
		return nil, err
	}
	type count struct{ households, visits int64 }
	ownCoarse := map[int64]count{}
	for _, t := range towns {
		if !scope.SeesTown(t.ID) {
			continue
		}
		cs, err := s.CellAggregates(ctx, scope, coverage.MaxPublishedResolution, pw, bound, t.Code)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			o := ownCoarse[c.Cell]
			ownCoarse[c.Cell] = count{o.households + c.Households, o.visits + c.Visits}
		}
	}
	var out []coverage.CellAggregate
	whole := map[int64]bool{}
	for _, c := range coarse {
		if o := ownCoarse[c.Cell]; c.Households > o.households || c.Visits > o.visits {
			whole[c.Cell] = true
			out = append(out, c)
		}
	}
	for _, c := range own {
		p, err := geo.ParentCell(c.Cell, coverage.MaxPublishedResolution)
		if err != nil {
			return nil, err
		}
		if !whole[p] {
			out = append(out, c)
		}
	}
	return out, nil
}

// A team leader's hexagon tiles past zoom 11 come from the county's answer,
// memoised by data version, and equal, cell for cell and in order, what the
// per-tile computation gave for every z12 tile and a band of z13 tiles over
// their town and its border, for a window of whole weeks and one that is
// not; after a write the memo follows the new data.
func TestLeaderFineCellsEqualPerTileComputation(t *testing.T) {
	ctx := context.Background()
	s, url, county := demotest.New(t)
	own := county.Towns[0]
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{own.ID}, HouseholdPoints: true}
	towns, err := s.Towns(ctx, lianxin.SystemScope())
	if err != nil {
		t.Fatal(err)
	}
	var box orb.Bound
	for _, tw := range towns {
		if tw.ID == own.ID {
			box = tw.BBox
		}
	}
	if box == (orb.Bound{}) {
		t.Fatalf("town %s has no box", own.Code)
	}
	eng := tiles.FromEngine(s)
	windows := []coverage.Window{
		{From: time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), To: time.Date(2026, 11, 2, 0, 0, 0, 0, coverage.Zone)},
		{From: time.Date(2026, 4, 3, 0, 0, 0, 0, coverage.Zone), To: time.Date(2026, 6, 17, 0, 0, 0, 0, coverage.Zone)},
	}
	check := func(stage string, z int, band bool) {
		t.Helper()
		min, max := maptile.At(box.Min, maptile.Zoom(z)), maptile.At(box.Max, maptile.Zoom(z))
		compared, drawn := 0, 0
		for x := min.X; x <= max.X; x++ {
			for y := max.Y; y <= min.Y; y++ { // tile y grows southwards
				if band && y != (min.Y+max.Y)/2 {
					continue
				}
				tile := geo.TileZXY{Z: uint32(z), X: x, Y: y}
				for _, w := range windows {
					q := tiles.Query{Tile: tile, Resolution: tiles.HexResolution(z), Filter: tiles.Filter{From: w.From, To: w.To}}
					got, err := eng.HexCells(ctx, leader, q)
					if err != nil {
						t.Fatalf("%s: tile %s %v: %v", stage, tile, w, err)
					}
					want, err := perTileLeaderCells(ctx, s, leader, q.Resolution, w, tiles.HexBound(tile))
					if err != nil {
						t.Fatalf("%s: per-tile cells of %s: %v", stage, tile, err)
					}
					compared++
					drawn += len(want)
					if len(got) != len(want) {
						t.Errorf("%s: tile %s window %s..%s: %d hexagons, want %d (per tile)", stage, tile, w.From.Format(coverage.DayLayout), w.To.Format(coverage.DayLayout), len(got), len(want))
						continue
					}
					for i := range want {
						g := tiles.Cell{ID: want[i].Cell, Households: want[i].Households, Residents: want[i].Residents,
							VisitedHouseholds: want[i].VisitedHouseholds, VisitedResidents: want[i].VisitedResidents, Visits: want[i].Visits,
							SpecialWaiting: want[i].SpecialUnvisited, OpenProblems: want[i].OpenProblems, SpecialWaitingHidden: want[i].SpecialUnvisitedHidden}
						if !reflect.DeepEqual(got[i], g) {
							t.Errorf("%s: tile %s hexagon %d: got %+v, want %+v (per tile)", stage, tile, i, got[i], g)
							break
						}
					}
				}
			}
		}
		if compared == 0 || drawn == 0 {
			t.Fatalf("%s: zoom %d over town %s: %d tiles compared, %d hexagons: the test checks nothing", stage, z, own.Code, compared, drawn)
		}
	}
	check("before a write", 12, false)
	check("before a write", 13, true)

	// A write: the own town's entries of one week go. The next tile reads
	// new versions and so a new county answer.
	conn := storetest.Connect(t, url)
	tag, err := conn.Exec(ctx, `DELETE FROM visits WHERE occurred_at >= '2026-04-06' AND occurred_at < '2026-04-13'
		AND member_id IN (SELECT m.id FROM members m JOIN teams tm ON tm.id = m.team_id WHERE tm.town_id = $1)`, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatal("set-up: no entry of the own town deleted")
	}
	check("after a write", 12, false)
}

// The first z12 hexagon tile a team leader gets after a write: the
// county's answer worked out again (a fresh engine each time, so nothing is
// memoised in it; the store's own caches are warm). BenchmarkLeaderHexTile
// (store) measures the tiles after it. LIANXIN_BENCH_DATABASE_URL names a
// migrated demo county to run on, else the small test county.
func BenchmarkLeaderHexTileFirst(b *testing.B) {
	ctx := context.Background()
	var s *store.Store
	if url := os.Getenv("LIANXIN_BENCH_DATABASE_URL"); url != "" {
		var err error
		if s, err = store.Open(ctx, url, store.Options{MaxConns: 4, Role: store.AppRole}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
	} else {
		_, url, _ := demotest.New(b)
		var err error
		if s, err = store.Open(ctx, url, store.Options{MaxConns: 4, Role: store.AppRole}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
	}
	towns, err := s.Towns(ctx, lianxin.SystemScope())
	if err != nil || len(towns) == 0 {
		b.Fatalf("towns: %v (%d)", err, len(towns))
	}
	leader := lianxin.Scope{User: "bench-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{towns[0].ID}, HouseholdPoints: true}
	mt := maptile.At(towns[0].BBox.Center(), 12)
	q := tiles.Query{Tile: geo.TileZXY{Z: 12, X: mt.X, Y: mt.Y}, Resolution: tiles.HexResolution(12),
		Filter: tiles.Filter{From: time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), To: time.Date(2026, 11, 2, 0, 0, 0, 0, coverage.Zone)}}
	if _, err := tiles.FromEngine(s).HexCells(ctx, leader, q); err != nil { // the store's caches
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := tiles.FromEngine(s).HexCells(ctx, leader, q); err != nil {
			b.Fatal(err)
		}
	}
}
