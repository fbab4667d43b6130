package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"lianxin/ingest"
)

// An import that updates stored rows of the households or the diary (the
// layers written by an UPDATE of the changed rows, then an INSERT of the
// new) leaves an audit line of its own (ActionImportChanged) naming the
// rows it changed: the first ImportChangedMax external ids, in order, and
// how many in all; and when it changed no more than that, each row's
// columns before and after (only those that changed). The import's own
// line (migration 030) gives the counts; a register correction by import
// is then traceable to the households it touched. The ids come from the
// UPDATE's RETURNING; the rows before it from the same statement (a
// data-modifying WITH reads the table as it was before the statement),
// the rows after from a read once it has run. Personal fields
// (household_personal) are never in the line.
//
// The layers written by one INSERT … ON CONFLICT (code) DO UPDATE (towns,
// villages, teams, members, contact_points, projects, river_works) leave
// the same line, naming rows by code: their upsert returns each written
// row's code beside whether it was inserted, and the rows before come from
// the same statement the same way (upsertReturningSQL). A boundary or line
// is given as the md5 of its WKB: the line says it changed, not the shape.

// ActionImportChanged is the audit action of the rows an import changed.
const ActionImportChanged = "import_changed"

// ImportChangedMax bounds the ids an import_changed line names, and the
// imports whose rows it gives before and after.
const ImportChangedMax = 100

// changedRowSQL is a changed row as the audit line shows it, o the row:
// codes, not internal ids; the place as lon/lat to 6 decimals.
var changedRowSQL = map[string]string{
	"households": `jsonb_build_object('village', (SELECT x.code FROM villages x WHERE x.id = o.village_id),
  'residents', o.residents, 'poor', o.poor, 'seriously_ill', o.seriously_ill, 'disabled', o.disabled, 'empty_nest', o.empty_nest,
  'left_behind_children', o.left_behind_children, 'community_correction', o.community_correction, 'petition_case', o.petition_case,
  'lon', round(ST_X(o.location)::numeric, 6), 'lat', round(ST_Y(o.location)::numeric, 6))`,
	"visits": `jsonb_build_object('member', (SELECT x.code FROM members x WHERE x.id = o.member_id),
  'household', (SELECT x.external_id FROM households x WHERE x.id = o.household_id),
  'village', (SELECT x.code FROM villages x WHERE x.id = o.village_id),
  'project', (SELECT x.code FROM projects x WHERE x.id = o.project_id),
  'occurred_at', to_char(o.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), 'kind', o.kind,
  'participants', o.participants, 'notes', o.notes, 'problems_collected', o.problems_collected,
  'problems_resolved', o.problems_resolved, 'petition_resolved', o.petition_resolved, 'dispute_resolved', o.dispute_resolved,
  'lon', round(ST_X(o.location)::numeric, 6), 'lat', round(ST_Y(o.location)::numeric, 6))`,
	"towns": `jsonb_build_object('name', o.name, 'kind', o.kind, 'boundary_md5', md5(ST_AsBinary(o.boundary)))`,
	"villages": `jsonb_build_object('name', o.name, 'town', (SELECT x.code FROM towns x WHERE x.id = o.town_id), 'kind', o.kind,
  'resident_population', o.resident_population, 'registered_households', o.registered_households, 'rural', o.rural,
  'petition_case', o.petition_case, 'boundary_md5', md5(ST_AsBinary(o.boundary)))`,
	"teams": `jsonb_build_object('name', o.name, 'town', (SELECT x.code FROM towns x WHERE x.id = o.town_id),
  'lon', round(ST_X(o.base)::numeric, 6), 'lat', round(ST_Y(o.base)::numeric, 6))`,
	"members": `jsonb_build_object('name', o.name, 'team', (SELECT x.code FROM teams x WHERE x.id = o.team_id),
  'town', (SELECT x.code FROM towns x WHERE x.id = o.town_id), 'role', o.role)`,
	"contact_points": `jsonb_build_object('member', (SELECT x.code FROM members x WHERE x.id = o.member_id),
  'village', (SELECT x.code FROM villages x WHERE x.id = o.village_id), 'established_on', o.established_on,
  'cards_issued', o.cards_issued, 'lon', round(ST_X(o.location)::numeric, 6), 'lat', round(ST_Y(o.location)::numeric, 6))`,
	"projects": `jsonb_build_object('name', o.name, 'kind', o.kind, 'status', o.status,
  'town', (SELECT x.code FROM towns x WHERE x.id = o.town_id), 'village', (SELECT x.code FROM villages x WHERE x.id = o.village_id),
  'investment_yuan', o.investment_yuan, 'dispute', o.dispute, 'geom_md5', md5(ST_AsBinary(o.geom)))`,
	"river_works": `jsonb_build_object('name', o.name, 'kind', o.kind, 'status', o.status,
  'town', (SELECT x.code FROM towns x WHERE x.id = o.town_id), 'completed_on', o.completed_on, 'geom_md5', md5(ST_AsBinary(o.geom)))`,
}

// changedKey is the column that names a layer's rows in the line: the
// external id of households and visits, the code of the rest.
func changedKey(table string) string {
	if table == "households" || table == "visits" {
		return "external_id"
	}
	return "code"
}

// upsertTail is how every ON CONFLICT upsert of ingestSpecs ends (a test
// holds them to it): upsertReturningSQL replaces it.
const upsertTail = `RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`

// upsertReturningSQL rewrites a layer's ON CONFLICT upsert (its target
// aliased t, ending in upsertTail) to answer, besides the rows inserted
// and updated, what updateReturningSQL does for an UPDATE: the first
// ImportChangedMax codes updated and, when no more than that, each one's
// row before the statement (the WITH's other parts read the table as it
// was). ok is false for an upsert of another shape.
func upsertReturningSQL(upsert, table string) (q string, ok bool) {
	head, ok := strings.CutSuffix(upsert, upsertTail)
	if !ok {
		return "", false
	}
	n := strconv.Itoa(ImportChangedMax)
	return head + `RETURNING (xmax = 0) AS inserted, t.id, t.code),
changed AS (SELECT id, code FROM up WHERE NOT inserted),
counted AS (SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS n FROM up)
SELECT counted.inserted, counted.n,
  coalesce((SELECT array_agg(f.code ORDER BY f.code)
            FROM (SELECT code FROM changed ORDER BY code LIMIT ` + n + `) f), '{}'),
  CASE WHEN counted.n <= ` + n + ` THEN
    (SELECT jsonb_object_agg(changed.code, ` + changedRowSQL[table] + `) FROM changed JOIN ` + table + ` o ON o.id = changed.id)
  END
FROM counted`, true
}

// updateReturningSQL wraps a layer's UPDATE (its target aliased t): the
// rows changed, the first ImportChangedMax external ids, and when no more
// than that changed, each one's row before the UPDATE (by external id).
func updateReturningSQL(update, table string) string {
	n := strconv.Itoa(ImportChangedMax)
	return `WITH up AS (` + update + `
RETURNING t.id, t.external_id),
counted AS (SELECT count(*) AS n FROM up)
SELECT counted.n,
  coalesce((SELECT array_agg(f.external_id ORDER BY f.external_id)
            FROM (SELECT external_id FROM up ORDER BY external_id LIMIT ` + n + `) f), '{}'),
  CASE WHEN counted.n <= ` + n + ` THEN
    (SELECT jsonb_object_agg(up.external_id, ` + changedRowSQL[table] + `) FROM up JOIN ` + table + ` o ON o.id = up.id)
  END
FROM counted`
}

// changedAfterSQL reads the changed rows after the UPDATE.
func changedAfterSQL(table string) string {
	key := changedKey(table)
	return `SELECT coalesce(jsonb_object_agg(o.` + key + `, ` + changedRowSQL[table] + `), '{}') FROM ` + table + ` o WHERE o.` + key + ` = ANY ($1)`
}

const importChangedAuditSQL = `INSERT INTO audit_log (actor, action, target, detail, rows)
VALUES (coalesce((SELECT nullif(started_by, '') FROM imports WHERE id = $1), nullif($2, ''), 'unknown'), $3, $4, $5, $6)`

// updateAudited runs a layer's UPDATE and writes its import_changed audit
// line (none when nothing changed); it returns the rows changed.
func updateAudited(ctx context.Context, tx pgx.Tx, plan ingest.Plan, user, update string) (int64, error) {
	table := plan.Layer.Name
	if _, ok := changedRowSQL[table]; !ok {
		tag, err := tx.Exec(ctx, update)
		return tag.RowsAffected(), err
	}
	var n int64
	var ids []string
	var beforeJSON []byte
	if err := tx.QueryRow(ctx, updateReturningSQL(update, table)).Scan(&n, &ids, &beforeJSON); err != nil {
		return 0, err
	}
	return n, auditChanged(ctx, tx, plan, user, n, ids, beforeJSON)
}

// upsertAudited runs a layer's ON CONFLICT upsert and writes its
// import_changed line (none when nothing was updated); it returns the rows
// inserted and updated.
func upsertAudited(ctx context.Context, tx pgx.Tx, plan ingest.Plan, user, upsert string) (inserted, updated int64, err error) {
	table := plan.Layer.Name
	q, ok := upsertReturningSQL(upsert, table)
	if _, known := changedRowSQL[table]; !ok || !known {
		err = tx.QueryRow(ctx, upsert).Scan(&inserted, &updated)
		return inserted, updated, err
	}
	var ids []string
	var beforeJSON []byte
	if err = tx.QueryRow(ctx, q).Scan(&inserted, &updated, &ids, &beforeJSON); err != nil {
		return 0, 0, err
	}
	return inserted, updated, auditChanged(ctx, tx, plan, user, updated, ids, beforeJSON)
}

// auditChanged writes the import_changed line of n rows changed, ids the
// first of them and beforeJSON their rows before (nil past
// ImportChangedMax); nothing when n is 0.
func auditChanged(ctx context.Context, tx pgx.Tx, plan ingest.Plan, user string, n int64, ids []string, beforeJSON []byte) error {
	if n == 0 {
		return nil
	}
	table := plan.Layer.Name
	detail := map[string]any{"import_id": plan.ImportID, "changed": ids, "changed_count": n, "max": ImportChangedMax,
		"truncated": n > int64(len(ids))}
	if beforeJSON != nil {
		var afterJSON []byte
		if err := tx.QueryRow(ctx, changedAfterSQL(table), ids).Scan(&afterJSON); err != nil {
			return fmt.Errorf("read changed rows: %w", err)
		}
		changes, err := rowChanges(beforeJSON, afterJSON)
		if err != nil {
			return err
		}
		detail["changes"] = changes
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("encode import changes: %w", err)
	}
	if _, err := tx.Exec(ctx, importChangedAuditSQL, plan.ImportID, user, ActionImportChanged, table, d, n); err != nil {
		return fmt.Errorf("audit the rows the import changed: %w", err)
	}
	return nil
}

// rowChanges keeps, per external id, the columns whose value changed:
// {"id": {"before": {...}, "after": {...}}}.
func rowChanges(beforeJSON, afterJSON []byte) (map[string]map[string]map[string]any, error) {
	var before, after map[string]map[string]any
	if err := json.Unmarshal(beforeJSON, &before); err != nil {
		return nil, fmt.Errorf("decode rows before: %w", err)
	}
	if err := json.Unmarshal(afterJSON, &after); err != nil {
		return nil, fmt.Errorf("decode rows after: %w", err)
	}
	out := map[string]map[string]map[string]any{}
	for id, b := range before {
		a := after[id]
		ch := map[string]map[string]any{"before": {}, "after": {}}
		for k, bv := range b {
			if av := a[k]; !reflect.DeepEqual(av, bv) {
				ch["before"][k], ch["after"][k] = bv, av
			}
		}
		out[id] = ch
	}
	return out, nil
}
