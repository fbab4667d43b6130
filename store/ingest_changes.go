package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

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
	return `SELECT coalesce(jsonb_object_agg(o.external_id, ` + changedRowSQL[table] + `), '{}') FROM ` + table + ` o WHERE o.external_id = ANY ($1)`
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
	if n == 0 {
		return 0, nil
	}
	detail := map[string]any{"import_id": plan.ImportID, "changed": ids, "changed_count": n, "max": ImportChangedMax,
		"truncated": n > int64(len(ids))}
	if beforeJSON != nil {
		var afterJSON []byte
		if err := tx.QueryRow(ctx, changedAfterSQL(table), ids).Scan(&afterJSON); err != nil {
			return 0, fmt.Errorf("read changed rows: %w", err)
		}
		changes, err := rowChanges(beforeJSON, afterJSON)
		if err != nil {
			return 0, err
		}
		detail["changes"] = changes
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return 0, fmt.Errorf("encode import changes: %w", err)
	}
	if _, err := tx.Exec(ctx, importChangedAuditSQL, plan.ImportID, user, ActionImportChanged, table, d, n); err != nil {
		return 0, fmt.Errorf("audit the rows the import changed: %w", err)
	}
	return n, nil
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
