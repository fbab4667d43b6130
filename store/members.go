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

// SetMemberLeft records that the member code left the corps after the day
// leftOn (a campaign day), or, with nil, that they serve again. A member
// outside the caller's towns is not found.
func (s *Store) SetMemberLeft(ctx context.Context, scope lianxin.Scope, code string, leftOn *time.Time) (coverage.MemberStanding, error) {
	var out coverage.MemberStanding
	var day *time.Time
	if leftOn != nil {
		d := pgDay(*leftOn)
		day = &d
	}
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		var stored *time.Time
		err := tx.QueryRow(ctx, memberLeftSQL, code, day).Scan(&out.Code, &out.Name, &out.Team, &stored)
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
		return nil
	})
	return out, err
}
