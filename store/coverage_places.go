package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
)

// Campaign reads the campaign row; a database without one is unavailable
// for reports (nothing to measure from).
func (s *Store) Campaign(ctx context.Context, scope lianxin.Scope) (coverage.Campaign, error) {
	var c coverage.Campaign
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		return readCampaign(ctx, tx, &c)
	})
	return c, err
}

const campaignSQL = `SELECT name, starts_on, synthetic, ends_on FROM campaign WHERE id = 1`

func readCampaign(ctx context.Context, tx pgx.Tx, c *coverage.Campaign) error {
	err := tx.QueryRow(ctx, campaignSQL).Scan(&c.Name, &c.StartsOn, &c.Synthetic, &c.EndsOn)
	if err == pgx.ErrNoRows {
		return lianxin.Errorf(lianxin.EUnavailable, "no campaign is loaded")
	}
	if err != nil {
		return fmt.Errorf("read campaign: %w", err)
	}
	c.StartsOn = fromPgDay(c.StartsOn)
	if c.EndsOn != nil {
		end := fromPgDay(*c.EndsOn)
		c.EndsOn = &end
	}
	return nil
}

// ActionCampaignEnd is the audit action of setting or clearing the
// campaign's last day (the web map's admin view, lianxin campaign
// --ends-on): detail {ends_on, was}, each a day or null.
const ActionCampaignEnd = "campaign_end"

const (
	campaignForUpdateSQL = `SELECT 1 FROM campaign WHERE id = 1 FOR UPDATE`
	setCampaignEndSQL    = `UPDATE campaign SET ends_on = $1::date WHERE id = 1`
	campaignEndAuditSQL  = `INSERT INTO audit_log (actor, action, target, detail, rows, ip)
VALUES ($1, $2, 'campaign', $3, 1, $4)`
)

// SetCampaignEnd sets the campaign's last day (nil: none, the forecast's
// default is then a year after the start) and writes its audit line
// (ActionCampaignEnd, by scope.User from ip, "" from the command line) in
// the same transaction, and answers the campaign as it now stands. A day
// before the start is refused naming ends_on (ends_before_start), and
// nothing is written.
//
// It is a scoped write like every other: on the server it runs as the
// server's role, which may update the one column (migration 039) and only
// under an admin or system scope, a rule the database keeps itself (the
// campaign_admin_end policy reads the scope's roles), so any other scope
// is forbidden there even if a caller forgot to ask. `lianxin campaign
// --ends-on` comes here too, with the command line's system scope, through
// the URL's user (the tables' owner: the command takes no --db-role).
func (s *Store) SetCampaignEnd(ctx context.Context, scope lianxin.Scope, ip string, endsOn *time.Time) (coverage.Campaign, error) {
	var c coverage.Campaign
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		// Locked: two admins setting it at once each audit what they replaced.
		if _, err := tx.Exec(ctx, campaignForUpdateSQL); err != nil {
			return fmt.Errorf("lock campaign: %w", err)
		}
		if err := readCampaign(ctx, tx, &c); err != nil {
			return err
		}
		var day any // a date as text, so the zone of endsOn cannot move it a day
		if endsOn != nil {
			d, start := coverage.Day(*endsOn).Format(coverage.DayLayout), c.StartsOn.Format(coverage.DayLayout)
			if coverage.Day(*endsOn).Before(coverage.Day(c.StartsOn)) {
				return coverage.RefuseEndsBeforeStart(d, start)
			}
			day = d
		}
		detail := map[string]any{"ends_on": day, "was": nil}
		if c.EndsOn != nil {
			detail["was"] = c.EndsOn.Format(coverage.DayLayout)
		}
		if _, err := tx.Exec(ctx, setCampaignEndSQL, day); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42501" { // the policy, or no grant
				return fmt.Errorf("%w: %w", lianxin.Errorf(lianxin.EForbidden, "only an admin may set the campaign's end"), err)
			}
			return fmt.Errorf("set campaign end: %w", err)
		}
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("encode campaign end audit: %w", err)
		}
		if _, err := tx.Exec(ctx, campaignEndAuditSQL, scope.User, ActionCampaignEnd, b, ip); err != nil {
			return fmt.Errorf("audit campaign end: %w", err)
		}
		return readCampaign(ctx, tx, &c)
	})
	return c, err
}

// Towns lists the towns with their bounding boxes, by code.
func (s *Store) Towns(ctx context.Context, scope lianxin.Scope) ([]coverage.Town, error) {
	var out []coverage.Town
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
SELECT id, code, name, kind, ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary)
FROM towns ORDER BY code`)
		if err != nil {
			return fmt.Errorf("list towns: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t coverage.Town
			if err := rows.Scan(&t.ID, &t.Code, &t.Name, &t.Kind, &t.BBox.Min[0], &t.BBox.Min[1], &t.BBox.Max[0], &t.BBox.Max[1]); err != nil {
				return fmt.Errorf("read town: %w", err)
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// Teams lists the work teams with their town, base and member count, by
// code. The count is published for every team (migration 034), whatever
// towns the scope's row-level security shows members of.
func (s *Store) Teams(ctx context.Context, scope lianxin.Scope) ([]coverage.Team, error) {
	var out []coverage.Team
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
SELECT tm.id, tm.code, tm.name, t.code, ST_X(tm.base), ST_Y(tm.base), coalesce(n.members, 0)
FROM teams tm JOIN towns t ON t.id = tm.town_id
LEFT JOIN coverage_team_members() n ON n.team_id = tm.id
ORDER BY tm.code`)
		if err != nil {
			return fmt.Errorf("list teams: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t coverage.Team
			var lon, lat float64
			if err := rows.Scan(&t.ID, &t.Code, &t.Name, &t.TownCode, &lon, &lat, &t.Members); err != nil {
				return fmt.Errorf("read team: %w", err)
			}
			t.Base = orb.Point{lon, lat}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}
