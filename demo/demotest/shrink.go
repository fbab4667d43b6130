package demotest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// ShrinkOneVillagePerTown cuts, in every town, the first village (by code)
// with at least 3 households visited in [from, to) down to its 3 most
// visited households; the rest, with their visits, move to a sibling
// village. A role without household access then finds the village
// suppressed (privacy rule 2) and a sibling with it (rule 3), and the
// suppressed villages still hold entries for a privacy test to look for.
// Village meetings and other entries without a household stay where they
// were. conn must bypass row-level security (the superuser's). It returns
// the shrunk villages' codes by town code.
func ShrinkOneVillagePerTown(t testing.TB, conn *pgx.Conn, from, to time.Time) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, `
		SELECT DISTINCT ON (v.town_id) t.code, v.id, v.code,
		       (SELECT s.id FROM villages s WHERE s.town_id = v.town_id AND s.id <> v.id ORDER BY s.id LIMIT 1)
		FROM villages v JOIN towns t ON t.id = v.town_id
		WHERE (SELECT count(DISTINCT x.household_id) FROM visits x JOIN households h ON h.id = x.household_id
		       WHERE h.village_id = v.id AND x.occurred_at >= $1 AND x.occurred_at < $2) >= 3
		ORDER BY v.town_id, v.code`, from, to)
	if err != nil {
		t.Fatal(err)
	}
	type pick struct {
		town, code       string
		village, sibling int32
	}
	picks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pick, error) {
		var p pick
		var sibling *int32
		if err := r.Scan(&p.town, &p.village, &p.code, &sibling); err != nil {
			return p, err
		}
		if sibling == nil {
			return p, fmt.Errorf("village %s is alone in town %s", p.code, p.town)
		}
		p.sibling = *sibling
		return p, nil
	})
	if err != nil {
		t.Fatalf("pick a village per town to shrink: %v", err)
	}
	var towns int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM towns`).Scan(&towns); err != nil {
		t.Fatal(err)
	}
	if len(picks) != towns {
		t.Fatalf("set-up: %d of %d towns have a village with 3 households visited in [%s, %s)", len(picks), towns,
			from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	out := map[string]string{}
	for _, p := range picks {
		var keep []int64
		if err := tx.QueryRow(ctx, `
			SELECT array_agg(id) FROM (
				SELECT h.id FROM households h WHERE h.village_id = $1
				ORDER BY (SELECT count(*) FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $2 AND x.occurred_at < $3) DESC, h.id
				LIMIT 3) k`, p.village, from, to).Scan(&keep); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`UPDATE visits SET village_id = $2 WHERE household_id IN
				(SELECT id FROM households WHERE village_id = $1 AND id <> ALL ($3))`,
			`UPDATE households SET village_id = $2 WHERE village_id = $1 AND id <> ALL ($3)`,
		} {
			if _, err := tx.Exec(ctx, q, p.village, p.sibling, keep); err != nil {
				t.Fatalf("move village %s's other households: %v", p.code, err)
			}
		}
		out[p.town] = p.code
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}
