package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/export"
)

// exportLayerSQL selects each stored layer for export. Every query returns
// fid (bigint, the feature id), geom (geometry, NULL for none), town_id (for
// scope and town filters), at (the temporal column, NULL for none), then
// the layer's fields in catalogue order under their catalogue names; a test
// checks the names. No query names household_personal.
var exportLayerSQL = map[string]string{
	"towns": `SELECT t.id::bigint AS fid, t.boundary AS geom, t.id AS town_id, NULL::timestamptz AS at,
       t.id, t.code, t.name, t.kind
  FROM towns t`,
	"villages": `SELECT v.id::bigint AS fid, v.boundary AS geom, v.town_id, NULL::timestamptz AS at,
       v.id, v.code, v.name, t.code AS town_code, v.kind, v.resident_population, v.registered_households,
       v.rural, v.petition_case
  FROM villages v JOIN towns t ON t.id = v.town_id`,
	"teams": `SELECT tm.id::bigint AS fid, tm.base AS geom, tm.town_id, NULL::timestamptz AS at,
       tm.id, tm.code, tm.name, t.code AS town_code,
       coalesce(n.members, 0)::int AS members
  FROM teams tm JOIN towns t ON t.id = tm.town_id LEFT JOIN coverage_team_members() n ON n.team_id = tm.id`,
	"members": `SELECT m.id::bigint AS fid, NULL::geometry AS geom, m.town_id, NULL::timestamptz AS at,
       m.id, m.code, m.name, tm.code AS team_code, t.code AS town_code, m.role, m.left_on
  FROM members m JOIN teams tm ON tm.id = m.team_id JOIN towns t ON t.id = m.town_id`,
	"households": `SELECT h.id AS fid, h.location AS geom, h.town_id, NULL::timestamptz AS at,
       h.id, h.external_id, v.code AS village_code, t.code AS town_code, h.residents,
       h.poor, h.seriously_ill, h.disabled, h.empty_nest, h.left_behind_children, h.community_correction,
       h.petition_case
  FROM households h JOIN villages v ON v.id = h.village_id JOIN towns t ON t.id = h.town_id`,
	"contact_points": `SELECT c.id::bigint AS fid, c.location AS geom, c.town_id, c.established_on::timestamp AT TIME ZONE 'Asia/Shanghai' AS at,
       c.id, c.code, m.code AS member_code, v.code AS village_code, t.code AS town_code, c.established_on, c.cards_issued
  FROM contact_points c JOIN members m ON m.id = c.member_id JOIN villages v ON v.id = c.village_id
  JOIN towns t ON t.id = c.town_id`,
	"visits": `SELECT vi.id AS fid, vi.location AS geom, vi.town_id, vi.occurred_at AS at,
       vi.id, vi.external_id, m.code AS member_code, h.external_id AS household_id, v.code AS village_code,
       p.code AS project_code, t.code AS town_code, vi.occurred_at, vi.kind, vi.participants, NULLIF(vi.notes, '') AS notes,
       vi.problems_collected, vi.problems_resolved, vi.petition_resolved, vi.dispute_resolved
  FROM visits vi JOIN members m ON m.id = vi.member_id JOIN towns t ON t.id = vi.town_id
  LEFT JOIN households h ON h.id = vi.household_id
  LEFT JOIN villages v ON v.id = vi.village_id LEFT JOIN projects p ON p.id = vi.project_id`,
	"projects": `SELECT p.id::bigint AS fid, p.geom, p.town_id, NULL::timestamptz AS at,
       p.id, p.code, p.name, p.kind, p.status, t.code AS town_code, v.code AS village_code, p.investment_yuan, p.dispute
  FROM projects p JOIN towns t ON t.id = p.town_id LEFT JOIN villages v ON v.id = p.village_id`,
	"river_works": `SELECT r.id::bigint AS fid, r.geom, r.town_id, r.completed_on::timestamp AT TIME ZONE 'Asia/Shanghai' AS at,
       r.id, r.code, r.name, r.kind, r.status, t.code AS town_code, r.length_metres, r.completed_on
  FROM river_works r JOIN towns t ON t.id = r.town_id`,
}

// exportStatementTimeout bounds an unpaged export's query.
const exportStatementTimeout = "30min"

// exportNoJITSQL turns JIT off for an export's transaction. Under row-level
// security a whole layer's plan costs enough to be JIT compiled, which takes
// about 0.27 s before the first row (households at scale 1 and 10 alike) and
// gains nothing on a plain scan and join; the tiles and coverage queries
// turn it off for the same reason.
const exportNoJITSQL = `SET LOCAL jit = off`

// exportQuery wraps a layer's SELECT with the filter, scope and paging.
// Values go in as $n parameters; field names come from the catalogue and
// are quoted. count asks for count(*) instead of rows.
func exportQuery(l *export.Layer, inner string, f export.Filter, p export.Page, scope lianxin.Scope, count bool) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !scope.AllTowns {
		where = append(where, "q.town_id = ANY("+arg(scope.Towns)+"::int[])")
	}
	if f.Town != "" {
		where = append(where, "q.town_id = (SELECT id FROM towns WHERE code = "+arg(f.Town)+")")
	}
	if f.BBox != nil {
		where = append(where, fmt.Sprintf("ST_Intersects(q.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
			arg(f.BBox.Min[0]), arg(f.BBox.Min[1]), arg(f.BBox.Max[0]), arg(f.BBox.Max[1])))
	}
	var window []string
	if f.From != nil {
		window = append(window, "q.at >= "+arg(*f.From))
	}
	if f.To != nil {
		window = append(window, "q.at < "+arg(*f.To))
	}
	if len(window) > 0 && f.KeepUntimed {
		window = []string{"(q.at IS NULL OR " + strings.Join(window, " AND ") + ")"}
	}
	where = append(where, window...)
	if f.Located {
		where = append(where, "q.geom IS NOT NULL")
	}
	if f.GeometryKind != "" {
		where = append(where, "ST_Dimension(q.geom) = "+arg(geometryDimension[f.GeometryKind]))
	}
	if f.ID != nil {
		where = append(where, "q.fid = "+arg(*f.ID))
	}
	for _, name := range l.FieldNames() { // catalogue order: stable SQL text
		v, ok := f.Equals[name]
		if !ok {
			continue
		}
		where = append(where, "q."+pgx.Identifier{name}.Sanitize()+"::text = "+arg(v))
	}
	if f.Below {
		where = append(where, "NOT q.reached")
	}
	if !count && p.After > 0 {
		where = append(where, "q.fid > "+arg(p.After))
	}
	var sb strings.Builder
	if count {
		sb.WriteString("SELECT count(*) FROM (")
	} else {
		sb.WriteString("SELECT q.fid, ST_AsBinary(q.geom)")
		for _, name := range l.FieldNames() {
			sb.WriteString(", q.")
			sb.WriteString(pgx.Identifier{name}.Sanitize())
		}
		sb.WriteString(" FROM (")
	}
	sb.WriteString(inner)
	sb.WriteString(") q")
	if len(where) > 0 {
		sb.WriteString(" WHERE ")
		sb.WriteString(strings.Join(where, " AND "))
	}
	if !count && p.Limit > 0 {
		order := "q.fid"
		if l.Geometry == export.AnyGeometry && f.GeometryKind == "" {
			// A mixed layer's pages take its geometry kinds in turn (the
			// first point, the first polygon, the second point...), so the
			// first page shows a client that types the layer from it (GDAL,
			// QGIS) that the layer is mixed. Paged by offset, not After.
			order = "row_number() OVER (PARTITION BY ST_Dimension(q.geom) ORDER BY q.fid), ST_Dimension(q.geom), q.fid"
		}
		sb.WriteString(" ORDER BY " + order + " LIMIT " + arg(p.Limit) + " OFFSET " + arg(p.Offset))
	}
	return sb.String(), args
}

// geometryDimension is ST_Dimension of each kind Filter.GeometryKind names.
var geometryDimension = map[export.GeometryType]int{export.Point: 0, export.Polygon: 2}

func (s *Store) exportSQL(l *export.Layer) (string, error) {
	inner, ok := exportLayerSQL[l.Name]
	if !ok {
		return "", fmt.Errorf("export layer %s: no SQL", l.Name)
	}
	return inner, nil
}

// checkTown turns an unknown town code into a clear 400 rather than an
// empty file.
func checkTown(ctx context.Context, tx pgx.Tx, code string) error {
	if code == "" {
		return nil
	}
	var found bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM towns WHERE code = $1)`, code).Scan(&found); err != nil {
		return fmt.Errorf("look up town: %w", err)
	}
	if !found {
		return lianxin.Errorf(lianxin.EInvalid, "town %q: no town with that code", code)
	}
	return nil
}

// ExportRows streams a layer's rows through fn inside a read-only scoped
// transaction. pgx reads rows off the connection as fn consumes them (the
// server's portal is the cursor), so memory stays flat whatever the layer's
// size; cancelling ctx cancels the query.
func (s *Store) ExportRows(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter, p export.Page, fn func(*export.Row) error) (int64, error) {
	if l.Kind == export.Aggregate {
		return s.exportAggregate(ctx, scope, l, f, p, fn)
	}
	inner, err := s.exportSQL(l)
	if err != nil {
		return 0, err
	}
	sql, args := exportQuery(l, inner, f, p, scope, false)
	var n int64
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := checkTown(ctx, tx, f.Town); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, exportNoJITSQL); err != nil {
			return fmt.Errorf("export settings: %w", err)
		}
		if p.Limit == 0 {
			// A whole layer to a slow client outlasts the session's
			// statement_timeout; the caller's context bounds it instead.
			if _, err := tx.Exec(ctx, `SELECT set_config('statement_timeout', $1, true)`, exportStatementTimeout); err != nil {
				return fmt.Errorf("set export timeout: %w", err)
			}
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("query %s: %w", l.Name, err)
		}
		defer rows.Close()
		row := export.Row{Values: make([]any, len(l.Fields))}
		var geomWKB []byte
		dest := make([]any, 2+len(l.Fields))
		dest[0], dest[1] = &row.ID, &geomWKB
		for i := range l.Fields {
			dest[2+i] = &row.Values[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("read %s row: %w", l.Name, err)
			}
			row.Geom = nil
			if geomWKB != nil {
				if row.Geom, err = DecodeWKB(geomWKB); err != nil {
					return fmt.Errorf("%s row %d: %w", l.Name, row.ID, err)
				}
			}
			if err := fn(&row); err != nil {
				return err
			}
			n++
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read %s: %w", l.Name, err)
		}
		return nil
	})
	return n, err
}

// CountRows counts the rows ExportRows would send (OGC numberMatched).
func (s *Store) CountRows(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter) (int64, error) {
	if l.Kind == export.Aggregate {
		rows, err := s.aggregateRows(ctx, scope, l, f)
		return int64(len(rows)), err
	}
	inner, err := s.exportSQL(l)
	if err != nil {
		return 0, err
	}
	sql, args := exportQuery(l, inner, f, export.Page{}, scope, true)
	var n int64
	err = s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := checkTown(ctx, tx, f.Town); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, exportNoJITSQL); err != nil {
			return fmt.Errorf("export settings: %w", err)
		}
		if err := tx.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			return fmt.Errorf("count %s: %w", l.Name, err)
		}
		return nil
	})
	return n, err
}

const insertExportSQL = `INSERT INTO exports (actor, at, layer, format, crs, filter, rows, completed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// RecordExport writes one line of the export log.
func (s *Store) RecordExport(ctx context.Context, rec export.Record) error {
	filter, err := json.Marshal(rec.Filter)
	if err != nil {
		return fmt.Errorf("encode export filter: %w", err)
	}
	_, err = s.pool.Exec(ctx, insertExportSQL, rec.Actor, rec.At, rec.Layer, string(rec.Format), rec.CRS, filter, rec.Rows, rec.Completed)
	if err != nil {
		return fmt.Errorf("record export: %w", translate(err))
	}
	return nil
}

// ExportRecord is one row of the export log, for tests and the audit view.
type ExportRecord struct {
	Actor, Layer, Format, CRS string
	Filter                    map[string]any
	Rows                      int64
	Completed                 bool
}

// RecentExports returns the last n exports, newest first.
func (s *Store) RecentExports(ctx context.Context, n int) ([]ExportRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT actor, layer, format, crs, filter, rows, completed FROM exports ORDER BY id DESC LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ExportRecord, error) {
		var e ExportRecord
		err := r.Scan(&e.Actor, &e.Layer, &e.Format, &e.CRS, &e.Filter, &e.Rows, &e.Completed)
		return e, err
	})
}
