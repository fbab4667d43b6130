package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// straightforwardGapsSQL is the gap report written directly from the raw
// tables, the way one would without the precomputed aggregates: the
// independent check of the engine and the benchmark's baseline. $1, $2: the
// window as timestamptz; $3: the report day (date). A household is visited
// by a household visit or an assistance delivery; a rural village is
// judged by one-third, an urban community by any entry in the window.
const straightforwardGapsSQL = `
WITH visited AS (
  SELECT DISTINCT household_id FROM visits
  WHERE household_id IS NOT NULL AND kind IN ('household_visit', 'assistance_delivery')
    AND occurred_at >= $1 AND occurred_at < $2),
hh AS (
  SELECT h.id, h.village_id, h.residents, h.poor, h.seriously_ill, h.disabled, h.empty_nest,
         h.left_behind_children, h.community_correction, (vd.household_id IS NOT NULL) AS visited
  FROM households h LEFT JOIN visited vd ON vd.household_id = h.id),
per AS (
  SELECT v.id, v.code, v.rural, v.resident_population AS pop,
         coalesce(sum(hh.residents) FILTER (WHERE hh.visited), 0) AS visited_res,
         coalesce(sum(hh.residents) FILTER (WHERE NOT hh.visited), 0) AS unvisited_res,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.poor) AS poor,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.seriously_ill) AS seriously_ill,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.disabled) AS disabled,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.empty_nest) AS empty_nest,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.left_behind_children) AS left_behind_children,
         count(hh.id) FILTER (WHERE NOT hh.visited AND hh.community_correction) AS community_correction
  FROM villages v LEFT JOIN hh ON hh.village_id = v.id
  GROUP BY v.id),
need AS (
  SELECT per.*, CASE WHEN rural THEN greatest(0, ceil(pop / 3.0)::bigint - visited_res) ELSE 0 END AS res_needed FROM per),
ranked AS (
  SELECT hh.village_id, hh.residents,
         sum(hh.residents) OVER (PARTITION BY hh.village_id ORDER BY hh.residents DESC, hh.id) AS cum
  FROM hh WHERE NOT hh.visited),
greedy AS (
  SELECT n.id, count(r.village_id) FILTER (WHERE r.cum - r.residents < n.res_needed) AS hh_needed
  FROM need n LEFT JOIN ranked r ON r.village_id = n.id GROUP BY n.id),
last AS (
  SELECT coalesce(vi.village_id, h.village_id) AS village_id, max((vi.occurred_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_day
  FROM visits vi LEFT JOIN households h ON h.id = vi.household_id
  WHERE vi.occurred_at >= $1 AND vi.occurred_at < $2
  GROUP BY 1)
SELECT n.code, n.pop, n.visited_res,
       CASE WHEN n.rural THEN n.pop > 0 AND 3 * n.visited_res >= n.pop ELSE l.last_day IS NOT NULL END AS reached, n.res_needed,
       CASE WHEN n.unvisited_res >= n.res_needed THEN g.hh_needed END,
       n.poor, n.seriously_ill, n.disabled, n.empty_nest, n.left_behind_children, n.community_correction,
       ($3::date - l.last_day),
       ST_DistanceSphere(tm.base, ST_PointOnSurface(v.boundary)) / 1000
FROM need n
JOIN greedy g ON g.id = n.id
JOIN villages v ON v.id = n.id
LEFT JOIN teams tm ON tm.town_id = v.town_id
LEFT JOIN last l ON l.village_id = n.id
ORDER BY n.code`

type plainGap struct {
	code         string
	pop, visited int64
	reached      bool
	resNeeded    int64
	hhNeeded     *int64
	special      coverage.SpecialCounts
	days         *int32
	km           *float64
}

func straightforwardGaps(ctx context.Context, url string, w coverage.Window, ref time.Time) (map[string]plainGap, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, straightforwardGapsSQL, w.From, w.To, time.Date(ref.Year(), ref.Month(), ref.Day(), 0, 0, 0, 0, time.UTC))
	if err != nil {
		return nil, err
	}
	out := map[string]plainGap{}
	for rows.Next() {
		var g plainGap
		var sp coverage.SpecialCounts
		if err := rows.Scan(&g.code, &g.pop, &g.visited, &g.reached, &g.resNeeded, &g.hhNeeded,
			&sp.Poor, &sp.SeriouslyIll, &sp.Disabled, &sp.EmptyNest, &sp.LeftBehindChildren, &sp.CommunityCorrection,
			&g.days, &g.km); err != nil {
			return nil, err
		}
		g.special = sp
		out[g.code] = g
	}
	return out, rows.Err()
}

// checkAgainstStraightforward compares the engine's gap report (every
// village) with the straightforward query, field by field.
func checkAgainstStraightforward(t *testing.T, s *store.Store, url string, now time.Time, w coverage.Window) []coverage.GapRow {
	t.Helper()
	ctx := context.Background()
	r := coverage.NewReports(s, func() time.Time { return now })
	rows, _, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Query: coverage.Query{From: w.From, To: w.To}, All: true})
	if err != nil {
		t.Fatalf("Gaps(%v): %v", w, err)
	}
	ref := w.LastDay()
	if coverage.Day(now).Before(ref) {
		ref = coverage.Day(now)
	}
	plain, err := straightforwardGaps(ctx, url, w, ref)
	if err != nil {
		t.Fatalf("straightforward query: %v", err)
	}
	if len(rows) != len(plain) {
		t.Fatalf("window %v: engine has %d villages, straightforward query %d", w, len(rows), len(plain))
	}
	bad := 0
	for _, g := range rows {
		p, ok := plain[g.VillageCode]
		if !ok {
			t.Fatalf("village %s missing from the straightforward query", g.VillageCode)
		}
		var days *int32
		if g.DaysSinceLastVisit != nil {
			d := int32(*g.DaysSinceLastVisit)
			days = &d
		}
		got := fmt.Sprint(g.ResidentPopulation, g.VisitedResidents, g.Reached, g.ResidentsNeeded, deref(g.HouseholdsNeeded), g.SpecialUnvisited, deref(days))
		want := fmt.Sprint(p.pop, p.visited, p.reached, p.resNeeded, deref(p.hhNeeded), p.special, deref(p.days))
		if got != want {
			bad++
			if bad <= 5 {
				t.Errorf("window %v village %s: engine (pop visited reached res_needed hh_needed special days) = %s, straightforward = %s", w, g.VillageCode, got, want)
			}
		}
		if (g.DistanceKm == nil) != (p.km == nil) || (g.DistanceKm != nil && math.Abs(*g.DistanceKm-*p.km) > 0.01+0.005**p.km) {
			t.Errorf("village %s distance: engine %v km, PostGIS %v km", g.VillageCode, deref(g.DistanceKm), deref(p.km))
		}
	}
	if bad > 5 {
		t.Errorf("... %d villages differ in all", bad)
	}
	return rows
}

func deref[T any](p *T) any {
	if p == nil {
		return "null"
	}
	return *p
}

// The gap report equals a straightforward PostGIS query over the raw tables,
// for the campaign window and a narrower one, before and after writes that
// the triggers must follow (inserted visits, deleted visits, a household
// that changed size).
func TestGapReportMatchesStraightforwardQuery(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	now := day("2026-11-01")
	windows := []coverage.Window{
		{From: day("2026-03-01"), To: day("2026-11-02")},
		{From: day("2026-05-01"), To: day("2026-07-01")},
	}
	for _, w := range windows {
		rows := checkAgainstStraightforward(t, s, url, now, w)
		reached := 0
		for _, g := range rows {
			if g.Reached {
				reached++
			}
		}
		if w == windows[0] && (reached == 0 || reached == len(rows)) {
			t.Errorf("demo county over %v: %d of %d villages reached; want some of each so the check means something", w, reached, len(rows))
		}
	}
	writes := []struct{ name, sql string }{
		{"insert 300 visits", `
INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT 'check-' || h.id, (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1),
       h.id, h.village_id, h.town_id, timestamptz '2026-05-20 09:00+08' + (h.id % 90) * interval '1 day', 'household_visit'
FROM households h ORDER BY md5(h.id::text) LIMIT 300`},
		{"delete 200 visits", `DELETE FROM visits WHERE id IN (SELECT id FROM visits ORDER BY md5(id::text || 'x') LIMIT 200)`},
		{"move 100 visits in time", `UPDATE visits SET occurred_at = occurred_at - interval '40 days' WHERE id IN (SELECT id FROM visits WHERE household_id IS NOT NULL ORDER BY md5(id::text || 'y') LIMIT 100)`},
		{"resize 50 households", `UPDATE households SET residents = residents + 2, poor = NOT poor WHERE id IN (SELECT household_id FROM visits WHERE household_id IS NOT NULL ORDER BY md5(id::text || 'z') LIMIT 50)`},
		{"re-send 500 households unchanged", `UPDATE households SET residents = residents WHERE id IN (SELECT id FROM households ORDER BY md5(id::text || 'u') LIMIT 500)`},
		{"move 30 visited households to another village", `UPDATE households h SET village_id = (SELECT min(v.id) FROM villages v WHERE v.town_id = h.town_id AND v.id <> h.village_id)
WHERE id IN (SELECT household_id FROM visits WHERE household_id IS NOT NULL ORDER BY md5(id::text || 'm') LIMIT 30)`},
	}
	for _, wr := range writes {
		if _, err := exec(ctx, url, wr.sql); err != nil {
			t.Fatalf("%s: %v", wr.name, err)
		}
		for _, w := range windows {
			t.Run(wr.name+" "+w.String(), func(t *testing.T) { checkAgainstStraightforward(t, s, url, now, w) })
		}
	}
}

// Property: coverage never exceeds 1, and adding visits never lowers any
// village's coverage (nor its visited residents), batch after batch.
func TestAddingVisitsNeverLowersCoverage(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-11-02")}
	prev := map[string]coverage.VillageCoverage{}
	for batch := 0; batch < 5; batch++ {
		vs, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if c := v.Coverage(); c != nil && (*c > 1 || *c < 0) {
				t.Errorf("batch %d village %s coverage %v outside [0, 1]", batch, v.VillageCode, *c)
			}
			if v.VisitedResidents > v.Residents || v.VisitedHouseholds > v.Households {
				t.Errorf("batch %d village %s visited %d/%d residents, %d/%d households: more than it holds",
					batch, v.VillageCode, v.VisitedResidents, v.Residents, v.VisitedHouseholds, v.Households)
			}
			if p, ok := prev[v.VillageCode]; ok && (v.VisitedResidents < p.VisitedResidents || v.Visits < p.Visits) {
				t.Errorf("batch %d village %s: visited residents %d → %d, visits %d → %d after adding visits",
					batch, v.VillageCode, p.VisitedResidents, v.VisitedResidents, p.Visits, v.Visits)
			}
			prev[v.VillageCode] = v
		}
		// Half the new visits go to households already visited, some fall
		// outside the window, some have no household.
		_, err = exec(ctx, url, `
INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, kind)
SELECT 'prop-' || $1::int || '-' || h.id, (SELECT m.id FROM members m WHERE m.town_id = h.town_id ORDER BY m.id LIMIT 1),
       CASE WHEN h.id % 7 = 0 THEN NULL ELSE h.id END, h.village_id, h.town_id,
       timestamptz '2026-02-20 09:00+08' + ((h.id + $1::int) % 260) * interval '1 day',
       CASE WHEN h.id % 7 = 0 THEN 'village_meeting' ELSE 'household_visit' END
FROM households h ORDER BY md5(h.id::text || $1::int::text) LIMIT 400`, batch)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
	}
}
