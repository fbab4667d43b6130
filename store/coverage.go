package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
)

// Coverage queries read the precomputed tables of migration 006
// (coverage_cells, coverage_village_households, coverage_household_days,
// coverage_visit_days), which triggers keep current on every write to
// households and visits. A window [from, to) of whole days selects a
// household once, on its first visit day inside the window: day in [from, to)
// and (prev_day IS NULL OR prev_day < from).
//
// Aggregates are county-wide for every signed-in scope: they carry no
// detail row. The per-household tables stay under the town_scope policy, so
// the sums come from SECURITY DEFINER functions (migration 009) that return
// only grouped numbers; Filter.Town (or a town argument) narrows what they
// sum. Suppressing small counts for roles without household access is the
// privacy layer's job, on the values returned here.

// townIDByCode resolves a town code; an unknown code is not found, like any
// missing object.
func townIDByCode(ctx context.Context, tx pgx.Tx, code string) (*int32, error) {
	if code == "" {
		return nil, nil
	}
	var id int32
	err := tx.QueryRow(ctx, `SELECT id FROM towns WHERE code = $1`, code).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil, coverage.RefuseTownUnknown(code)
	}
	if err != nil {
		return nil, fmt.Errorf("find town %q: %w", code, err)
	}
	return &id, nil
}

// The centre is stored (coverage_village_centres, kept by a trigger on
// villages); computing ST_PointOnSurface of every outline cost more than the
// rest of the report.
const villagesSQL = `
SELECT v.id, v.code, v.name, v.kind, t.id, t.code, t.name, v.rural, v.petition_case,
       v.resident_population, v.registered_households,
       coalesce(c.lon, ST_X(ST_PointOnSurface(v.boundary))), coalesce(c.lat, ST_Y(ST_PointOnSurface(v.boundary)))
FROM villages v
JOIN towns t ON t.id = v.town_id
LEFT JOIN coverage_village_centres c ON c.village_id = v.id
WHERE ($1::int IS NULL OR v.town_id = $1)
  AND (cardinality($2::text[]) = 0 OR v.code = ANY ($2))
ORDER BY t.code, v.code`

// Households per village and size, with their special groups and the
// households in at least one group (migration 035), summed per village in Go.
const villageHouseholdsSQL = `SELECT * FROM coverage_village_sizes($1)`

// Households visited in the window per village and size, counted once each.
// With the visited households in at least one special group (migration
// 032), in the same scan.
const villageVisitedSQL = `SELECT * FROM coverage_village_visited_special($1, $2, $3)`

const villageVisitsSQL = `SELECT * FROM coverage_village_visits($1, $2, $3)`

// VillageCoverage returns every village's coverage over w (narrowed by f),
// ordered by town code then village code. Answers are cached by the
// versions of their inputs (coverage_cache.go): a repeated report costs one
// small query until households, visits, villages or towns change.
func (s *Store) VillageCoverage(ctx context.Context, scope lianxin.Scope, w coverage.Window, f coverage.Filter) ([]coverage.VillageCoverage, error) {
	var out []coverage.VillageCoverage
	key := coverageKeyOf(w, f)
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		// Not signed in: the functions and policies answer nothing; never
		// serve such a caller from the cache.
		cacheable := scope.User != ""
		var versions []int64
		var err error
		if cacheable {
			var hit bool
			if versions, out, hit, err = s.covers.lookup(ctx, tx, key); err != nil || hit {
				return err
			}
		}
		if out, err = villageCoverage(ctx, tx, w, f); err != nil {
			return err
		}
		if cacheable {
			s.covers.put(versions, key, out)
		}
		return nil
	})
	return out, err
}

// noJIT switches PostgreSQL's JIT off for the transaction: the aggregate
// queries read tens of thousands of rows in milliseconds, but the full joins'
// row estimates make the planner compile them, which alone costs ~0.5 s.
func noJIT(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return fmt.Errorf("switch JIT off: %w", err)
	}
	return nil
}

func villageCoverage(ctx context.Context, tx pgx.Tx, w coverage.Window, f coverage.Filter) ([]coverage.VillageCoverage, error) {
	if err := noJIT(ctx, tx); err != nil {
		return nil, err
	}
	town, err := townIDByCode(ctx, tx, f.Town)
	if err != nil {
		return nil, err
	}
	codes := f.Villages
	if codes == nil {
		codes = []string{}
	}
	from, to := pgDay(w.From), pgDay(w.To)
	b := &pgx.Batch{}
	b.Queue(villagesSQL, town, codes)
	b.Queue(villageHouseholdsSQL, town)
	b.Queue(villageVisitedSQL, from, to, town)
	b.Queue(villageVisitsSQL, from, to, town)
	br := tx.SendBatch(ctx, b)
	defer br.Close()

	var out []coverage.VillageCoverage
	index := map[int32]int{}
	rows, _ := br.Query()
	for rows.Next() {
		var v coverage.VillageCoverage
		var lon, lat float64
		var pop, reg int32
		if err := rows.Scan(&v.VillageID, &v.VillageCode, &v.VillageName, &v.VillageKind, &v.TownID, &v.TownCode, &v.TownName,
			&v.Rural, &v.PetitionCase, &pop, &reg, &lon, &lat); err != nil {
			return nil, fmt.Errorf("read villages: %w", err)
		}
		v.ResidentPopulation, v.RegisteredHouseholds = int64(pop), int64(reg)
		v.Centre = orb.Point{lon, lat}
		index[v.VillageID] = len(out)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read villages: %w", err)
	}

	// size histograms: all households, then visited ones
	all := map[int32]map[int64]int64{}
	visited := map[int32]map[int64]int64{}
	err = scanSizeRows(br, "village households", func(vid int32, size, n, special int64, sc coverage.SpecialCounts) {
		i, ok := index[vid]
		if !ok {
			return
		}
		v := &out[i]
		v.SpecialDistinct += special
		v.Households += n
		v.Residents += n * size
		v.SpecialHouseholds = v.SpecialHouseholds.Plus(sc)
		if all[vid] == nil {
			all[vid] = map[int64]int64{}
		}
		all[vid][size] += n
	})
	if err != nil {
		return nil, err
	}
	err = scanSizeRows(br, "visited households", func(vid int32, size, n, special int64, sc coverage.SpecialCounts) {
		i, ok := index[vid]
		if !ok {
			return
		}
		v := &out[i]
		v.SpecialDistinctUnvisited -= special // plus the village's special households below
		v.VisitedHouseholds += n
		v.VisitedResidents += n * size
		v.SpecialUnvisited = v.SpecialUnvisited.Minus(sc) // plus totals below
		if visited[vid] == nil {
			visited[vid] = map[int64]int64{}
		}
		visited[vid][size] += n
	})
	if err != nil {
		return nil, err
	}
	rows, _ = br.Query()
	for rows.Next() {
		var vid int32
		var visits, pc, pr int64
		var last time.Time
		if err := rows.Scan(&vid, &visits, &pc, &pr, &last); err != nil {
			return nil, fmt.Errorf("read village visits: %w", err)
		}
		i, ok := index[vid]
		if !ok {
			continue
		}
		v := &out[i]
		v.Visits, v.ProblemsCollected, v.ProblemsResolved = visits, pc, pr
		day := fromPgDay(last)
		v.LastVisitOn = &day
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read village visits: %w", err)
	}
	for i := range out {
		v := &out[i]
		v.SpecialDistinctUnvisited = max(0, v.SpecialDistinct+v.SpecialDistinctUnvisited)
		v.SpecialUnvisited = v.SpecialHouseholds.Plus(v.SpecialUnvisited)
		if f.WithSizes {
			v.UnvisitedSizes = unvisitedSizes(all[v.VillageID], visited[v.VillageID])
		}
	}
	return out, nil
}

// unvisitedSizes subtracts the visited histogram from the whole one, largest
// households first.
func unvisitedSizes(all, visited map[int64]int64) []coverage.SizeCount {
	out := make([]coverage.SizeCount, 0, len(all))
	for size, n := range all {
		if left := n - visited[size]; left > 0 {
			out = append(out, coverage.SizeCount{Residents: size, Households: left})
		}
	}
	slices.SortFunc(out, func(a, b coverage.SizeCount) int { return int(b.Residents - a.Residents) })
	return out
}

// pgDay turns a campaign-day midnight into a civil date for a PostgreSQL
// date parameter (pgx writes the time's own year, month and day).
func pgDay(t time.Time) time.Time {
	t = t.In(coverage.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// fromPgDay reads a PostgreSQL date (pgx scans it as UTC midnight) as a
// campaign day.
func fromPgDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, coverage.Zone)
}

// cellsSQL aggregates the three tables at resolution $1 for window [$2, $3),
// town $4: every row, or for a bounded request ($5 lo[], $6 hi[] not NULL)
// only the child ranges of the selected cells through the btree on cell.
const cellsSQL = `SELECT * FROM coverage_cell_sums($1, $2, $3, $4, $5, $6)`

// maxCellRanges bounds the index ranges of a bounded aggregate; above it a
// scan of the (town's) rows is cheaper and the selection is applied in Go.
const maxCellRanges = 4096

// CellAggregates returns the numbers of every H3 cell at resolution res
// (6..10) over window w whose centre lies in bound padded by two cell edges
// (an empty orb.Bound{} means everywhere), for one town's rows when town (a
// code) is set. A cell's values always sum all its children, so a hexagon cut
// by a tile edge shows the same numbers in both tiles.
func (s *Store) CellAggregates(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, bound orb.Bound, town string) ([]coverage.CellAggregate, error) {
	sel, err := coverage.SelectCells(bound, res)
	if err != nil {
		return nil, err
	}
	var out []coverage.CellAggregate
	// County-wide answers (what the privacy rules protect for every hexagon
	// tile of a role without household access) are cached by the versions
	// of their inputs; a scope that is not signed in sums nothing and is
	// never served from the cache.
	key, cacheable := cellsKey{res: res, from: w.From.Unix(), to: w.To.Unix()}, bound == (orb.Bound{}) && town == "" && scope.User != ""
	// readCells collects the query's rows; it may run twice (a retry).
	readCells := func(rows pgx.Rows) (err error) {
		out, err = scanCells(rows, res, out[:0], sel.Has)
		return err
	}
	lo, hi := sel.Ranges(maxCellRanges)
	if !cacheable && town == "" {
		// One tile's cells, the hexagon layer's cold path: one round trip.
		b := &pgx.Batch{}
		b.Queue(cellsSQL, res, pgDay(w.From), pgDay(w.To), nil, lo, hi).Query(readCells)
		if err := s.readBatchInScope(ctx, scope, planAuto, b); err != nil {
			return nil, fmt.Errorf("aggregate cells: %w", err)
		}
		return out, nil
	}
	var versions []int64
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if cacheable {
			var hit bool
			var err error
			if versions, out, hit, err = s.cells.lookup(ctx, tx, key); err != nil || hit {
				return err
			}
		}
		if err := noJIT(ctx, tx); err != nil {
			return err
		}
		townID, err := townIDByCode(ctx, tx, town)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, cellsSQL, res, pgDay(w.From), pgDay(w.To), townID, lo, hi)
		if err != nil {
			return fmt.Errorf("aggregate cells: %w", err)
		}
		if err := readCells(rows); err != nil {
			return err
		}
		if cacheable {
			s.cells.put(versions, key, out)
		}
		return nil
	})
	return out, err
}

// scanCells appends the cell sums rows holds (the columns of
// coverage_cell_sums and its leaving-out twin) to out, keeping only the
// cells keep accepts (nil: all), and closes rows.
func scanCells(rows pgx.Rows, res int, out []coverage.CellAggregate, keep func(cell int64) bool) ([]coverage.CellAggregate, error) {
	defer rows.Close()
	for rows.Next() {
		a := coverage.CellAggregate{Resolution: res}
		var special, specialVisited int64
		if err := rows.Scan(&a.Cell, &a.Households, &a.Residents, &a.VisitedHouseholds, &a.VisitedResidents,
			&a.Visits, &special, &specialVisited, &a.ProblemsCollected, &a.ProblemsResolved); err != nil {
			return out, fmt.Errorf("read cell aggregate: %w", err)
		}
		if keep != nil && !keep(a.Cell) {
			continue
		}
		a.H3 = coverage.H3String(a.Cell)
		a.SpecialHouseholds = special
		a.SpecialUnvisited = max(0, special-specialVisited)
		a.OpenProblems = max(0, a.ProblemsCollected-a.ProblemsResolved)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("read cell aggregates: %w", err)
	}
	return out, nil
}

const cellsLeavingOutSQL = `SELECT * FROM coverage_cell_sums_leaving_out($1, $2, $3, $4)`

// CountyCells returns every H3 cell of the county at resolution res over
// w, without the households and entries of the villages leaveOut names
// (migration 023): the cells a role without household access is published,
// which leave out the villages its gap report suppresses as its summary
// does. With nothing left out it is CellAggregates over the county. Answers
// are cached by the versions of their inputs, like CellAggregates'.
func (s *Store) CountyCells(ctx context.Context, scope lianxin.Scope, res int, w coverage.Window, leaveOut []int32) ([]coverage.CellAggregate, error) {
	if len(leaveOut) == 0 {
		return s.CellAggregates(ctx, scope, res, w, orb.Bound{}, "")
	}
	if err := coverage.CheckResolution(res); err != nil {
		return nil, err
	}
	leaveOut = slices.Sorted(slices.Values(leaveOut))
	key, cacheable := cellsKey{res: res, from: w.From.Unix(), to: w.To.Unix(), leaveOut: fmt.Sprint(leaveOut)}, scope.User != ""
	var out []coverage.CellAggregate
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var versions []int64
		if cacheable {
			var hit bool
			var err error
			if versions, out, hit, err = s.cells.lookup(ctx, tx, key); err != nil || hit {
				return err
			}
		}
		if err := noJIT(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, cellsLeavingOutSQL, res, pgDay(w.From), pgDay(w.To), leaveOut)
		if err != nil {
			return fmt.Errorf("aggregate cells: %w", err)
		}
		if out, err = scanCells(rows, res, out[:0], nil); err != nil {
			return err
		}
		if cacheable {
			s.cells.put(versions, key, out)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("aggregate the county's cells leaving out %d villages: %w", len(leaveOut), err)
	}
	return out, nil
}

// The store serves every report and keeps snapshots.
var (
	_ coverage.ReportSource = (*Store)(nil)
	_ coverage.Snapshotter  = (*Store)(nil)
)

// scanSizeRows reads the next result of br, rows of (village, household
// size, households of that size, special-group counts, the households in
// at least one group), into add.
func scanSizeRows(br pgx.BatchResults, what string, add func(vid int32, size, n, special int64, sc coverage.SpecialCounts)) error {
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var vid int32
	var size, n, special int64
	var sc coverage.SpecialCounts
	dest := []any{&vid, &size, &n, &sc.Poor, &sc.SeriouslyIll, &sc.Disabled, &sc.EmptyNest,
		&sc.LeftBehindChildren, &sc.CommunityCorrection, &special}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		add(vid, size, n, special, sc)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}
