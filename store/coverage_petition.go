package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// Households with a standing petition case (petition_case) that no diary
// entry reached in [$1, $2) (days: coverage_household_days, the same
// visited households the village figures count, kept by the household's
// town whoever wrote the entry), per town, leaving out the villages $3
// names (ids). Row-level security narrows households to the scope's towns
// (and a member to the households they visited): coverage.Reports judges
// only what the scope holds whole.
const unvisitedPetitionSQL = `
SELECT t.id, t.code, count(h.id)
FROM towns t
LEFT JOIN households h ON h.town_id = t.id AND h.petition_case
  AND h.village_id <> ALL ($3::int[])
  AND NOT EXISTS (SELECT 1 FROM coverage_household_days d
                  WHERE d.household_id = h.id AND d.day >= $1 AND d.day < $2)
GROUP BY t.id, t.code
ORDER BY t.code`

// UnvisitedPetitionHouseholds implements coverage.PetitionSource.
func (s *Store) UnvisitedPetitionHouseholds(ctx context.Context, scope lianxin.Scope, w coverage.Window, leaveOut []int32) ([]coverage.TownCount, error) {
	leaveOut = idList(leaveOut)
	var out []coverage.TownCount
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, unvisitedPetitionSQL, pgDay(w.From), pgDay(w.To), leaveOut)
		if err != nil {
			return fmt.Errorf("unvisited petition households: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var c coverage.TownCount
			if err := rows.Scan(&c.TownID, &c.TownCode, &c.N); err != nil {
				return fmt.Errorf("read unvisited petition households: %w", err)
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}
