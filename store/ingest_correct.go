package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
)

// A diary import with ingest.Plan.Correct (`lianxin ingest --correct`,
// the API's correct option) lets a row whose id names a stored entry of
// another member, household or time replace it: the id_taken check is
// left out, and every entry the import changes gets an audit line
// (ActionDiaryCorrect, as a correction from the web map) with the entry's
// fields before and after, written before the UPDATE in the same
// transaction — a dry run or a refused file rolls them back with the rows.

// diaryImportCorrectionsSQL audits the stored entries the staged rows
// change: the same rows, and the same comparison, as the visits update.
const diaryImportCorrectionsSQL = `INSERT INTO audit_log (actor, action, target, detail, rows)
SELECT coalesce((SELECT nullif(started_by, '') FROM imports WHERE id = $2), $1), $3, 'visits',
  jsonb_build_object('entry', t.external_id, 'visit_id', t.id, 'import_id', $2::bigint,
    'before', jsonb_build_object('member', om.code, 'household', oh.external_id, 'village', ov.code,
      'occurred_at', to_char(t.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), 'kind', t.kind,
      'participants', t.participants, 'notes', t.notes, 'problems_collected', t.problems_collected,
      'problems_resolved', t.problems_resolved),
    'after', jsonb_build_object('member', nm.code, 'household', nh.external_id, 'village', nv.code,
      'occurred_at', to_char(n.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), 'kind', n.kind,
      'participants', n.participants, 'notes', n.notes, 'problems_collected', n.problems_collected,
      'problems_resolved', n.problems_resolved)), 1
FROM visits t JOIN (` + visitsSourceSQL + `) n ON n.external_id = t.external_id
LEFT JOIN members om ON om.id = t.member_id
LEFT JOIN households oh ON oh.id = t.household_id
LEFT JOIN villages ov ON ov.id = t.village_id
LEFT JOIN members nm ON nm.id = n.member_id
LEFT JOIN households nh ON nh.id = n.household_id
LEFT JOIN villages nv ON nv.id = n.village_id
WHERE (t.member_id, t.household_id, t.village_id, t.project_id, t.town_id, date_trunc('second', t.occurred_at), t.location,
       t.cell, t.kind, t.participants, t.notes, t.problems_collected, t.problems_resolved, t.petition_resolved, t.dispute_resolved)
      IS DISTINCT FROM (n.member_id, n.household_id, n.village_id, n.project_id, n.town_id, date_trunc('second', n.occurred_at), n.location,
       n.cell, n.kind, n.participants, n.notes, n.problems_collected, n.problems_resolved, n.petition_resolved,
       n.dispute_resolved)`

// auditImportCorrections writes the audit lines of a correcting diary
// import; other imports write none here.
func auditImportCorrections(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, plan ingest.Plan) error {
	if !plan.Correct || plan.Layer.Name != "visits" {
		return nil
	}
	if _, err := tx.Exec(ctx, diaryImportCorrectionsSQL, scope.User, plan.ImportID, ActionDiaryCorrect); err != nil {
		return fmt.Errorf("audit diary corrections: %w", err)
	}
	return nil
}
