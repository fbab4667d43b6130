package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/diary"
	"lianxin/store"
	"lianxin/store/storetest"
)

// straightforwardSpecialSQL counts, per village, the households in at least
// one special group (each once, however many groups) and those of them with
// no diary entry in [$1, $2), from households and visits themselves.
const straightforwardSpecialSQL = `
SELECT v.code,
       count(h.id) FILTER (WHERE h.poor OR h.seriously_ill OR h.disabled OR h.empty_nest
                                 OR h.left_behind_children OR h.community_correction),
       count(h.id) FILTER (WHERE (h.poor OR h.seriously_ill OR h.disabled OR h.empty_nest
                                  OR h.left_behind_children OR h.community_correction)
                             AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id
                                             AND x.occurred_at >= $1 AND x.occurred_at < $2))
FROM villages v LEFT JOIN households h ON h.village_id = v.id
GROUP BY v.code`

// specialCount is one village's special-group households and those waiting.
type specialCount struct{ households, waiting int64 }

func straightforwardSpecial(ctx context.Context, conn *pgx.Conn, w coverage.Window) (map[string]specialCount, error) {
	rows, err := conn.Query(ctx, straightforwardSpecialSQL, w.From, w.To)
	if err != nil {
		return nil, err
	}
	out := map[string]specialCount{}
	for rows.Next() {
		var code string
		var c specialCount
		if err := rows.Scan(&code, &c.households, &c.waiting); err != nil {
			return nil, err
		}
		out[code] = c
	}
	return out, rows.Err()
}

// The special-group households of each village (special_households_distinct)
// are kept by the households trigger in coverage_village_households
// (migration 035), and special_waiting_households is that count less the
// window's visited special households. After each write of a sequence —
// households inserted, flags changed, moved, deleted; an entry written,
// corrected and withdrawn through the diary's own store calls — both equal
// the straightforward count over the whole county, for the campaign and a
// narrower window, read as the server reads them (its database role, under
// row-level security, no cache) by the system and by a team leader of
// another town (the figures are the county's aggregates for every role).
func TestSpecialHouseholdsKeptThroughWrites(t *testing.T) {
	ctx := context.Background()
	_, url, county := demotest.New(t)
	owner := storetest.Connect(t, url)
	app := openApp(t, url, store.Options{MaxConns: 2, CoverageCache: -1})
	system := lianxin.SystemScope()
	leader := lianxin.Scope{User: "special-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{county.Towns[1].ID}, HouseholdPoints: true}
	windows := []coverage.Window{{From: day("2026-03-01"), To: day("2026-11-02")}, {From: day("2026-06-01"), To: day("2026-07-01")}}
	now := day("2026-11-27")
	permit := func(scope lianxin.Scope, own bool, town int32, recorded time.Time) error {
		return diary.MayChange(scope, own, town, recorded, now)
	}

	// The households the writes touch, chosen from the county as loaded:
	// one in two groups, one in one group (not disabled), one in none and
	// never visited (in another village than the one-group household's,
	// where new households go), one special and visited to move to a
	// village of another town.
	var two, one, none, moved string
	var townOne, villageOne, villageB int32
	const groups = `poor::int + seriously_ill::int + disabled::int + empty_nest::int + left_behind_children::int + community_correction::int`
	// Each query reads what the ones before it chose.
	pick := func(sql string, args []any, dest ...any) {
		t.Helper()
		if err := owner.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
			t.Fatalf("set-up: %s: %v", sql, err)
		}
	}
	pick(`SELECT external_id FROM households WHERE `+groups+` >= 2 ORDER BY id LIMIT 1`, nil, &two)
	pick(`SELECT external_id, town_id, village_id FROM households WHERE `+groups+` = 1 AND NOT disabled ORDER BY id LIMIT 1`,
		nil, &one, &townOne, &villageOne)
	pick(`SELECT external_id FROM households h WHERE `+groups+` = 0 AND village_id <> $1
	        AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id) ORDER BY id LIMIT 1`,
		[]any{villageOne}, &none)
	pick(`SELECT external_id FROM households h WHERE `+groups+` > 0 AND external_id NOT IN ($1, $2)
	        AND EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id) ORDER BY id LIMIT 1`,
		[]any{two, one}, &moved)
	pick(`SELECT village_id FROM households WHERE town_id <> (SELECT town_id FROM households WHERE external_id = $1)
	      ORDER BY id LIMIT 1`, []any{moved}, &villageB)
	var member string
	if err := owner.QueryRow(ctx, `SELECT code FROM members WHERE town_id = $1 ORDER BY code LIMIT 1`, townOne).Scan(&member); err != nil {
		t.Fatal(err)
	}
	// write runs statements as the server's role, county-wide.
	write := func(sql string, args ...any) func() error {
		return func() error {
			return app.InScope(ctx, system, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, sql, args...)
				return err
			})
		}
	}
	// The server's role deletes no household (an administrator's psql
	// does): the owner's connection deletes, the triggers run the same.
	ownerWrite := func(sql string, args ...any) func() error {
		return func() error {
			_, err := owner.Exec(ctx, sql, args...)
			return err
		}
	}
	correct := func(id string, c diary.Correction) func() error {
		return func() error {
			_, err := app.CorrectDiary(ctx, system, id, func(w diary.Written) (diary.Changed, error) {
				return c.Apply(w, now, day("2026-03-01"))
			}, permit, "")
			return err
		}
	}
	str := func(s string) *string { return &s }

	steps := []struct {
		name  string
		write func() error
		// moves says the straightforward count of some village must change
		// with the step (else the step tests nothing).
		moves bool
	}{
		{"a household in two groups inserted", write(`
INSERT INTO households (external_id, village_id, town_id, location, cell, residents, poor, disabled)
SELECT 'special-new-1', village_id, town_id, location, cell, 4, true, true FROM households WHERE external_id = $1`, none), true},
		{"households inserted in one statement, one in no group", write(`
INSERT INTO households (external_id, village_id, town_id, location, cell, residents, empty_nest, left_behind_children)
SELECT 'special-new-' || n, village_id, town_id, location, cell, n, n = 3, n <> 4
FROM households, generate_series(2, 4) n WHERE external_id = $1`, one), true},
		{"a second group for a household in one", write(`UPDATE households SET disabled = true WHERE external_id = $1`, one), false},
		{"one of two groups cleared", write(`UPDATE households SET poor = false WHERE external_id = 'special-new-1'`), false},
		{"every group of a household cleared", write(`UPDATE households SET poor = false, seriously_ill = false, disabled = false,
  empty_nest = false, left_behind_children = false, community_correction = false WHERE external_id = $1`, two), true},
		{"a household in no group joins one", write(`UPDATE households SET community_correction = true WHERE external_id = $1`, none), true},
		{"a visited special household moved to another town's village", write(`
UPDATE households h SET village_id = d.village_id, town_id = d.town_id, location = d.location, cell = d.cell
FROM (SELECT village_id, town_id, location, cell FROM households WHERE village_id = $2 ORDER BY id LIMIT 1) d
WHERE h.external_id = $1`, moved, villageB), true},
		{"a village's households re-sent unchanged", write(`UPDATE households SET residents = residents WHERE village_id = $1`, villageB), false},
		{"a group flipped for every household of a village", write(`
UPDATE households SET seriously_ill = NOT seriously_ill WHERE village_id = $1`, villageB), true},
		{"an entry lands at the new household", func() error {
			_, err := app.WriteDiary(ctx, system, diary.Entry{ID: "special-entry-1", Household: "special-new-2", Member: member,
				Kind: "household_visit", OccurredAt: time.Date(2026, 6, 10, 10, 0, 0, 0, coverage.Zone), OccurredAtGiven: true}, "")
			return err
		}, true},
		{"the entry corrected to another household", correct("special-entry-1", diary.Correction{Household: &none}), true},
		{"the entry corrected out of June", correct("special-entry-1", diary.Correction{OccurredAt: str("2026-07-15 09:00")}), true},
		{"the entry withdrawn", func() error {
			_, err := app.DeleteDiary(ctx, system, "special-entry-1", "test", permit, "")
			return err
		}, true},
		{"households deleted", ownerWrite(`DELETE FROM households WHERE external_id IN ('special-new-2', 'special-new-3', 'special-new-4')`), true},
	}

	// check compares the engine with the straightforward count in both
	// windows, and returns the straightforward counts (keyed by window and
	// village) for the next step to compare with.
	check := func(t *testing.T, step string) map[string]specialCount {
		t.Helper()
		all := map[string]specialCount{}
		for _, w := range windows {
			want, err := straightforwardSpecial(ctx, owner, w)
			if err != nil {
				t.Fatalf("%s: straightforward count: %v", step, err)
			}
			for code, c := range want {
				all[w.From.Format(time.DateOnly)+" "+code] = c
			}
			for _, sc := range []struct {
				name  string
				scope lianxin.Scope
			}{{"system", system}, {"a team leader", leader}} {
				got, err := app.VillageCoverage(ctx, sc.scope, w, coverage.Filter{})
				if err != nil {
					t.Fatalf("%s: %s: VillageCoverage: %v", step, sc.name, err)
				}
				if len(got) != len(want) {
					t.Fatalf("%s: %s: %d villages, want %d", step, sc.name, len(got), len(want))
				}
				bad := 0
				for _, v := range got {
					g := specialCount{v.SpecialDistinct, v.SpecialDistinctUnvisited}
					if g != want[v.VillageCode] && bad < 3 {
						bad++
						t.Errorf("%s: %s, window from %s: village %s (special households, waiting) = %v, straightforward %v",
							step, sc.name, w.From.Format(time.DateOnly), v.VillageCode, g, want[v.VillageCode])
					}
				}
			}
		}
		// The maintained column agrees with 006's per-cell one too.
		var mismatched int
		if err := owner.QueryRow(ctx, `
SELECT count(*) FROM (SELECT village_id, sum(special) s FROM coverage_village_households GROUP BY 1) a
FULL JOIN (SELECT village_id, sum(special) s FROM coverage_cells GROUP BY 1) b USING (village_id)
WHERE a.s IS DISTINCT FROM b.s`).Scan(&mismatched); err != nil {
			t.Fatal(err)
		}
		if mismatched != 0 {
			t.Errorf("%s: %d villages' special households differ between coverage_village_households and coverage_cells", step, mismatched)
		}
		return all
	}

	prev := check(t, "as loaded")
	var total int64
	for _, c := range prev {
		total += c.households
	}
	if total == 0 {
		t.Fatal("set-up: the county has no special-group household")
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.write(); err != nil {
				t.Fatalf("write: %v", err)
			}
			next := check(t, st.name)
			if changed := !maps.Equal(next, prev); changed != st.moves {
				t.Errorf("some village's straightforward count changed: %v, want %v", changed, st.moves)
			}
			prev = next
		})
	}
}
