package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// The special-group households ($4: special_flags mask) of towns $1 with no
// entry at them in [$2, $3), by village then household number; the latest
// entry before the window, as a campaign day; the head's name only when $5
// (personal_fields) — household_personal's policy hides it otherwise anyway.
// With $6, the households with a standing petition case too (and the last
// column says which are).
// Row-level security narrows households and visits to the scope's towns.
const unvisitedSpecialSQL = `
SELECT t.code, vl.code, vl.name, h.external_id, f.flags, h.residents,
       to_char((SELECT campaign_day(max(x.occurred_at)) FROM visits x
                WHERE x.household_id = h.id AND x.occurred_at < $2), 'YYYY-MM-DD'),
       CASE WHEN $5 THEN (SELECT p.head_name FROM household_personal p WHERE p.household_id = h.id) END,
       ST_X(h.location), ST_Y(h.location), $6 AND h.petition_case
FROM households h
CROSS JOIN LATERAL (SELECT special_flags(h.poor, h.seriously_ill, h.disabled, h.empty_nest,
                                         h.left_behind_children, h.community_correction) AS flags) f
JOIN villages vl ON vl.id = h.village_id
JOIN towns t ON t.id = h.town_id
WHERE h.town_id = ANY ($1::int[])
  AND (f.flags & $4::smallint <> 0 OR ($6::bool AND h.petition_case))
  AND NOT EXISTS (SELECT 1 FROM visits x
                  WHERE x.household_id = h.id AND x.occurred_at >= $2 AND x.occurred_at < $3)
ORDER BY vl.code, h.external_id`

// UnvisitedSpecialHouseholds implements coverage.SpecialHouseholdSource.
func (s *Store) UnvisitedSpecialHouseholds(ctx context.Context, scope lianxin.Scope, w coverage.Window, towns []int32, mask int16, petition bool) ([]coverage.SpecialHousehold, error) {
	out := []coverage.SpecialHousehold{}
	if towns == nil {
		towns = []int32{}
	}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := noJIT(ctx, tx); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, unvisitedSpecialSQL, towns, w.From, w.To, mask, scope.PersonalFields, petition)
		if err != nil {
			return fmt.Errorf("unvisited special households: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r coverage.SpecialHousehold
			var flags int16
			var isPetition bool
			if err := rows.Scan(&r.TownCode, &r.VillageCode, &r.VillageName, &r.Household, &flags, &r.Residents,
				&r.LastVisit, &r.HeadName, &r.Lon, &r.Lat, &isPetition); err != nil {
				return fmt.Errorf("read unvisited special household: %w", err)
			}
			r.Groups = coverage.GroupsOf(flags)
			if isPetition {
				r.Groups = append(r.Groups, coverage.Petition)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
