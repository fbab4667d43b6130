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
// Aggregates are county-wide whatever the scope: they carry no detail row.
// Suppressing small counts for roles without household access is the
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
		return nil, lianxin.Errorf(lianxin.ENotFound, "town %q not found", code)
	}
	if err != nil {
		return nil, fmt.Errorf("find town %q: %w", code, err)
	}
	return &id, nil
}

const villagesSQL = `
SELECT v.id, v.code, v.name, v.kind, t.id, t.code, t.name, v.rural, v.petition_case,
       v.resident_population, v.registered_households,
       ST_X(c.p), ST_Y(c.p)
FROM villages v
JOIN towns t ON t.id = v.town_id
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(v.boundary) AS p) c
WHERE ($1::int IS NULL OR v.town_id = $1)
  AND (cardinality($2::text[]) = 0 OR v.code = ANY ($2))
ORDER BY t.code, v.code`

// Households per village and size; special groups summed per village in Go.
const villageHouseholdsSQL = `
SELECT village_id, residents, households, poor, seriously_ill, disabled, empty_nest,
       left_behind_children, community_correction
FROM coverage_village_households
WHERE ($1::int IS NULL OR town_id = $1)`

// Households visited in the window per village and size, counted once each.
const villageVisitedSQL = `
SELECT village_id, residents, count(*),
       count(*) FILTER (WHERE flags & 1 <> 0), count(*) FILTER (WHERE flags & 2 <> 0),
       count(*) FILTER (WHERE flags & 4 <> 0), count(*) FILTER (WHERE flags & 8 <> 0),
       count(*) FILTER (WHERE flags & 16 <> 0), count(*) FILTER (WHERE flags & 32 <> 0)
FROM coverage_household_days
WHERE day >= $1 AND day < $2 AND (prev_day IS NULL OR prev_day < $1)
  AND ($3::int IS NULL OR town_id = $3)
GROUP BY village_id, residents`

const villageVisitsSQL = `
SELECT d.village_id, sum(d.visits), sum(d.problems_collected)::bigint, sum(d.problems_resolved)::bigint, max(d.day)
FROM coverage_visit_days d
WHERE d.day >= $1 AND d.day < $2 AND d.village_id <> 0
  AND ($3::int IS NULL OR d.village_id IN (SELECT id FROM villages WHERE town_id = $3))
GROUP BY d.village_id`

// VillageCoverage returns every village's coverage over w (narrowed by f),
// ordered by town code then village code.
func (s *Store) VillageCoverage(ctx context.Context, scope lianxin.Scope, w coverage.Window, f coverage.Filter) ([]coverage.VillageCoverage, error) {
	var out []coverage.VillageCoverage
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var err error
		out, err = villageCoverage(ctx, tx, w, f)
		return err
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
	rows, _ = br.Query()
	for rows.Next() {
		var vid int32
		var size, n int64
		var sc coverage.SpecialCounts
		if err := rows.Scan(&vid, &size, &n, &sc.Poor, &sc.SeriouslyIll, &sc.Disabled, &sc.EmptyNest,
			&sc.LeftBehindChildren, &sc.CommunityCorrection); err != nil {
			return nil, fmt.Errorf("read village households: %w", err)
		}
		i, ok := index[vid]
		if !ok {
			continue
		}
		v := &out[i]
		v.Households += n
		v.Residents += n * size
		v.SpecialHouseholds = v.SpecialHouseholds.Plus(sc)
		if all[vid] == nil {
			all[vid] = map[int64]int64{}
		}
		all[vid][size] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read village households: %w", err)
	}
	rows, _ = br.Query()
	for rows.Next() {
		var vid int32
		var size, n int64
		var sc coverage.SpecialCounts
		if err := rows.Scan(&vid, &size, &n, &sc.Poor, &sc.SeriouslyIll, &sc.Disabled, &sc.EmptyNest,
			&sc.LeftBehindChildren, &sc.CommunityCorrection); err != nil {
			return nil, fmt.Errorf("read visited households: %w", err)
		}
		i, ok := index[vid]
		if !ok {
			continue
		}
		v := &out[i]
		v.VisitedHouseholds += n
		v.VisitedResidents += n * size
		v.SpecialUnvisited = v.SpecialUnvisited.Minus(sc) // plus totals below
		if visited[vid] == nil {
			visited[vid] = map[int64]int64{}
		}
		visited[vid][size] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read visited households: %w", err)
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
// town $4. sourceOf picks the whole table or, for a bounded request, only the
// child ranges of the selected cells ($5 lo[], $6 hi[]) through the btree on cell.
func cellsSQL(bounded bool) string {
	src := func(table string) string {
		if !bounded {
			return table + " x"
		}
		return "unnest($5::bigint[], $6::bigint[]) r(lo, hi) JOIN " + table + " x ON x.cell BETWEEN r.lo AND r.hi"
	}
	return `
WITH c AS (
  SELECT h3_parent(x.cell, $1) AS cell, sum(x.households)::bigint AS households, sum(x.residents)::bigint AS residents,
         sum(x.special)::bigint AS special
  FROM ` + src("coverage_cells") + `
  WHERE ($4::int IS NULL OR x.town_id = $4)
  GROUP BY 1),
hv AS (
  SELECT h3_parent(x.cell, $1) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
         count(*) FILTER (WHERE x.flags <> 0) AS special
  FROM ` + src("coverage_household_days") + `
  WHERE x.day >= $2 AND x.day < $3 AND (x.prev_day IS NULL OR x.prev_day < $2)
    AND ($4::int IS NULL OR x.town_id = $4)
  GROUP BY 1),
vd AS (
  SELECT h3_parent(x.cell, $1) AS cell, sum(x.visits)::bigint AS visits,
         sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
  FROM ` + src("coverage_visit_days") + `
  WHERE x.day >= $2 AND x.day < $3 AND x.cell <> 0
    AND ($4::int IS NULL OR x.town_id = $4)
  GROUP BY 1)
SELECT cell, coalesce(c.households, 0), coalesce(c.residents, 0),
       coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
       coalesce(c.special, 0), coalesce(hv.special, 0),
       coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
ORDER BY cell`
}

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
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := noJIT(ctx, tx); err != nil {
			return err
		}
		townID, err := townIDByCode(ctx, tx, town)
		if err != nil {
			return err
		}
		lo, hi := sel.Ranges(maxCellRanges)
		args := []any{res, pgDay(w.From), pgDay(w.To), townID}
		if lo != nil {
			args = append(args, lo, hi)
		}
		rows, err := tx.Query(ctx, cellsSQL(lo != nil), args...)
		if err != nil {
			return fmt.Errorf("aggregate cells: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			a := coverage.CellAggregate{Resolution: res}
			var special, specialVisited int64
			if err := rows.Scan(&a.Cell, &a.Households, &a.Residents, &a.VisitedHouseholds, &a.VisitedResidents,
				&a.Visits, &special, &specialVisited, &a.ProblemsCollected, &a.ProblemsResolved); err != nil {
				return fmt.Errorf("read cell aggregate: %w", err)
			}
			if !sel.Has(a.Cell) {
				continue
			}
			a.H3 = coverage.H3String(a.Cell)
			a.SpecialHouseholds = special
			a.SpecialUnvisited = max(0, special-specialVisited)
			a.OpenProblems = max(0, a.ProblemsCollected-a.ProblemsResolved)
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// The store serves every report and keeps snapshots.
var (
	_ coverage.ReportSource = (*Store)(nil)
	_ coverage.Snapshotter  = (*Store)(nil)
)
