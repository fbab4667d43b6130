package store

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/tiles"
)

// The tile SQL of each feature layer, one file each (see tiles_*.sql).
var (
	//go:embed tiles_towns.sql
	tileTownsSQL string
	//go:embed tiles_villages.sql
	tileVillagesSQL string
	//go:embed tiles_households.sql
	tileHouseholdsSQL string
	//go:embed tiles_contact_points.sql
	tileContactPointsSQL string
	//go:embed tiles_visits.sql
	tileVisitsSQL string
	//go:embed tiles_projects.sql
	tileProjectsSQL string
	//go:embed tiles_river_works.sql
	tileRiverWorksSQL string
)

// tileSQL whitelists the layers with a feature query.
var tileSQL = map[string]string{
	"towns": tileTownsSQL, "villages": tileVillagesSQL, "households": tileHouseholdsSQL,
	"contact_points": tileContactPointsSQL, "visits": tileVisitsSQL, "projects": tileProjectsSQL,
	"river_works": tileRiverWorksSQL,
}

// tileArgNames are every parameter name TileArgs binds.
var tileArgNames = []string{"z", "x", "y", "margin", "all_towns", "towns", "town_id", "from", "to",
	"cov_village", "cov_visited", "cov_coverage", "cov_reached", "cov_needed", "cov_special", "cov_special_households",
	"cell_lo", "cell_hi"}

// tileStatement is a layer's tile SQL with its @name parameters written as
// $n once, at start-up, and the names in $n order. pgx rewrites named
// arguments by lexing the whole SQL text (comments included) on every call:
// about 60,000 instructions of a cold villages tile.
type tileStatement struct {
	sql   string
	names []string
}

var tileStatements = func() map[string]tileStatement {
	byName := pgx.NamedArgs{}
	for _, n := range tileArgNames {
		byName[n] = n
	}
	out := make(map[string]tileStatement, len(tileSQL))
	for layer, sql := range tileSQL {
		positional, names, err := byName.RewriteQuery(context.Background(), nil, sql, nil)
		if err != nil {
			panic(fmt.Sprintf("tile SQL of layer %s: %v", layer, err))
		}
		st := tileStatement{sql: positional, names: make([]string, len(names))}
		for i, n := range names {
			name, ok := n.(string)
			if !ok {
				// A name TileArgs never binds: a mistake in tiles_*.sql.
				panic(fmt.Sprintf("tile SQL of layer %s: parameter $%d is no name in tileArgNames", layer, i+1))
			}
			st.names[i] = name
		}
		out[layer] = st
	}
	return out
}()

// TileStatement returns the tile SQL of layer with $n parameters and args
// (from TileArgs) in their order: how the server sends it, and the tile
// benchmark's floor too.
func TileStatement(layer string, args pgx.NamedArgs) (string, []any, error) {
	st, ok := tileStatements[layer]
	if !ok {
		return "", nil, fmt.Errorf("tile layer %q: no feature query", layer)
	}
	pos := make([]any, len(st.names))
	for i, n := range st.names {
		pos[i] = args[n]
	}
	return st.sql, pos, nil
}

const layerVersionsSQL = `SELECT layer, version FROM layer_versions`

// LayerVersions reads layer_versions. It is the one query of a warm tile, so
// it runs as a single statement, not in a scoped transaction: the table has
// no town column and row-level security does not apply to it. Like the scoped
// reads it fails fast while the database is down and runs once more on a
// fresh connection when its connection was lost (readRetry).
func (s *Store) LayerVersions(ctx context.Context, _ lianxin.Scope) (tiles.Versions, error) {
	var v tiles.Versions
	err := s.readRetry(ctx, func() error {
		rows, err := s.pool.Query(ctx, layerVersionsSQL)
		if err != nil {
			return err
		}
		v = tiles.Versions{}
		var layer string
		var version int64
		_, err = pgx.ForEachRow(rows, []any{&layer, &version}, func() error {
			v[layer] = version
			return nil
		})
		return err
	})
	if err != nil {
		return nil, translate(fmt.Errorf("read layer versions: %w", err))
	}
	return v, nil
}

const townIDSQL = `SELECT id FROM towns WHERE code = $1`

// Each tile query but the villages' is planned for its own arrays (cell
// ranges), never by a generic plan of the prepared statement that guesses
// their length (see migration 012). The villages query keeps its generic
// plan: it draws the villages the service lists, a nested loop over the
// list by primary key whatever its length, and planning it anew under
// row-level security for every tile cost 0.15 ms, a tenth of a scale-1
// tile.
func tilePlanMode(layer string) string {
	if layer == "villages" {
		return planGeneric
	}
	return planCustom
}

// TileSettingsSQL is the statement that sets up layer's tile query as the
// server's batch does (JIT off, its plan cache mode), without the scope: the
// tile benchmark's floor runs it before the query, as the database owner.
func TileSettingsSQL(layer string) string {
	if tilePlanMode(layer) == planGeneric {
		return genericTileSettingsSQL
	}
	return customTileSettingsSQL
}

const (
	customTileSettingsSQL  = "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', '" + planCustom + "', true)"
	genericTileSettingsSQL = "SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', '" + planGeneric + "', true)"
)

// TileArgs are the parameters of q's tile SQL for a caller in scope (the
// tile benchmark's floor binds them too).
func TileArgs(scope lianxin.Scope, q tiles.Query) (pgx.NamedArgs, error) {
	args := pgx.NamedArgs{
		"z": int(q.Tile.Z), "x": int(q.Tile.X), "y": int(q.Tile.Y), "margin": q.Margin,
		"all_towns": scope.AllTowns, "towns": townIDs(scope), "town_id": nil,
		"from": nullTime(q.Filter.From), "to": nullTime(q.Filter.To),
	}
	switch q.Layer.Name {
	case "villages":
		addVillageFigures(args, q.Villages)
	case "households", "visits":
		lo, hi, err := PointCellRanges(q.Tile, q.Margin)
		if err != nil {
			return nil, fmt.Errorf("tile %s layer %s: %w", q.Tile, q.Layer.Name, err)
		}
		args["cell_lo"], args["cell_hi"] = lo, hi
	}
	return args, nil
}

// LayerTile builds one feature layer of one tile with ST_AsMVT, under the
// caller's scope and the request's context.
func (s *Store) LayerTile(ctx context.Context, scope lianxin.Scope, q tiles.Query) ([]byte, error) {
	if _, ok := tileSQL[q.Layer.Name]; !ok || q.Clustered {
		return nil, fmt.Errorf("tile layer %q: no feature query", q.Layer.Name)
	}
	args, err := TileArgs(scope, q)
	if err != nil {
		return nil, err
	}
	var mvt []byte
	scan := func(row pgx.Row) error { return row.Scan(&mvt) }
	if q.Filter.TownCode == "" {
		sql, pos, err := TileStatement(q.Layer.Name, args)
		if err != nil {
			return nil, err
		}
		b := &pgx.Batch{}
		b.Queue(sql, pos...).QueryRow(scan)
		if err := s.readBatchInScope(ctx, scope, tilePlanMode(q.Layer.Name), b); err != nil {
			return nil, fmt.Errorf("tile %s layer %s: %w", q.Tile, q.Layer.Name, err)
		}
		return mvt, nil
	}
	// A town filter names the town by code: its id comes first.
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		var id int32
		if err := tx.QueryRow(ctx, townIDSQL, q.Filter.TownCode).Scan(&id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return lianxin.Errorf(lianxin.ENotFound, "town %q: no such town", q.Filter.TownCode)
			}
			return fmt.Errorf("find town: %w", err)
		}
		args["town_id"] = id
		sql, pos, err := TileStatement(q.Layer.Name, args)
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(TileSettingsSQL(q.Layer.Name))
		b.Queue(sql, pos...).QueryRow(scan)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("tile %s layer %s: %w", q.Tile, q.Layer.Name, err)
	}
	return mvt, nil
}

// Under row-level security PostgreSQL evaluates no leaky operator before
// the policies, and PostGIS's && is not leakproof: the GiST index of a
// detail table cannot serve a tile, and the households layer scanned all
// 345,880 rows per tile at scale 1. Bigint comparisons are leakproof, so the
// point layers (households, visits) find their rows through the btree on
// cell, the resolution-11 H3 cell of each point, scanning the id ranges of
// the cells that cover the tile; && then filters exactly.

// maxPointRanges bounds the ranges of one tile; a coarser resolution is taken
// until the cover fits.
const maxPointRanges = 512

// PointCellRanges returns the ranges [lo[i], hi[i]] of resolution-11 cell ids
// that hold every point of tile t widened by margin (a share of its width).
func PointCellRanges(t geo.TileZXY, margin float64) (lo, hi []int64, err error) {
	b := t.Bound()
	dx, dy := (b.Max[0]-b.Min[0])*margin, (b.Max[1]-b.Min[1])*margin
	b = orb.Bound{
		Min: orb.Point{max(-180, b.Min[0]-dx), max(-85, b.Min[1]-dy)},
		Max: orb.Point{min(180, b.Max[0]+dx), min(85, b.Max[1]+dy)},
	}
	// About a hundred cells for a full tile at the detail zooms (z14: res 9).
	for res := min(coverage.MaxCellResolution, max(coverage.MinCellResolution, int(t.Z)-5)); ; res-- {
		sel, err := coverage.SelectCells(b, res)
		if err != nil {
			return nil, nil, err
		}
		if len(sel.Cells) <= maxPointRanges || res == coverage.MinCellResolution {
			lo, hi = make([]int64, 0, len(sel.Cells)), make([]int64, 0, len(sel.Cells))
			for c := range sel.Cells {
				l, h := pointChildRange(c, res)
				lo, hi = append(lo, l), append(hi, h)
			}
			return lo, hi, nil
		}
	}
}

// pointChildRange returns the range [lo, hi] of resolution-11 (point) cell
// ids that descend from cell at resolution res <= 11: the ids that share its
// base cell and first res digits (see coverage.ChildRange, the same at 10).
func pointChildRange(cell int64, res int) (lo, hi int64) {
	const resShift = 52
	hi = (cell &^ (int64(15) << resShift)) | int64(geo.FineResolution)<<resShift
	free := int64(1)<<(3*(geo.FineResolution-res)) - 1 // digits res+1..11
	lo = hi &^ (free << (3 * (15 - geo.FineResolution)))
	return lo, hi
}

func townIDs(scope lianxin.Scope) []int32 {
	if scope.Towns == nil {
		return []int32{}
	}
	return scope.Towns
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// addVillageFigures binds the villages a villages tile draws and their
// figures, as arrays in step. The arrays are of plain types, which pgx
// encodes without reflection (arrays of pointers, NULL where a figure is
// left out, took four times as long to encode): a figure the tile leaves out
// is -1 in a count array and NaN in the coverage array (no count is
// negative, and a NaN coverage is left out anyway), and the query turns
// them back into NULL; reached goes with visited.
func addVillageFigures(args pgx.NamedArgs, figs []tiles.VillageFigures) {
	n := len(figs)
	ids := make([]int32, n)
	counts := make([]int64, 4*n) // one allocation for the four count arrays
	visited, needed, special, specialHouseholds := counts[:n:n], counts[n:2*n:2*n], counts[2*n:3*n:3*n], counts[3*n:]
	coverage, reached := make([]float64, n), make([]bool, n)
	for i := range figs {
		f := &figs[i]
		ids[i] = f.VillageID
		visited[i], needed[i], special[i], specialHouseholds[i], coverage[i] = absentCount, absentCount, absentCount, absentCount, math.NaN()
		if f.NoFigures {
			continue
		}
		visited[i], needed[i], reached[i], coverage[i] = f.VisitedResidents, f.ResidentsNeeded, f.Reached, f.Coverage
		if !f.SpecialWaitingHidden {
			special[i] = f.SpecialWaiting
		}
		if !f.SpecialWaitingHouseholdsHidden {
			specialHouseholds[i] = f.SpecialWaitingHouseholds
		}
	}
	args["cov_village"], args["cov_visited"], args["cov_coverage"] = ids, visited, coverage
	args["cov_reached"], args["cov_needed"], args["cov_special"] = reached, needed, special
	args["cov_special_households"] = specialHouseholds
}

// absentCount marks a count the villages tile leaves out (tiles_villages.sql).
const absentCount = -1

const dataBoundsSQL = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(boundary)::geometry AS e FROM towns) t WHERE e IS NOT NULL`

// DataBounds returns the extent of the towns, the bounds of every layer's
// TileJSON.
func (s *Store) DataBounds(ctx context.Context, scope lianxin.Scope) (orb.Bound, error) {
	var b orb.Bound
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, dataBoundsSQL).Scan(&b.Min[0], &b.Min[1], &b.Max[0], &b.Max[1])
		if errors.Is(err, pgx.ErrNoRows) {
			return lianxin.Errorf(lianxin.ENotFound, "no towns loaded yet")
		}
		return err
	})
	if err != nil {
		return orb.Bound{}, fmt.Errorf("data bounds: %w", err)
	}
	return b, nil
}

const campaignStartsOnSQL = `SELECT starts_on FROM campaign`

// CampaignStartsOn returns the campaign's first day (midnight UTC+8), the
// start of the tiles' default window.
func (s *Store) CampaignStartsOn(ctx context.Context, scope lianxin.Scope) (time.Time, error) {
	var d time.Time
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, campaignStartsOnSQL).Scan(&d)
		if errors.Is(err, pgx.ErrNoRows) {
			return lianxin.Errorf(lianxin.EUnavailable, "no campaign loaded yet")
		}
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("campaign start: %w", err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, coverage.Zone), nil
}

const villageBoundsSQL = `SELECT id, ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary)
FROM villages WHERE NOT ST_IsEmpty(boundary)`

// VillageBounds returns every village outline's lon/lat box, by which a
// villages tile lists the villages it can show (tiles.VillagesIn).
func (s *Store) VillageBounds(ctx context.Context, scope lianxin.Scope) ([]tiles.VillageBound, error) {
	var out []tiles.VillageBound
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, villageBoundsSQL)
		if err != nil {
			return err
		}
		var vb tiles.VillageBound
		_, err = pgx.ForEachRow(rows, []any{&vb.ID, &vb.Bound.Min[0], &vb.Bound.Min[1], &vb.Bound.Max[0], &vb.Bound.Max[1]},
			func() error {
				out = append(out, vb)
				return nil
			})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("village bounds: %w", err)
	}
	return out, nil
}
