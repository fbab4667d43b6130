package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/diary"
)

// Diary entries from the web map (package diary): one row of visits each,
// written by a plain INSERT under the caller's scope. The layer version and
// the coverage aggregates follow through the same statement triggers an
// import's INSERT fires (003, 006, 016; migration 020 keeps the coverage
// refresh whole when a member writes), so reports and tiles see the entry
// the moment it commits. The import pipeline itself (COPY into staging, one
// import of a layer at a time) is not used: a member's entry would wait
// behind a clerk's 300,000-row diary import, and each entry would add a
// record to the imports list. The audit log gets a line per entry instead.

// diaryOwnMembersSQL lists the member roles of the signed-in user: the
// members they may write as without naming one, and the only ones a member
// may write as.
const diaryOwnMembersSQL = `SELECT m.id, m.code, m.town_id, m.left_on
FROM users u JOIN user_roles r ON r.user_id = u.id JOIN members m ON m.id = r.member_id
WHERE lower(u.username) = lower(current_setting('lianxin.user', true)) AND NOT u.disabled AND r.role = 'member'
ORDER BY m.code`

// diaryMemberSQL finds a member the caller names, within their towns
// (members' town_scope policy).
const diaryMemberSQL = `SELECT id, code, town_id, left_on FROM members WHERE code = $1`

// diaryHouseholdSQL finds the household by code within the caller's towns,
// also for a member who has not visited it yet (migration 020).
const diaryHouseholdSQL = `SELECT id FROM diary_household($1)`

// diaryInsertSQL writes the entry once: the phone's place or the
// household's, the household's village. A second entry with the same id
// inserts nothing.
const diaryInsertSQL = `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at,
                    location, cell, kind, participants, notes, problems_collected, problems_resolved,
                    petition_resolved, dispute_resolved)
SELECT $1, $2, h.id, h.village_id, $3, $4, coalesce(ST_GeomFromEWKB($5::bytea), h.location), coalesce($6, h.cell),
       $7, $8, $9, $10, $11, $12, $13
FROM diary_household($14) h
ON CONFLICT (external_id) DO NOTHING
RETURNING id`

// diaryColumns read an entry back, as the caller may see it.
const diaryColumns = `v.id, v.external_id, m.code, coalesce(h.external_id, ''), coalesce(vi.code, ''), t.code, v.kind,
  v.participants, v.notes, v.problems_collected, v.problems_resolved, v.petition_resolved, v.dispute_resolved,
  v.occurred_at, v.recorded_at, ST_AsBinary(v.location), v.member_id, v.household_id, v.town_id, m.name, coalesce(vi.name, '')`

const diaryFrom = `FROM visits v
JOIN members m ON m.id = v.member_id
JOIN towns t ON t.id = v.town_id
LEFT JOIN households h ON h.id = v.household_id
LEFT JOIN villages vi ON vi.id = v.village_id`

const diaryByIDSQL = `SELECT ` + diaryColumns + "\n" + diaryFrom + `
WHERE v.external_id = $1`

// diaryWhere is the entries a diary search lists: in the caller's towns
// ($1 all towns, $2 town ids; row-level security narrows a member to their
// own). $3 false (a scope without the household_points grant: a member, an
// admin without it) keeps the caller's own entries only: an entry names a
// household and its place. The filters ($4.. , ” or NULL: none) are
// matched on the visits row through the codes' ids, so that the count
// needs no join; a member's code in any case (m0005 finds M0005: the
// members are few, the others are matched exactly by their indexes).
const diaryWhere = `WHERE ($1 OR v.town_id = ANY ($2::int[]))
  AND ($3 OR v.member_id IN (SELECT m.id FROM users u JOIN user_roles r ON r.user_id = u.id JOIN members m ON m.id = r.member_id
                             WHERE lower(u.username) = lower(current_setting('lianxin.user', true)) AND NOT u.disabled
                               AND r.role = 'member'))
  AND ($4 = '' OR v.external_id = $4)
  AND ($5 = '' OR v.member_id IN (SELECT id FROM members WHERE lower(code) = lower($5)))
  AND ($6 = '' OR v.household_id = (SELECT id FROM households WHERE external_id = $6))
  AND ($7 = '' OR v.village_id = (SELECT id FROM villages WHERE code = $7))
  AND ($8 = '' OR v.town_id = (SELECT id FROM towns WHERE code = $8))
  AND ($9 = '' OR v.notes ILIKE '%' || $9 || '%' ESCAPE '\')
  AND ($10::timestamptz IS NULL OR v.occurred_at >= $10)
  AND ($11::timestamptz IS NULL OR v.occurred_at < $11)`

// diaryListSQL is a page of the entries, newest first by when they
// happened (the order the web map lists them in); diaryCountSQL how many
// match in all.
const (
	diaryListSQL = `SELECT ` + diaryColumns + "\n" + diaryFrom + "\n" + diaryWhere + `
ORDER BY v.occurred_at DESC, v.id DESC
LIMIT $12 OFFSET $13`
	diaryCountSQL = `SELECT count(*) FROM visits v ` + diaryWhere
)

const diaryAuditSQL = `INSERT INTO audit_log (actor, action, target, detail, rows, ip) VALUES ($1, $2, 'visits', $3, 1, $4)`

// diaryWrittenTodaySQL counts the entries an account wrote from the web map
// in the last 24 hours (its audit lines); diaryAccountLockSQL, taken first,
// holds the account's writes in line so that two requests at once cannot
// both pass the count.
const (
	diaryAccountLockSQL  = `SELECT pg_advisory_xact_lock($1, hashtext(lower($2)))`
	diaryWrittenTodaySQL = `SELECT count(*) FROM audit_log WHERE actor = $1 AND action = $2 AND at > now() - interval '24 hours'`
)

// diaryLockSpace is the first key of the per-account advisory lock of
// diaryWrittenTodaySQL.
const diaryLockSpace = 0x6c786469 // "lxdi"

// ActionDiaryWrite is the audit log's action for an entry written from the
// web map.
const ActionDiaryWrite = "diary_write"

type diaryMember struct {
	id     int32
	code   string
	town   int32
	leftOn *time.Time // last day in the corps (migration 038); nil: serving
}

// refuseAfterLeft refuses an entry at occurredAt for a member whose last
// day in the corps was before that day (China time): a visit written to
// someone who has left counts for a person no longer there. The import
// refuses the same (store visitsMemberLeftCheck).
func (m diaryMember) refuseAfterLeft(occurredAt time.Time) error {
	if m.leftOn == nil {
		return nil
	}
	last := m.leftOn.Format(time.DateOnly)
	day := occurredAt.In(diary.Zone).Format(time.DateOnly)
	if day <= last {
		return nil
	}
	return diary.Refuse(lianxin.EInvalid, "member", diary.ReasonMemberLeft, map[string]any{"value": m.code, "left_on": last, "day": day},
		"member %s left the corps on %s; an entry dated %s cannot be theirs", m.code, last, day)
}

type storedEntry struct {
	diary.Written
	memberID    int32
	householdID *int64
	townID      int32
}

// WriteDiary implements diary.Store.
func (s *Store) WriteDiary(ctx context.Context, scope lianxin.Scope, e diary.Entry, ip string) (diary.Written, error) {
	var out diary.Written
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		m, err := diaryWriter(ctx, tx, scope, e.Member)
		if err != nil {
			return err
		}
		if err := m.refuseAfterLeft(e.OccurredAt); err != nil {
			return err
		}
		var householdID int64
		if err := tx.QueryRow(ctx, diaryHouseholdSQL, e.Household).Scan(&householdID); errors.Is(err, pgx.ErrNoRows) {
			return diary.ErrNoHousehold(e.Household)
		} else if err != nil {
			return fmt.Errorf("find household: %w", err)
		}
		var place []byte
		var cell *int64
		if e.Position != nil {
			if place, err = EncodeEWKB(*e.Position); err != nil {
				return err
			}
			cell = &e.Cell
		}
		if err := diaryQuota(ctx, tx, scope, e.ID); err != nil {
			return err
		}
		var visitID int64
		err = tx.QueryRow(ctx, diaryInsertSQL, e.ID, m.id, m.town, e.OccurredAt, place, cell, e.Kind, e.Participants, e.Notes,
			e.ProblemsCollected, e.ProblemsResolved, e.PetitionResolved, e.DisputeResolved, e.Household).Scan(&visitID)
		created := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("write diary entry: %w", err)
		}
		stored, err := readEntry(ctx, tx, e.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			// Another town's entry, or another member's: not this one.
			return diary.Refuse(lianxin.EConflict, "id", diary.ReasonIDTaken, map[string]any{"value": e.ID}, "%q is already the id of another diary entry; make a new id for a new entry", e.ID)
		}
		if err != nil {
			return err
		}
		if !created {
			if diff := entryDiff(stored, e, m.id, householdID); diff != "" {
				return diary.Refuse(lianxin.EConflict, "id", diary.ReasonIDWrittenOtherwise, map[string]any{"value": e.ID, "field": diff}, "entry %q was already written with another %s; a new entry needs a new id", e.ID, diff)
			}
		}
		out = stored.Written
		out.Created = created
		if !created {
			return nil
		}
		detail, err := json.Marshal(map[string]any{"entry": e.ID, "visit_id": visitID, "member": m.code,
			"household": e.Household, "kind": e.Kind})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, diaryAuditSQL, scope.User, ActionDiaryWrite, detail, ip); err != nil {
			return fmt.Errorf("audit diary entry: %w", err)
		}
		return nil
	})
	if err != nil {
		return diary.Written{}, fmt.Errorf("diary entry %s: %w", e.ID, err)
	}
	return out, nil
}

// diaryQuota refuses a new entry from an account that wrote
// diary.MaxEntriesPerDay in the last 24 hours: a script writing entries as a
// member inflates the coverage of their town (and the households they may
// see) without end. A retry of an entry already written is let through: it
// writes nothing.
func diaryQuota(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, id string) error {
	if scope.Has(lianxin.RoleSystem) {
		return nil
	}
	if _, err := tx.Exec(ctx, diaryAccountLockSQL, diaryLockSpace, scope.User); err != nil {
		return fmt.Errorf("lock the account's diary: %w", err)
	}
	var n int64
	if err := tx.QueryRow(ctx, diaryWrittenTodaySQL, scope.User, ActionDiaryWrite).Scan(&n); err != nil {
		return fmt.Errorf("count today's diary entries: %w", err)
	}
	if n < diary.MaxEntriesPerDay {
		return nil
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM visits WHERE external_id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("find diary entry: %w", err)
	}
	if exists {
		return nil
	}
	return diary.Refuse(lianxin.ERateLimited, "", diary.ReasonTooMany, map[string]any{"n": n}, "you wrote %d diary entries in the last 24 hours, the most one account may; "+
		"keep this one and send it later, or import a file of entries (POST /api/v1/imports/visits)", n)
}

// diaryWriter is the member an entry is written as: the caller's own when
// they name none (or name themselves); another only for a team leader (in
// their towns), an admin or the system, holding household_points.
func diaryWriter(ctx context.Context, tx pgx.Tx, scope lianxin.Scope, code string) (diaryMember, error) {
	rows, err := tx.Query(ctx, diaryOwnMembersSQL)
	if err != nil {
		return diaryMember{}, fmt.Errorf("read own member roles: %w", err)
	}
	own, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (diaryMember, error) {
		var m diaryMember
		err := r.Scan(&m.id, &m.code, &m.town, &m.leftOn)
		return m, err
	})
	if err != nil {
		return diaryMember{}, fmt.Errorf("read own member roles: %w", err)
	}
	// Writing for another member names a household and answers its place,
	// village and entries: an admin needs the household_points grant for it
	// as for any household row (a team leader has it in their towns).
	forOthers := (scope.Has(lianxin.RoleTeamLeader) || scope.Has(lianxin.RoleAdmin) || scope.Has(lianxin.RoleSystem)) &&
		scope.HouseholdPoints
	if code == "" {
		switch {
		case len(own) == 1:
			return own[0], nil
		case len(own) == 0:
			return diaryMember{}, diary.Refuse(lianxin.EInvalid, "member", diary.ReasonMemberMissing, nil, "missing; name the visiting member's code (you hold no member role of your own in your towns: a member moved to another town needs their role granted again)")
		default:
			codes := make([]string, len(own))
			for i, m := range own {
				codes[i] = m.code
			}
			return diaryMember{}, diary.Refuse(lianxin.EInvalid, "member", diary.ReasonMemberSeveral, map[string]any{"codes": codes}, "missing; you are several members (%v): name one", codes)
		}
	}
	if i := slices.IndexFunc(own, func(m diaryMember) bool { return m.code == code }); i >= 0 {
		return own[i], nil
	}
	if !forOthers {
		if scope.Has(lianxin.RoleAdmin) || scope.Has(lianxin.RoleTeamLeader) {
			return diaryMember{}, diary.Refuse(lianxin.EForbidden, "member", diary.ReasonForOtherGrant, nil, "writing for another member needs the household_points grant")
		}
		return diaryMember{}, diary.Refuse(lianxin.EForbidden, "member", diary.ReasonMemberSelfOnly, nil, "a member writes diary entries as themselves only; leave member out")
	}
	var m diaryMember
	err = tx.QueryRow(ctx, diaryMemberSQL, code).Scan(&m.id, &m.code, &m.town, &m.leftOn)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, diary.Refuse(lianxin.ENotFound, "member", diary.ReasonNoMember, map[string]any{"value": code}, "no member %q in your towns", code)
	}
	if err != nil {
		return m, fmt.Errorf("find member: %w", err)
	}
	return m, nil
}

func scanEntry(row pgx.Row) (storedEntry, error) {
	var e storedEntry
	var place []byte
	err := row.Scan(&e.VisitID, &e.ID, &e.Member, &e.Household, &e.Village, &e.Town, &e.Kind, &e.Participants, &e.Notes,
		&e.ProblemsCollected, &e.ProblemsResolved, &e.PetitionResolved, &e.DisputeResolved, &e.OccurredAt, &e.RecordedAt,
		&place, &e.memberID, &e.householdID, &e.townID, &e.MemberName, &e.VillageName)
	if err != nil {
		return e, err
	}
	// Answered in the campaign's time (+08:00), as the reports are.
	e.OccurredAt, e.RecordedAt = e.OccurredAt.In(diary.Zone), e.RecordedAt.In(diary.Zone)
	if place != nil {
		g, err := DecodeWKB(place)
		if err != nil {
			return e, fmt.Errorf("diary entry %s: %w", e.ID, err)
		}
		if p, ok := g.(orb.Point); ok {
			e.Lon, e.Lat = &p[0], &p[1]
		}
	}
	return e, nil
}

func readEntry(ctx context.Context, tx pgx.Tx, id string) (storedEntry, error) {
	e, err := scanEntry(tx.QueryRow(ctx, diaryByIDSQL, id))
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("read diary entry: %w", err)
	}
	return e, err
}

// entryDiff names the first field in which a stored entry differs from a
// retry of it, "" when they agree. A retry without a time or a place
// matches whatever time (now, then) and place (the household's) was stored.
func entryDiff(s storedEntry, e diary.Entry, memberID int32, householdID int64) string {
	switch {
	case s.memberID != memberID:
		return "member"
	case s.householdID == nil || *s.householdID != householdID:
		return "household"
	case s.Kind != e.Kind:
		return "kind"
	case s.Participants != e.Participants:
		return "participants"
	case s.Notes != e.Notes:
		return "notes"
	case s.ProblemsCollected != e.ProblemsCollected:
		return "problems_collected"
	case s.ProblemsResolved != e.ProblemsResolved:
		return "problems_resolved"
	case s.PetitionResolved != e.PetitionResolved:
		return "petition_resolved"
	case s.DisputeResolved != e.DisputeResolved:
		return "dispute_resolved"
	case e.OccurredAtGiven && !s.OccurredAt.Equal(e.OccurredAt.Truncate(time.Microsecond)):
		return "occurred_at"
	case e.Position != nil && (s.Lon == nil || *s.Lon != e.Position[0] || *s.Lat != e.Position[1]):
		return "place (lon, lat)"
	}
	return ""
}

// SearchDiary implements diary.Store.
func (s *Store) SearchDiary(ctx context.Context, scope lianxin.Scope, f diary.Filter) (diary.Page, error) {
	page := diary.Page{Entries: []diary.Written{}, Offset: f.Offset, Limit: f.Limit}
	bound := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	args := []any{scope.AllTowns, scope.Towns, scope.HouseholdPoints, f.ID, f.Member, f.Household, f.Village, f.Town,
		likeEscape(f.Q), bound(f.From), bound(f.To)}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, diaryCountSQL, args...).Scan(&page.Total); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		if page.Total <= int64(f.Offset) {
			return nil
		}
		rows, err := tx.Query(ctx, diaryListSQL, append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storedEntry, error) { return scanEntry(r) })
		if err != nil {
			return err
		}
		own, err := ownMemberIDs(ctx, tx)
		if err != nil {
			return err
		}
		diaryMayChange(scope, own, entries, time.Now())
		for _, e := range entries {
			page.Entries = append(page.Entries, e.Written)
		}
		return nil
	})
	if err != nil {
		return diary.Page{}, fmt.Errorf("list diary entries: %w", err)
	}
	return page, nil
}

// likeEscape makes words a literal ILIKE pattern (escape character \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
