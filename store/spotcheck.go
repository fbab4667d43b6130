package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/spotcheck"
)

// The spot check's results (migration 037, package spotcheck). Every
// statement runs under the caller's scope: the town_scope and member_rows
// policies of visits and spot_checks hide another town's entries and
// results, so those answer as missing ones.

// spotCheckEntryTeamSQL finds the team of an entry's writer.
const spotCheckEntryTeamSQL = `
SELECT tm.code FROM visits v JOIN members m ON m.id = v.member_id JOIN teams tm ON tm.id = m.team_id
WHERE v.id = $1`

// spotCheckInsertSQL records a result in the round of now, the entry's
// town copied for the town_scope policy; nothing on a second result for
// the entry in the round.
const spotCheckInsertSQL = `
INSERT INTO spot_checks (visit_id, town_id, round, verdict, score, note, checked_by)
SELECT v.id, v.town_id, campaign_round(now()), $2, $3, $4, $5 FROM visits v WHERE v.id = $1
ON CONFLICT (visit_id, round) DO NOTHING
RETURNING id`

const spotCheckRoundSQL = `SELECT campaign_round(now())`

const spotCheckAuditSQL = `INSERT INTO audit_log (actor, action, target, detail, rows, ip) VALUES ($1, $2, 'spot_checks', $3, 1, $4)`

// spotCheckResultsSQL is a page of results with their entries (newest
// first) and the filter's total. The entry's village is its own, as the
// sample names it; the results of entries in the villages $8 names (its own
// village, else its household's, and one that cannot be told) are left
// out, as the sample leaves them out.
const spotCheckResultsSQL = `
SELECT s.id, s.visit_id, CASE WHEN $9::bool THEN v.external_id ELSE '' END, tm.code, m.code, m.name, tw.code,
       coalesce(vl.code, ''), coalesce(vl.name, ''), v.occurred_at, s.round, s.verdict, s.score, s.note,
       s.checked_by, s.checked_at, s.corrected_at, coalesce(s.corrected_by, ''), count(*) OVER ()
FROM spot_checks s
JOIN visits v ON v.id = s.visit_id
JOIN members m ON m.id = v.member_id
JOIN teams tm ON tm.id = m.team_id
JOIN towns tw ON tw.id = s.town_id
LEFT JOIN villages vl ON vl.id = v.village_id
WHERE ($1::int IS NULL OR tm.id = $1)
  AND ($2::int IS NULL OR s.round = $2)
  AND ($3::text IS NULL OR s.verdict = $3)
  AND s.checked_at >= $4 AND s.checked_at < $5
  AND (cardinality($8::int[]) = 0
       OR coalesce(coalesce(v.village_id,
                            CASE WHEN v.household_id IS NULL THEN 0
                                 ELSE (SELECT h.village_id FROM households h WHERE h.id = v.household_id) END)
                   <> ALL ($8::int[]), false))
ORDER BY s.checked_at DESC, s.id DESC
LIMIT $6 OFFSET $7`

const spotCheckResultByIDSQL = `
SELECT s.id, s.visit_id, v.external_id, tm.code, m.code, m.name, tw.code,
       coalesce(vl.code, ''), coalesce(vl.name, ''), v.occurred_at, s.round, s.verdict, s.score, s.note,
       s.checked_by, s.checked_at, s.corrected_at, coalesce(s.corrected_by, ''), 1::bigint
FROM spot_checks s
JOIN visits v ON v.id = s.visit_id
JOIN members m ON m.id = v.member_id
JOIN teams tm ON tm.id = m.team_id
JOIN towns tw ON tw.id = s.town_id
LEFT JOIN villages vl ON vl.id = v.village_id
WHERE s.id = $1`

// spotCheckLockSQL reads and locks a result the caller may change: the
// open_round policies (migration 040) hold SELECT ... FOR UPDATE to the
// current round and to the result's checker or an admin, so another
// result reads as no row here.
const spotCheckLockSQL = spotCheckResultByIDSQL + `
FOR UPDATE OF s`

// spotCheckWhySQL tells why a result cannot be changed: its round beside
// the current one, and its checker (no row: the caller cannot see it).
const spotCheckWhySQL = `SELECT s.round, campaign_round(now()), s.checked_by FROM spot_checks s WHERE s.id = $1`

const spotCheckCorrectSQL = `
UPDATE spot_checks SET verdict = $2, score = $3, note = $4, corrected_at = now(), corrected_by = $5
WHERE id = $1`

const spotCheckDeleteSQL = `DELETE FROM spot_checks WHERE id = $1`

// spotCheckTalliesSQL counts, per member, the entries checked within the
// window by their latest result there (a later round's verdict replaces
// an earlier one's), with the scores given.
const spotCheckTalliesSQL = `
WITH latest AS (
  SELECT DISTINCT ON (s.visit_id) s.visit_id, s.verdict, s.score
  FROM spot_checks s
  WHERE s.checked_at >= $1 AND s.checked_at < $2
  ORDER BY s.visit_id, s.round DESC, s.id DESC)
SELECT tm.code, tm.name, m.code, m.name, count(*),
       count(*) FILTER (WHERE l.verdict = 'ok'), count(*) FILTER (WHERE l.verdict = 'incomplete'),
       count(*) FILTER (WHERE l.verdict = 'failed'), coalesce(sum(l.score), 0)::bigint, count(l.score)
FROM latest l
JOIN visits v ON v.id = l.visit_id
JOIN members m ON m.id = v.member_id
JOIN teams tm ON tm.id = m.team_id
WHERE ($3::int IS NULL OR tm.id = $3)
GROUP BY tm.code, tm.name, m.code, m.name
ORDER BY tm.code, m.code`

// SpotCheckEntryTeam implements spotcheck.Store.
func (s *Store) SpotCheckEntryTeam(ctx context.Context, scope lianxin.Scope, entry int64) (string, error) {
	var team string
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, spotCheckEntryTeamSQL, entry).Scan(&team)
		if errors.Is(err, pgx.ErrNoRows) {
			return spotcheck.RefuseEntryUnknown(entry)
		}
		if err != nil {
			return fmt.Errorf("find spot-check entry %d: %w", entry, err)
		}
		return nil
	})
	return team, err
}

// RecordSpotCheck implements spotcheck.Store.
func (s *Store) RecordSpotCheck(ctx context.Context, scope lianxin.Scope, r spotcheck.Request, ip string) (spotcheck.Result, error) {
	var out spotcheck.Result
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, spotCheckInsertSQL, r.Entry, r.Verdict, r.Score, r.Note, scope.User).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			// The entry is there (it was just drawn) unless withdrawn since:
			// tell the two apart by the entry.
			var team string
			if err := tx.QueryRow(ctx, spotCheckEntryTeamSQL, r.Entry).Scan(&team); errors.Is(err, pgx.ErrNoRows) {
				return spotcheck.RefuseEntryUnknown(r.Entry)
			} else if err != nil {
				return fmt.Errorf("find spot-check entry: %w", err)
			}
			var round int
			if err := tx.QueryRow(ctx, spotCheckRoundSQL).Scan(&round); err != nil {
				return fmt.Errorf("read the round: %w", err)
			}
			return spotcheck.RefuseResultExists(r.Entry, round)
		}
		if err != nil {
			return fmt.Errorf("insert spot-check result: %w", err)
		}
		if out, err = spotCheckByID(ctx, tx, id); err != nil {
			return err
		}
		detail, err := json.Marshal(map[string]any{"id": id, "entry": r.Entry, "visit_id": out.VisitID, "team": out.Team,
			"member": out.MemberCode, "round": out.Round, "verdict": r.Verdict, "score": r.Score, "note": r.Note, "seed": r.Seed})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spotCheckAuditSQL, scope.User, spotcheck.ActionRecord, detail, ip); err != nil {
			return fmt.Errorf("audit spot-check result: %w", err)
		}
		return nil
	})
	if err != nil {
		return spotcheck.Result{}, fmt.Errorf("record spot check of entry %d: %w", r.Entry, err)
	}
	return out, nil
}

// spotCheckByID reads result id in tx.
func spotCheckByID(ctx context.Context, tx pgx.Tx, id int64) (spotcheck.Result, error) {
	rows, err := tx.Query(ctx, spotCheckResultByIDSQL, id)
	if err != nil {
		return spotcheck.Result{}, fmt.Errorf("read spot-check result: %w", err)
	}
	res, err := collectResults(rows)
	if err != nil {
		return spotcheck.Result{}, err
	}
	if len(res) != 1 {
		return spotcheck.Result{}, fmt.Errorf("read spot-check result %d: %d rows", id, len(res))
	}
	return res[0], nil
}

// lockSpotCheck reads result id for a change in tx, locked, or the
// refusal that says why the caller may not change it.
func lockSpotCheck(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, id int64) (spotcheck.Result, error) {
	rows, err := tx.Query(ctx, spotCheckLockSQL, id)
	if err != nil {
		return spotcheck.Result{}, fmt.Errorf("lock spot-check result: %w", err)
	}
	res, err := collectResults(rows)
	if err != nil {
		return spotcheck.Result{}, err
	}
	if len(res) == 1 {
		return res[0], nil
	}
	var round, current int
	var checkedBy string
	err = tx.QueryRow(ctx, spotCheckWhySQL, id).Scan(&round, &current, &checkedBy)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return spotcheck.Result{}, spotcheck.RefuseResultUnknown(id)
	case err != nil:
		return spotcheck.Result{}, fmt.Errorf("read spot-check result: %w", err)
	case round != current:
		return spotcheck.Result{}, spotcheck.RefuseRoundClosed(id, round, current)
	case !strings.EqualFold(checkedBy, scope.User) && !scope.Has(lianxin.RoleAdmin):
		return spotcheck.Result{}, spotcheck.RefuseNotYours(id, checkedBy)
	}
	return spotcheck.Result{}, fmt.Errorf("spot-check result %d: readable but not lockable in round %d", id, round)
}

// finding is what a result says, as the audit log keeps it.
func finding(verdict string, score *int, note string) map[string]any {
	return map[string]any{"verdict": verdict, "score": score, "note": note}
}

// CorrectSpotCheck implements spotcheck.Store.
func (s *Store) CorrectSpotCheck(ctx context.Context, scope lianxin.Scope, id int64, c spotcheck.Correction, ip string) (spotcheck.Result, error) {
	var out spotcheck.Result
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		was, err := lockSpotCheck(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spotCheckCorrectSQL, id, c.Verdict, c.Score, c.Note, scope.User); err != nil {
			return fmt.Errorf("correct spot-check result: %w", err)
		}
		if out, err = spotCheckByID(ctx, tx, id); err != nil {
			return err
		}
		detail, err := json.Marshal(map[string]any{"id": id, "entry": was.Entry, "visit_id": was.VisitID, "team": was.Team,
			"member": was.MemberCode, "round": was.Round, "checked_by": was.CheckedBy,
			"before": finding(was.Verdict, was.Score, was.Note), "after": finding(c.Verdict, c.Score, c.Note)})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spotCheckAuditSQL, scope.User, spotcheck.ActionCorrect, detail, ip); err != nil {
			return fmt.Errorf("audit spot-check correction: %w", err)
		}
		return nil
	})
	if err != nil {
		return spotcheck.Result{}, fmt.Errorf("correct spot-check result %d: %w", id, err)
	}
	return out, nil
}

// WithdrawSpotCheck implements spotcheck.Store.
func (s *Store) WithdrawSpotCheck(ctx context.Context, scope lianxin.Scope, id int64, ip string) (spotcheck.Result, error) {
	var was spotcheck.Result
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		var err error
		if was, err = lockSpotCheck(ctx, tx, scope, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spotCheckDeleteSQL, id); err != nil {
			return fmt.Errorf("withdraw spot-check result: %w", err)
		}
		detail, err := json.Marshal(map[string]any{"id": id, "entry": was.Entry, "visit_id": was.VisitID, "team": was.Team,
			"member": was.MemberCode, "round": was.Round, "checked_by": was.CheckedBy, "was": finding(was.Verdict, was.Score, was.Note)})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, spotCheckAuditSQL, scope.User, spotcheck.ActionWithdraw, detail, ip); err != nil {
			return fmt.Errorf("audit spot-check withdrawal: %w", err)
		}
		return nil
	})
	if err != nil {
		return spotcheck.Result{}, fmt.Errorf("withdraw spot-check result %d: %w", id, err)
	}
	return was, nil
}

// collectResults reads result rows (the total each carries dropped).
func collectResults(rows pgx.Rows) ([]spotcheck.Result, error) {
	out, _, err := collectWithTotal(rows)
	return out, err
}

// SpotCheckResults implements spotcheck.Store.
func (s *Store) SpotCheckResults(ctx context.Context, scope lianxin.Scope, f spotcheck.Filter, w coverage.Window, leaveOut []int32,
	households bool) ([]spotcheck.Result, int64, error) {
	leaveOut = idList(leaveOut)
	var out []spotcheck.Result
	var total int64
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		teamID, err := optionalTeamID(ctx, tx, f.Team)
		if err != nil {
			return err
		}
		var round *int
		switch {
		case f.CurrentRound:
			var current int
			if err := tx.QueryRow(ctx, spotCheckRoundSQL).Scan(&current); err != nil {
				return fmt.Errorf("read the round: %w", err)
			}
			round = &current
		case f.Round > 0:
			round = &f.Round
		}
		var verdict *string
		if f.Verdict != "" {
			verdict = &f.Verdict
		}
		rows, err := tx.Query(ctx, spotCheckResultsSQL, teamID, round, verdict, w.From, w.To, f.Limit, f.Offset, leaveOut, households)
		if err != nil {
			return fmt.Errorf("list spot-check results: %w", err)
		}
		// The total rides on every row; a page past the end has none, so
		// only then is it counted again.
		if out, total, err = collectWithTotal(rows); err != nil {
			return err
		}
		if len(out) == 0 && f.Offset > 0 {
			rows, err := tx.Query(ctx, spotCheckResultsSQL, teamID, round, verdict, w.From, w.To, 1, 0, leaveOut, households)
			if err != nil {
				return fmt.Errorf("count spot-check results: %w", err)
			}
			_, total, err = collectWithTotal(rows)
			return err
		}
		return nil
	})
	return out, total, err
}

// collectWithTotal is collectResults with the total the rows carry.
func collectWithTotal(rows pgx.Rows) ([]spotcheck.Result, int64, error) {
	defer rows.Close()
	var out []spotcheck.Result
	var total int64
	for rows.Next() {
		var r spotcheck.Result
		var score *int16
		if err := rows.Scan(&r.ID, &r.Entry, &r.VisitID, &r.Team, &r.MemberCode, &r.MemberName, &r.TownCode, &r.VillageCode, &r.VillageName,
			&r.OccurredAt, &r.Round, &r.Verdict, &score, &r.Note, &r.CheckedBy, &r.CheckedAt, &r.CorrectedAt, &r.CorrectedBy, &total); err != nil {
			return nil, 0, fmt.Errorf("read spot-check result: %w", err)
		}
		if score != nil {
			v := int(*score)
			r.Score = &v
		}
		r.OccurredAt, r.CheckedAt = r.OccurredAt.In(coverage.Zone), r.CheckedAt.In(coverage.Zone)
		if r.CorrectedAt != nil {
			at := r.CorrectedAt.In(coverage.Zone)
			r.CorrectedAt = &at
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// SpotCheckTallies implements spotcheck.Store.
func (s *Store) SpotCheckTallies(ctx context.Context, scope lianxin.Scope, w coverage.Window, team string) ([]spotcheck.Tally, error) {
	var out []spotcheck.Tally
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		teamID, err := optionalTeamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, spotCheckTalliesSQL, w.From, w.To, teamID)
		if err != nil {
			return fmt.Errorf("spot-check tallies: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (spotcheck.Tally, error) {
			var t spotcheck.Tally
			err := r.Scan(&t.Team, &t.TeamName, &t.MemberCode, &t.MemberName, &t.Checked, &t.OK, &t.Incomplete, &t.Failed, &t.ScoreSum, &t.Scored)
			return t, err
		})
		if err != nil {
			return fmt.Errorf("read spot-check tallies: %w", err)
		}
		return nil
	})
	return out, err
}
