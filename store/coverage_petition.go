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
// names (ids). The counts come from coverage_petition_unvisited (migration
// 032, SECURITY DEFINER): county-wide for every signed-in scope, whatever
// households its row-level security shows, one count per town and never a
// household; coverage.Reports publishes them under the privacy rules.
const unvisitedPetitionSQL = `
SELECT t.id, t.code, coalesce(p.households, 0)
FROM towns t
LEFT JOIN coverage_petition_unvisited($1, $2, $3) p ON p.town_id = t.id
ORDER BY t.code`

// UnvisitedPetitionHouseholds implements coverage.PetitionSource. The
// counts are kept by the versions of their inputs (petitionCache); a scope
// that is not signed in counts nothing and is not cached.
func (s *Store) UnvisitedPetitionHouseholds(ctx context.Context, scope lianxin.Scope, w coverage.Window, leaveOut []int32) ([]coverage.TownCount, error) {
	leaveOut = idList(leaveOut)
	key := petitionKey{from: w.From.Unix(), to: w.To.Unix(), leaveOut: fmt.Sprint(leaveOut)} // idList sorted it
	cacheable := scope.User != ""
	var out []coverage.TownCount
	var versions []int64
	hit := false
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if cacheable {
			var err error
			if versions, out, hit, err = s.petitions.lookup(ctx, tx, key); err != nil || hit {
				return err
			}
		}
		out = nil
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
	if err != nil {
		return nil, err
	}
	if cacheable && !hit {
		s.petitions.put(versions, key, out)
	}
	return out, nil
}
