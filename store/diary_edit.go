package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/diary"
)

// Corrections and withdrawals of diary entries (package diary, edit.go):
// the entry is read and locked under the caller's scope — town_scope and
// member_rows hide another town's entry, and a member another member's, so
// those answer as a missing entry — the rule (diary.MayChange) is asked
// with what was found, then one UPDATE or DELETE and one audit line with
// the fields before and after, in one transaction. The statement triggers
// of visits (003 layer versions, 006 coverage, 016 references) follow an
// UPDATE and a DELETE as they follow an INSERT, so reports, tiles and
// their caches move on when the transaction commits.

// Audit actions of a correction and a withdrawal (an import with
// ingest.Options.Correct writes ActionDiaryCorrect lines too).
const (
	ActionDiaryCorrect = "diary_correct"
	ActionDiaryDelete  = "diary_delete"
)

// diaryLockSQL locks the entry the caller may see.
const diaryLockSQL = `SELECT 1 FROM visits v WHERE v.external_id = $1 FOR UPDATE`

// diaryCorrectSQL rewrites an entry with a household: the village follows
// the household; the place is the one sent ($5, its cell $7), else the new
// household's when the household changed ($6), else the stored one.
const diaryCorrectSQL = `UPDATE visits v SET member_id = $2, town_id = $3, household_id = h.id, village_id = h.village_id,
  occurred_at = $4,
  location = CASE WHEN $5::bytea IS NOT NULL THEN ST_GeomFromEWKB($5::bytea) WHEN $6 THEN h.location ELSE v.location END,
  cell = CASE WHEN $5::bytea IS NOT NULL THEN $7::bigint WHEN $6 THEN h.cell ELSE v.cell END,
  kind = $8, participants = $9, notes = $10, problems_collected = $11, problems_resolved = $12,
  petition_resolved = $13, dispute_resolved = $14
FROM diary_household($15) h
WHERE v.external_id = $1`

// diaryCorrectNoHouseholdSQL rewrites an imported entry that names no
// household (a village meeting): village and place stay unless a place is
// sent.
const diaryCorrectNoHouseholdSQL = `UPDATE visits v SET member_id = $2, town_id = $3, occurred_at = $4,
  location = CASE WHEN $5::bytea IS NOT NULL THEN ST_GeomFromEWKB($5::bytea) ELSE v.location END,
  cell = CASE WHEN $5::bytea IS NOT NULL THEN $7::bigint ELSE v.cell END,
  kind = $8, participants = $9, notes = $10, problems_collected = $11, problems_resolved = $12,
  petition_resolved = $13, dispute_resolved = $14
WHERE v.external_id = $1 AND $6::boolean IS NOT NULL`

const diaryDeleteSQL = `DELETE FROM visits WHERE external_id = $1`

// lockEntry reads the entry id as the caller may see it, locked, and asks
// may whether the caller may change it (by its town and whether it is one
// of the caller's own member roles'): the start of a correction and of a
// withdrawal alike.
func lockEntry(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, id string, may diary.Permit) (storedEntry, error) {
	if _, err := tx.Exec(ctx, diaryLockSQL, id); err != nil {
		return storedEntry{}, fmt.Errorf("lock diary entry: %w", err)
	}
	e, err := readEntry(ctx, tx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, diary.NoEntry(id)
	}
	if err != nil {
		return e, err
	}
	own, err := ownMemberIDs(ctx, tx)
	if err != nil {
		return e, err
	}
	if err := may(scope, slices.Contains(own, e.memberID), e.townID, e.RecordedAt); err != nil {
		return e, err
	}
	return e, nil
}

func ownMemberIDs(ctx context.Context, tx pgx.Tx) ([]int32, error) {
	rows, err := tx.Query(ctx, diaryOwnMembersSQL)
	if err != nil {
		return nil, fmt.Errorf("read own member roles: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int32, error) {
		var m diaryMember
		err := r.Scan(&m.id, &m.code, &m.town, &m.leftOn)
		return m.id, err
	})
	if err != nil {
		return nil, fmt.Errorf("read own member roles: %w", err)
	}
	return ms, nil
}

// entryFields is what the audit log keeps of an entry, before and after.
func entryFields(w diary.Written) map[string]any {
	m := map[string]any{"member": w.Member, "household": w.Household, "village": w.Village, "town": w.Town, "kind": w.Kind,
		"participants": w.Participants, "notes": w.Notes, "problems_collected": w.ProblemsCollected,
		"problems_resolved": w.ProblemsResolved, "petition_resolved": w.PetitionResolved, "dispute_resolved": w.DisputeResolved,
		"occurred_at": w.OccurredAt.Format(time.RFC3339)}
	if w.Lon != nil && w.Lat != nil {
		m["lon"], m["lat"] = *w.Lon, *w.Lat
	}
	return m
}

// changedFields keeps, of before and after, the fields that differ.
func changedFields(before, after diary.Written) (map[string]any, map[string]any) {
	b, a := entryFields(before), entryFields(after)
	for k, v := range b {
		if fmt.Sprint(a[k]) == fmt.Sprint(v) {
			delete(a, k)
			delete(b, k)
		}
	}
	for k, v := range a {
		if _, ok := b[k]; !ok && v != nil {
			b[k] = nil
		}
	}
	return b, a
}

func auditDiaryChange(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, action string, detail map[string]any, ip string) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, diaryAuditSQL, scope.User, action, d, ip); err != nil {
		return fmt.Errorf("audit diary %s: %w", action, err)
	}
	return nil
}

// CorrectDiary implements diary.EditStore.
func (s *Store) CorrectDiary(ctx context.Context, scope lianxin.Scope, id string, apply func(diary.Written) (diary.Changed, error),
	may diary.Permit, ip string) (diary.Corrected, error) {
	var out diary.Corrected
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		stored, err := lockEntry(ctx, tx, scope, id, may)
		if err != nil {
			return err
		}
		ch, err := apply(stored.Written)
		if err != nil {
			return err
		}
		m, err := diaryWriter(ctx, tx, scope, ch.Member)
		if err != nil {
			return err
		}
		if err := m.refuseAfterLeft(ch.OccurredAt); err != nil {
			return err
		}
		var place []byte
		var cell *int64
		if ch.Position != nil {
			if place, err = EncodeEWKB(*ch.Position); err != nil {
				return err
			}
			cell = &ch.Cell
		}
		q := diaryCorrectNoHouseholdSQL
		args := []any{id, m.id, m.town, ch.OccurredAt, place, ch.HouseholdChanged, cell, ch.Kind, ch.Participants, ch.Notes,
			ch.ProblemsCollected, ch.ProblemsResolved, ch.PetitionResolved, ch.DisputeResolved}
		if ch.Household != "" {
			var householdID int64
			if err := tx.QueryRow(ctx, diaryHouseholdSQL, ch.Household).Scan(&householdID); errors.Is(err, pgx.ErrNoRows) {
				return diary.ErrNoHousehold(ch.Household)
			} else if err != nil {
				return fmt.Errorf("find household: %w", err)
			}
			q = diaryCorrectSQL
			args = append(args, ch.Household)
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("correct diary entry: %w", err)
		}
		after, err := readEntry(ctx, tx, id)
		if err != nil {
			return err
		}
		before, changed := changedFields(stored.Written, after.Written)
		out = diary.Corrected{Written: after.Written, Changed: make(map[string]diary.FieldChange, len(changed))}
		out.MayChange = true
		for k, from := range before { // before holds every changed key (nil for one the entry lacked)
			out.Changed[k] = diary.FieldChange{From: from, To: changed[k]}
		}
		if len(changed) == 0 {
			return nil // nothing changed: nothing to audit
		}
		detail := map[string]any{"entry": id, "visit_id": stored.VisitID, "before": before, "after": changed}
		if ch.Reason != "" {
			detail["reason"] = ch.Reason
		}
		return auditDiaryChange(ctx, tx, scope, ActionDiaryCorrect, detail, ip)
	})
	if err != nil {
		return diary.Corrected{}, fmt.Errorf("correct diary entry %s: %w", id, err)
	}
	return out, nil
}

// DeleteDiary implements diary.EditStore.
func (s *Store) DeleteDiary(ctx context.Context, scope lianxin.Scope, id, reason string, may diary.Permit, ip string) (diary.Written, error) {
	var out diary.Written
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		stored, err := lockEntry(ctx, tx, scope, id, may)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, diaryDeleteSQL, id); err != nil {
			return fmt.Errorf("delete diary entry: %w", err)
		}
		out = stored.Written
		detail := map[string]any{"entry": id, "visit_id": stored.VisitID, "before": entryFields(stored.Written)}
		if reason != "" {
			detail["reason"] = reason
		}
		return auditDiaryChange(ctx, tx, scope, ActionDiaryDelete, detail, ip)
	})
	if err != nil {
		return diary.Written{}, fmt.Errorf("delete diary entry %s: %w", id, err)
	}
	return out, nil
}

// diaryMayChange sets MayChange on listed entries: own entries by the
// caller's member roles, the rule with the clock of now.
func diaryMayChange(scope lianxin.Scope, own []int32, entries []storedEntry, now time.Time) {
	for i := range entries {
		entries[i].MayChange = diary.MayChange(scope, slices.Contains(own, entries[i].memberID), entries[i].townID, entries[i].RecordedAt, now) == nil
	}
}
