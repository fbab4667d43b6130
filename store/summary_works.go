package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// The register's works and projects of a town ($1, NULL the county) by
// kind and status, as row-level security shows them to the caller: a
// planner every town's, a team leader or member their own towns'. Lengths
// are summed in metres (length_metres, the geography length); $2 and $3
// bound the window's days for the works finished in it (completed_on).
const worksTotalsSQL = `
SELECT 'river_works', kind, status, count(*), coalesce(sum(length_metres), 0)::float8,
       count(*) FILTER (WHERE completed_on >= $2 AND completed_on < $3),
       coalesce(sum(length_metres) FILTER (WHERE completed_on >= $2 AND completed_on < $3), 0)::float8,
       0::bigint
FROM river_works WHERE ($1::int IS NULL OR town_id = $1)
GROUP BY kind, status
UNION ALL
SELECT 'projects', kind, status, count(*), 0, 0, 0, coalesce(sum(investment_yuan), 0)::bigint
FROM projects WHERE ($1::int IS NULL OR town_id = $1)
GROUP BY kind, status
ORDER BY 1, 2, 3`

// WorksTotals counts the register's works and projects of a town ("" the
// county) that scope may read, for the summary (coverage.Works).
func (s *Store) WorksTotals(ctx context.Context, scope lianxin.Scope, w coverage.Window, town string) ([]coverage.WorksRow, error) {
	var out []coverage.WorksRow
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		townID, err := townIDByCode(ctx, tx, town)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, worksTotalsSQL, townID, pgDay(w.From), pgDay(w.To))
		if err != nil {
			return fmt.Errorf("works totals: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r coverage.WorksRow
			if err := rows.Scan(&r.Table, &r.Kind, &r.Status, &r.Count, &r.Metres, &r.InWindow, &r.InWindowMetres, &r.InvestmentYuan); err != nil {
				return fmt.Errorf("read works totals: %w", err)
			}
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read works totals: %w", err)
		}
		return nil
	})
	return out, err
}

// The projects and members the summary's five full coverages list, by
// code, with where they are: a project's town, a member's team. Row-level
// security shows the caller only those it may read, which are the ones
// its lists hold.
const checkNamesSQL = `
SELECT 'project', p.code, p.name, t.name FROM projects p JOIN towns t ON t.id = p.town_id WHERE p.code = ANY ($1)
UNION ALL
SELECT 'member', m.code, m.name, tm.name FROM members m JOIN teams tm ON tm.id = m.team_id WHERE m.code = ANY ($2)`

// CheckNames names the projects and members of the summary's lists.
func (s *Store) CheckNames(ctx context.Context, scope lianxin.Scope, projects, members []string) (map[string]coverage.Named, map[string]coverage.Named, error) {
	ps, ms := map[string]coverage.Named{}, map[string]coverage.Named{}
	if len(projects) == 0 && len(members) == 0 {
		return ps, ms, nil
	}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, checkNamesSQL, nonNil(projects), nonNil(members))
		if err != nil {
			return fmt.Errorf("name projects and members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var kind, code string
			var n coverage.Named
			if err := rows.Scan(&kind, &code, &n.Name, &n.In); err != nil {
				return fmt.Errorf("read project and member names: %w", err)
			}
			if kind == "project" {
				ps[code] = n
			} else {
				ms[code] = n
			}
		}
		return rows.Err()
	})
	return ps, ms, err
}

// nonNil is codes, or an empty array for PostgreSQL when nil.
func nonNil(codes []string) []string {
	if codes == nil {
		return []string{}
	}
	return codes
}
