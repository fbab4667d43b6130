package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// ActionMemberLeft is the audit log's action for a change of a member's
// last day in the corps. The members table's trigger writes it (migration
// 038), whoever changed the date: the members import or SetMemberLeft.
const ActionMemberLeft = "member_left"

// memberLeftSQL sets or clears a member's last day, in the caller's towns
// (members' town_scope policy), and answers the member as stored.
const memberLeftSQL = `UPDATE members m SET left_on = $2 WHERE m.code = $1
RETURNING m.code, m.name, (SELECT t.code FROM teams t WHERE t.id = m.team_id), m.left_on`

// memberLockSQL takes the member's row for the change, in the caller's
// towns. FOR UPDATE, not the UPDATE's weaker lock: it conflicts with the
// key-share lock a new diary entry takes on its member (the foreign key),
// so an entry being written waits for the new day, and one written before
// is committed (and counted below) before the lock is granted.
const memberLockSQL = `SELECT m.id, m.name, to_char(m.left_on, 'YYYY-MM-DD') FROM members m WHERE m.code = $1 FOR UPDATE`

// memberEntriesAfterSQL counts a member's diary entries dated after the
// day $2 in China time, and the latest one's day; written as a bound on
// occurred_at so that the index on (member_id, occurred_at) serves it.
const memberEntriesAfterSQL = `SELECT count(*), coalesce(to_char(max(v.occurred_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD'), '')
FROM visits v WHERE v.member_id = $1 AND v.occurred_at >= ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`

// SetMemberLeft records that the member code left the corps after the day
// leftOn (a campaign day), or, with nil, that they serve again. A member
// outside the caller's towns is not found. A day before the member's
// latest diary entry is refused (coverage.ReportReasonLeftBeforeEntries):
// those entries would be dated after leaving, which the diary refuses. The
// day already stored passes unchecked, as it changes nothing.
func (s *Store) SetMemberLeft(ctx context.Context, scope lianxin.Scope, code string, leftOn *time.Time) (coverage.MemberStanding, error) {
	var out coverage.MemberStanding
	var day *time.Time
	if leftOn != nil {
		d := pgDay(*leftOn)
		day = &d
	}
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		var id int64
		var name string
		var was *string
		err := tx.QueryRow(ctx, memberLockSQL, code).Scan(&id, &name, &was)
		if errors.Is(err, pgx.ErrNoRows) {
			return coverage.RefuseMemberUnknown(code)
		}
		if err != nil {
			return fmt.Errorf("lock member %s: %w", code, err)
		}
		if day != nil {
			asked := day.Format(coverage.DayLayout)
			if was == nil || *was != asked {
				var after int64
				var latest string
				if err := tx.QueryRow(ctx, memberEntriesAfterSQL, id, asked).Scan(&after, &latest); err != nil {
					return fmt.Errorf("count member %s's entries after %s: %w", code, asked, err)
				}
				if after > 0 {
					return coverage.RefuseLeftBeforeEntries(code, name, asked, latest, after)
				}
			}
		}
		var stored *time.Time
		err = tx.QueryRow(ctx, memberLeftSQL, code, day).Scan(&out.Code, &out.Name, &out.Team, &stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return coverage.RefuseMemberUnknown(code)
		}
		if err != nil {
			return fmt.Errorf("set member %s left_on: %w", code, err)
		}
		if stored != nil {
			d := fromPgDay(*stored).Format(coverage.DayLayout)
			out.LeftOn = &d
		}
		out.WasLeftOn = was
		return nil
	})
	return out, err
}
