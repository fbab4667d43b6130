package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/tiles"
)

// straightforwardCellsSQL is the H3 aggregate written directly from the raw
// tables: the independent check of CellAggregates and its benchmark baseline.
// $1 resolution, $2 and $3 the window as timestamptz.
const straightforwardCellsSQL = `
WITH visited AS (
  SELECT DISTINCT household_id FROM visits
  WHERE household_id IS NOT NULL AND occurred_at >= $2 AND occurred_at < $3),
hc AS (
  SELECT h3_parent(h.cell, $1) AS cell, count(*) AS households, sum(h.residents) AS residents,
         count(vd.household_id) AS visited_households,
         coalesce(sum(h.residents) FILTER (WHERE vd.household_id IS NOT NULL), 0) AS visited_residents,
         count(*) FILTER (WHERE vd.household_id IS NULL AND (h.poor OR h.seriously_ill OR h.disabled OR h.empty_nest
                                OR h.left_behind_children OR h.community_correction)) AS special_unvisited
  FROM households h LEFT JOIN visited vd ON vd.household_id = h.id
  GROUP BY 1),
vc AS (
  SELECT h3_parent(coalesce(v.cell, h.cell), $1) AS cell, count(*) AS visits,
         sum(v.problems_collected) AS collected, sum(v.problems_resolved) AS resolved
  FROM visits v LEFT JOIN households h ON h.id = v.household_id
  WHERE v.occurred_at >= $2 AND v.occurred_at < $3 AND coalesce(v.cell, h.cell) IS NOT NULL
  GROUP BY 1)
SELECT cell, coalesce(hc.households, 0), coalesce(hc.residents, 0)::bigint, coalesce(hc.visited_households, 0),
       coalesce(hc.visited_residents, 0)::bigint, coalesce(vc.visits, 0), coalesce(hc.special_unvisited, 0),
       greatest(0, coalesce(vc.collected, 0) - coalesce(vc.resolved, 0))::bigint
FROM hc FULL JOIN vc USING (cell)`

func straightforwardCells(ctx context.Context, conn *pgx.Conn, res int, w coverage.Window) (map[int64][7]int64, error) {
	rows, err := conn.Query(ctx, straightforwardCellsSQL, res, w.From, w.To)
	if err != nil {
		return nil, err
	}
	out := map[int64][7]int64{}
	for rows.Next() {
		var cell int64
		var v [7]int64
		if err := rows.Scan(&cell, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]); err != nil {
			return nil, err
		}
		out[cell] = v
	}
	return out, rows.Err()
}

// CellAggregates equals the straightforward query over the raw tables at
// every resolution, for the campaign and a narrower window.
func TestCellAggregatesMatchStraightforwardQuery(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, w := range []coverage.Window{{From: day("2026-03-01"), To: day("2026-11-02")}, {From: day("2026-06-01"), To: day("2026-06-15")}} {
		for res := coverage.MinCellResolution; res <= coverage.MaxCellResolution; res++ {
			got, err := s.CellAggregates(ctx, lianxin.SystemScope(), res, w, orb.Bound{}, "")
			if err != nil {
				t.Fatalf("CellAggregates(%d, %v): %v", res, w, err)
			}
			want, err := straightforwardCells(ctx, conn, res, w)
			if err != nil {
				t.Fatalf("straightforward cells: %v", err)
			}
			if len(got) != len(want) {
				t.Errorf("res %d %v: engine %d cells, straightforward %d", res, w, len(got), len(want))
			}
			bad := 0
			for _, c := range got {
				g := [7]int64{c.Households, c.Residents, c.VisitedHouseholds, c.VisitedResidents, c.Visits, c.SpecialUnvisited, c.OpenProblems}
				if g != want[c.Cell] && bad < 3 {
					bad++
					t.Errorf("res %d %v cell %s: engine %v, straightforward %v (households residents visited_hh visited_res visits special_unvisited open)", res, w, c.H3, g, want[c.Cell])
				}
			}
		}
	}
}

// benchStore opens the database named by LIANXIN_BENCH_DATABASE_URL (a
// migrated copy of a demo county, as scripts/bench.d/40-coverage.sh makes),
// or else a fresh copy of the small test county.
func benchStore(b *testing.B) (*store.Store, string) {
	return benchStoreWith(b, store.Options{MaxConns: 4})
}

func benchStoreWith(b *testing.B, opt store.Options) (*store.Store, string) {
	if url := os.Getenv("LIANXIN_BENCH_DATABASE_URL"); url != "" {
		s, err := store.Open(context.Background(), url, opt)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		return s, url
	}
	_, url, _ := demotest.New(b)
	s, err := store.Open(context.Background(), url, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s, url
}

var benchNow = func() time.Time { return day("2026-11-01") }

func benchWindow() coverage.Window {
	return coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
}

// The county gap report (every village) through the engine, with nothing
// written since the last one: the village coverage comes from the cache.
func BenchmarkGapReport(b *testing.B) {
	s, _ := benchStore(b)
	r := coverage.NewReports(s, benchNow)
	ctx := context.Background()
	// The first report fills the cache: made before the timed loop, else
	// it is one of the runs measured (one uncached report in five at 5x).
	if _, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The county gap report with the cache off: what the first report after
// any write costs.
func BenchmarkGapReportUncached(b *testing.B) {
	s, _ := benchStoreWith(b, store.Options{MaxConns: 4, CoverageCache: -1})
	r := coverage.NewReports(s, benchNow)
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The county gap report as a planner reads it (privacy rules applied, from
// the caches): what the web map's gap table costs a role without household
// access.
func BenchmarkGapReportPlanner(b *testing.B) {
	s, _ := benchStore(b)
	r := coverage.NewReports(s, benchNow)
	ctx := context.Background()
	planner := lianxin.Scope{User: "bench-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	if _, _, err := r.Gaps(ctx, planner, coverage.GapQuery{All: true}); err != nil { // fills the caches
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := r.Gaps(ctx, planner, coverage.GapQuery{All: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// The same report as one straightforward query over the raw tables.
func BenchmarkGapReportStraightforward(b *testing.B) {
	_, url := benchStore(b)
	ctx := context.Background()
	w := benchWindow()
	for b.Loop() {
		if _, err := straightforwardGaps(ctx, url, w, benchNow()); err != nil {
			b.Fatal(err)
		}
	}
}

// The H3 aggregate of June at resolution 8, whole county.
func BenchmarkCellAggregatesRes8(b *testing.B) {
	// The county-wide answer is cached by input versions: measure the
	// engine's aggregate itself.
	s, _ := benchStoreWith(b, store.Options{MaxConns: 4, CoverageCache: -1})
	ctx := context.Background()
	w := coverage.Window{From: day("2026-06-01"), To: day("2026-07-01")}
	for b.Loop() {
		if _, err := s.CellAggregates(ctx, lianxin.SystemScope(), 8, w, orb.Bound{}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCellAggregatesRes8Straightforward(b *testing.B) {
	_, url := benchStore(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	w := coverage.Window{From: day("2026-06-01"), To: day("2026-07-01")}
	for b.Loop() {
		if _, err := straightforwardCells(ctx, conn, 8, w); err != nil {
			b.Fatal(err)
		}
	}
}

type benchHousehold struct{ id, village, town, member int64 }

// pickHouseholds draws n households (with a member of their town) to visit,
// outside the timed part.
func pickHouseholds(ctx context.Context, conn *pgx.Conn, batch, n int) ([]benchHousehold, error) {
	rows, err := conn.Query(ctx, `
SELECT h.id, h.village_id, h.town_id, (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1)
FROM households h WHERE (h.id * 7919 + $1) % 29 = 0 LIMIT $2`, batch, n)
	if err != nil {
		return nil, err
	}
	var hs []benchHousehold
	for rows.Next() {
		var h benchHousehold
		if err := rows.Scan(&h.id, &h.village, &h.town, &h.member); err != nil {
			return nil, err
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// importVisits copies a visit to each household (binary COPY, one
// transaction) and returns when they are committed; with aggregates false
// the coverage triggers are switched off for the transaction, the import's floor.
func importVisits(ctx context.Context, conn *pgx.Conn, batch int, hs []benchHousehold, aggregates bool) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if !aggregates {
		if _, err := tx.Exec(ctx, `ALTER TABLE visits DISABLE TRIGGER visits_coverage_insert`); err != nil {
			return err
		}
	}
	at := day("2026-10-01")
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"visits"},
		[]string{"external_id", "member_id", "household_id", "village_id", "town_id", "occurred_at", "kind"},
		pgx.CopyFromSlice(len(hs), func(i int) ([]any, error) {
			h := hs[i]
			return []any{fmt.Sprintf("bench-%d-%d", batch, i), h.member, h.id, h.village, h.town,
				at.Add(time.Duration(i) * time.Minute), "household_visit"}, nil
		}))
	if err != nil {
		return err
	}
	if !aggregates {
		if _, err := tx.Exec(ctx, `ALTER TABLE visits ENABLE TRIGGER visits_coverage_insert`); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

func removeImported(ctx context.Context, conn *pgx.Conn, aggregates bool) error {
	sql := `DELETE FROM visits WHERE external_id LIKE 'bench-%'`
	if !aggregates {
		sql = `BEGIN; ALTER TABLE visits DISABLE TRIGGER visits_coverage_delete; ` + sql +
			`; ALTER TABLE visits ENABLE TRIGGER visits_coverage_delete; COMMIT`
	}
	_, err := conn.Exec(ctx, sql)
	return err
}

// benchImports is the import benchmarks' loop over a fresh connection to
// url: each round picks 10,000 households (untimed), imports a visit to
// each (aggregates: with the triggers that keep the aggregates current),
// runs then (nil: nothing) on the clock with the import, and removes the
// visits again (untimed).
func benchImports(b *testing.B, url string, aggregates bool, then func(ctx context.Context) error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		hs, err := pickHouseholds(ctx, conn, i, 10_000)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := importVisits(ctx, conn, i, hs, aggregates); err != nil {
			b.Fatal(err)
		}
		if then != nil {
			if err := then(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		if err := removeImported(ctx, conn, aggregates); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// From the start of an import of 10,000 visits to a gap report that shows
// them: the COPY with the triggers that keep the aggregates current, the
// commit, then the engine's report.
func BenchmarkImport10kVisitsToReport(b *testing.B) {
	s, url := benchStore(b)
	r := coverage.NewReports(s, benchNow)
	benchImports(b, url, true, func(ctx context.Context) error {
		_, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{All: true})
		return err
	})
}

// The baseline: the same import with no aggregates to maintain, then the
// straightforward report over the raw tables.
func BenchmarkImport10kVisitsToReportStraightforward(b *testing.B) {
	_, url := benchStore(b)
	benchImports(b, url, false, func(ctx context.Context) error {
		_, err := straightforwardGaps(ctx, url, benchWindow(), benchNow())
		return err
	})
}

// The import alone, with and without the aggregate triggers.
func BenchmarkImport10kVisits(b *testing.B) {
	for _, agg := range []bool{true, false} {
		b.Run(fmt.Sprintf("aggregates=%v", agg), func(b *testing.B) {
			_, url := benchStore(b)
			benchImports(b, url, agg, nil)
		})
	}
}

// One z10 hexagon tile's cells as a planner (no household access) gets
// them: privacy rule 4 protects the whole county's resolution-8 cells for
// every such tile. Cached: the county's cells from the store's cache;
// uncached: summed again for each tile, as before they were cached.
func BenchmarkPlannerHexTile(b *testing.B)         { benchPlannerHexTile(b, 0) }
func BenchmarkPlannerHexTileUncached(b *testing.B) { benchPlannerHexTile(b, -1) }

// One z12 hexagon tile's cells as a team leader gets them (the web map
// asks for these on a leader's first load): their own town's resolution-9
// hexagons, exact, and around them the resolution-8 hexagons every role
// sees, published (tiles' leaderFineCells: the county's published cells,
// then the own town's share of them). The tile is at the centre of the
// leader's town; the county's answer is memoised in the engine by data
// version (tiles/leaderhex.go), and BenchmarkLeaderHexTileFirst (tiles)
// measures the first tile after a write, which works it out.
func BenchmarkLeaderHexTile(b *testing.B) {
	s, _ := benchStoreWith(b, store.Options{MaxConns: 4, Role: store.AppRole})
	ctx := context.Background()
	towns, err := s.Towns(ctx, lianxin.SystemScope())
	if err != nil || len(towns) == 0 {
		b.Fatalf("towns: %v (%d)", err, len(towns))
	}
	town := towns[0]
	leader := lianxin.Scope{User: "bench-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town.ID},
		HouseholdPoints: true}
	const z = 12
	mt := maptile.At(town.BBox.Center(), z)
	q := tiles.Query{Tile: geo.TileZXY{Z: uint32(mt.Z), X: mt.X, Y: mt.Y}, Resolution: tiles.HexResolution(z),
		Filter: tiles.Filter{From: benchWindow().From, To: benchWindow().To}}
	eng := tiles.FromEngine(s)
	// The first tile after a write fills the cache; measure the ones after.
	cells, err := eng.HexCells(ctx, leader, q)
	if err != nil {
		b.Fatal(err)
	}
	if len(cells) == 0 {
		b.Fatalf("tile %s of town %s: no hexagon; the benchmark would measure nothing", q.Tile, town.Code)
	}
	for b.Loop() {
		if _, err := eng.HexCells(ctx, leader, q); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPlannerHexTile(b *testing.B, cache int) {
	s, _ := benchStoreWith(b, store.Options{MaxConns: 4, CoverageCache: cache, Role: store.AppRole})
	ctx := context.Background()
	planner := lianxin.Scope{User: "bench-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	bound := tiles.HexBound(geo.TileZXY{Z: 10, X: 853, Y: 415})
	// The first tile after a write fills the cache; measure the ones after.
	if _, _, err := coverage.PublishCells(ctx, s, planner, 8, benchWindow(), bound, ""); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := coverage.PublishCells(ctx, s, planner, 8, benchWindow(), bound, ""); err != nil {
			b.Fatal(err)
		}
	}
}
