package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/store/storetest"
)

// auditFixture is a county built to sit on the edges of the campaign's rules
// as written: visits must reach at least one-third of each village's
// resident population (exactly one-third counts), every member keeps a
// contact point and at least ten households, and the five full coverages.
//
//	V3  pop 3:   1 of 3 residents visited                → exactly a third, reached
//	V7  pop 7:   2 visited                               → 6 < 7, one resident short
//	V0  pop 0:   a visited household                     → no population, never reached
//	VX  pop 4:   6 residents visited (register lags)     → reached, share capped at 1;
//	             an urban community (not rural)
//	VT  pop 9:   one 3-resident household visited twice  → counted once, exactly a third
//	VB  pop 10:  visits on the window's edges in UTC+8 (03-01 00:00, 03-31 23:30 in;
//	             02-28 23:59 and 04-01 07:00 — still 03-31 in UTC — out)
//	VM→VN:       a visited household moved to VN; its visit has no village of its own
//	VD  pop 3:   a standing petition case, never visited; an unvisited household deleted
//	VE  pop 100: members' contacts: M1 ten households, M3 ten visits to nine
//
// Members: M1 (contact point) meets the target; M2 (no contact point) wrote
// the village visits, nine households in March; M3 (contact point) nine.
// Projects: P1 key enterprise with a linked visit; P2 key works with a visit
// at its place but not linked to it; P3 a bridge (not a key project).
// Town T2 has no activity.
func auditFixture(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	s, url := storetest.New(t)
	type village struct {
		id       int
		code     string
		pop      int
		petition bool
	}
	villages := []village{{1, "V3", 3, false}, {2, "V7", 7, false}, {3, "V0", 0, false}, {4, "VX", 4, false},
		{5, "VT", 9, true}, {6, "VB", 10, false}, {7, "VM", 6, false}, {8, "VN", 6, false}, {9, "VD", 3, true},
		{10, "VE", 100, false}}
	// household id = village*100 + k (VE: 1000 + k)
	type household struct {
		id, village, residents int
		flag                   string
	}
	households := []household{{101, 1, 1, ""}, {102, 1, 2, ""}, {201, 2, 2, ""}, {202, 2, 3, "poor"}, {203, 2, 2, ""},
		{301, 3, 2, ""}, {401, 4, 3, ""}, {402, 4, 3, ""}, {501, 5, 3, "empty_nest"}, {502, 5, 4, ""}, {503, 5, 2, ""},
		{601, 6, 3, ""}, {602, 6, 2, ""}, {603, 6, 1, ""}, {604, 6, 2, ""}, {701, 7, 3, ""}, {702, 7, 2, ""},
		{801, 8, 1, ""}, {901, 9, 1, ""}, {902, 9, 2, ""}}
	for k := 1; k <= 12; k++ {
		flag := ""
		if k == 12 {
			flag = "community_correction"
		}
		households = append(households, household{1000 + k, 10, 1, flag})
	}
	west := func(v int) float64 { return 120.0 + 0.04*float64(v-1) }
	var b strings.Builder
	b.WriteString(`
INSERT INTO campaign (name, starts_on, synthetic) VALUES ('audit', '2026-03-01', true);
INSERT INTO towns (id, code, name, boundary) VALUES
  (1, 'T1', '甲镇', ST_Multi(ST_MakeEnvelope(120.0, 32.0, 120.4, 32.04, 4326))),
  (2, 'T2', '乙镇', ST_Multi(ST_MakeEnvelope(121.0, 32.0, 121.1, 32.04, 4326)));
INSERT INTO teams (id, code, name, town_id, base) VALUES (1, 'D1', '甲队', 1, ST_SetSRID(ST_MakePoint(120.2, 32.02), 4326));
INSERT INTO members (id, code, name, team_id, town_id, role) VALUES
  (1, 'M1', '甲', 1, 1, 'cadre'), (2, 'M2', '乙', 1, 1, 'cadre'), (3, 'M3', '丙', 1, 1, 'village_official');
`)
	for _, v := range villages {
		kind, rural := "village", true
		if v.code == "VX" {
			kind, rural = "community", false
		}
		fmt.Fprintf(&b, `INSERT INTO villages (id, code, name, town_id, kind, boundary, resident_population, registered_households, petition_case, rural)
VALUES (%d, '%s', '%s村', 1, '%s', ST_Multi(ST_MakeEnvelope(%f, 32.0, %f, 32.04, 4326)), %d, 0, %t, %t);
`, v.id, v.code, v.code, kind, west(v.id), west(v.id)+0.04, v.pop, v.petition, rural)
	}
	for _, h := range households {
		lon, lat := west(h.village)+0.001*float64(h.id%100), 32.02
		cell, err := geo.CellIDOf(orb.Point{lon, lat}, geo.FineResolution)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, `INSERT INTO households (id, external_id, village_id, town_id, location, cell, residents, poor, empty_nest, community_correction)
VALUES (%d, 'H%d', %d, 1, ST_SetSRID(ST_MakePoint(%f, %f), 4326), %d, %d, %t, %t, %t);
`, h.id, h.id, h.village, lon, lat, cell, h.residents, h.flag == "poor", h.flag == "empty_nest", h.flag == "community_correction")
	}
	for _, c := range []struct {
		id, member, village int
	}{{1, 1, 10}, {3, 3, 10}} {
		lon := west(c.village) + 0.02
		cell, _ := geo.CellIDOf(orb.Point{lon, 32.03}, geo.FineResolution)
		fmt.Fprintf(&b, `INSERT INTO contact_points (id, code, member_id, village_id, town_id, location, cell, established_on)
VALUES (%d, 'CP%d', %d, %d, 1, ST_SetSRID(ST_MakePoint(%f, 32.03), 4326), %d, '2026-03-02');
`, c.id, c.id, c.member, c.village, lon, cell)
	}
	for _, p := range []struct {
		id      int
		code    string
		kind    string
		village int
	}{{1, "P1", "key_enterprise", 1}, {2, "P2", "key_works", 2}, {3, "P3", "bridge", 2}} {
		lon := west(p.village) + 0.03
		cell, _ := geo.CellIDOf(orb.Point{lon, 32.01}, geo.FineResolution)
		fmt.Fprintf(&b, `INSERT INTO projects (id, code, name, kind, town_id, village_id, geom, cell)
VALUES (%d, '%s', '%s项目', '%s', 1, %d, ST_SetSRID(ST_MakePoint(%f, 32.01), 4326), %d);
`, p.id, p.code, p.code, p.kind, p.village, lon, cell)
	}
	type visit struct {
		member, household, village, project int // 0: none
		at, kind                            string
		problems                            int
	}
	visits := []visit{
		{2, 101, 1, 0, "2026-03-05 10:00+08", "household_visit", 0},
		{2, 201, 2, 0, "2026-03-06 10:00+08", "household_visit", 0},
		{2, 301, 3, 0, "2026-03-07 10:00+08", "household_visit", 0},
		{2, 401, 4, 0, "2026-03-08 10:00+08", "household_visit", 0},
		{2, 402, 4, 0, "2026-03-08 11:00+08", "household_visit", 0},
		{2, 501, 5, 0, "2026-03-10 10:00+08", "household_visit", 0},
		{2, 501, 5, 0, "2026-03-20 10:00+08", "household_visit", 1},
		{2, 601, 6, 0, "2026-04-01 07:00+08", "household_visit", 0}, // 2026-03-31 23:00 UTC
		{2, 602, 6, 0, "2026-03-31 23:30+08", "household_visit", 0},
		{2, 603, 6, 0, "2026-03-01 00:00+08", "household_visit", 0}, // 2026-02-28 16:00 UTC
		{2, 604, 6, 0, "2026-02-28 23:59+08", "household_visit", 0},
		{2, 701, 0, 0, "2026-03-09 10:00+08", "household_visit", 2}, // no village of its own
		{1, 0, 1, 1, "2026-03-16 10:00+08", "enterprise_visit", 1},
		{3, 0, 2, 0, "2026-03-18 10:00+08", "project_site_visit", 0}, // at P2, not linked
		{1, 1011, 10, 0, "2026-04-05 10:00+08", "household_visit", 0},
		{3, 1009, 10, 0, "2026-03-17 10:00+08", "household_visit", 0},
		{3, 1012, 10, 0, "2026-02-28 12:00+08", "household_visit", 0},
	}
	for k := 1; k <= 10; k++ {
		visits = append(visits, visit{1, 1000 + k, 10, 0, "2026-03-15 10:00+08", "household_visit", 0})
		if k <= 9 {
			visits = append(visits, visit{3, 1000 + k, 10, 0, "2026-03-16 10:00+08", "household_visit", 0})
		}
	}
	null := func(id int) string {
		if id == 0 {
			return "NULL"
		}
		return fmt.Sprint(id)
	}
	b.WriteString("INSERT INTO visits (external_id, member_id, household_id, village_id, project_id, town_id, occurred_at, kind, problems_collected) VALUES\n")
	for i, v := range visits {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "  ('a%d', %d, %s, %s, %s, 1, '%s', '%s', %d)", i, v.member, null(v.household), null(v.village),
			null(v.project), v.at, v.kind, v.problems)
	}
	b.WriteString(`;
UPDATE visits SET location = ST_SetSRID(ST_MakePoint(120.07, 32.01), 4326), cell = (SELECT cell FROM projects WHERE code = 'P2')
  WHERE kind = 'project_site_visit';
UPDATE households SET village_id = 8 WHERE id = 701;
DELETE FROM households WHERE id = 902;
`)
	if _, err := exec(ctx, url, b.String()); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return s, url
}

// plainVillageSQL is each village's coverage written from the rules and the
// raw tables alone: residents of the village's households with at least one
// diary entry in [$1, $2) over its resident population, compared in
// integers; visits counted at the entry's village, else its household's.
const plainVillageSQL = `
WITH visited AS (
  SELECT DISTINCT household_id FROM visits WHERE household_id IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2),
hh AS (
  SELECT h.village_id, count(*) AS households, sum(h.residents) AS residents,
         count(*) FILTER (WHERE h.id IN (SELECT household_id FROM visited)) AS visited_households,
         coalesce(sum(h.residents) FILTER (WHERE h.id IN (SELECT household_id FROM visited)), 0) AS visited_residents
  FROM households h GROUP BY h.village_id),
entries AS (
  SELECT coalesce(v.village_id, h.village_id) AS village_id, count(*) AS visits, sum(v.problems_collected) AS problems,
         max((v.occurred_at AT TIME ZONE 'Asia/Shanghai')::date)::text AS last_day
  FROM visits v LEFT JOIN households h ON h.id = v.household_id
  WHERE v.occurred_at >= $1 AND v.occurred_at < $2 GROUP BY 1)
SELECT vl.code, vl.resident_population, coalesce(hh.households, 0), coalesce(hh.residents, 0),
       coalesce(hh.visited_households, 0), coalesce(hh.visited_residents, 0),
       vl.resident_population > 0 AND 3 * coalesce(hh.visited_residents, 0) >= vl.resident_population,
       coalesce(e.visits, 0), coalesce(e.problems, 0), coalesce(e.last_day, '')
FROM villages vl LEFT JOIN hh ON hh.village_id = vl.id LEFT JOIN entries e ON e.village_id = vl.id
ORDER BY vl.code`

// villageFigures is what the audit compares per village.
type villageFigures struct {
	Pop, Households, Residents, VisitedHouseholds, VisitedResidents int64
	Reached                                                         bool
	Visits, Problems                                                int64
	Last                                                            string
}

func plainVillages(ctx context.Context, t *testing.T, url string, w coverage.Window) map[string]villageFigures {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, plainVillageSQL, w.From, w.To)
	if err != nil {
		t.Fatalf("plain village query: %v", err)
	}
	defer rows.Close()
	out := map[string]villageFigures{}
	for rows.Next() {
		var code string
		var f villageFigures
		var pop int32
		if err := rows.Scan(&code, &pop, &f.Households, &f.Residents, &f.VisitedHouseholds, &f.VisitedResidents,
			&f.Reached, &f.Visits, &f.Problems, &f.Last); err != nil {
			t.Fatal(err)
		}
		f.Pop = int64(pop)
		out[code] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The engine's village figures agree with the rules written as plain SQL
// over the raw tables, window by window, on every edge of the fixture.
func TestAuditVillageCoverageAgainstRules(t *testing.T) {
	ctx := context.Background()
	s, url := auditFixture(t)
	for _, win := range [][2]string{{"2026-03-01", "2026-04-01"}, {"2026-03-01", "2026-12-01"},
		{"2026-04-01", "2026-05-01"}, {"2026-02-28", "2026-03-01"}} {
		w, err := coverage.NewWindow(day(win[0]), day(win[1]))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(w.String(), func(t *testing.T) {
			want := plainVillages(ctx, t, url, w)
			got, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
			if err != nil {
				t.Fatalf("VillageCoverage(%v): %v", w, err)
			}
			if len(got) != len(want) {
				t.Fatalf("VillageCoverage(%v): %d villages, want %d", w, len(got), len(want))
			}
			for _, v := range got {
				last := ""
				if v.LastVisitOn != nil {
					last = v.LastVisitOn.Format(coverage.DayLayout)
				}
				g := villageFigures{v.ResidentPopulation, v.Households, v.Residents, v.VisitedHouseholds, v.VisitedResidents,
					v.Reached(), v.Visits, v.ProblemsCollected, last}
				if g != want[v.VillageCode] {
					t.Errorf("village %s over %v: engine %+v, rules %+v", v.VillageCode, w, g, want[v.VillageCode])
				}
			}
		})
	}
}

// The gap report on the rules' edges, by hand: reached or not, the fewest
// residents and households still missing, the share.
func TestAuditGapEdges(t *testing.T) {
	ctx := context.Background()
	s, _ := auditFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	type want struct {
		reached, noPopulation bool
		visited, needed       int64
		households            string // households needed, "-" when the register cannot reach a third
		coverage              string
	}
	cases := []struct {
		from, to string
		want     map[string]want
	}{
		{"2026-03-01", "2026-04-01", map[string]want{
			"V3": {true, false, 1, 0, "0", "0.3333"},  // 3*1 >= 3
			"V7": {false, false, 2, 1, "1", "0.2857"}, // 3*2 < 7; ceil(7/3) = 3
			"V0": {false, true, 2, 0, "0", "-"},       // no population
			"VX": {true, false, 6, 0, "0", "1"},       // 6 of 4: capped
			"VT": {true, false, 3, 0, "0", "0.3333"},  // visited twice, counted once
			"VB": {false, false, 3, 1, "1", "0.3"},    // 02-28 23:59 and 04-01 07:00 (UTC+8) out
			"VM": {false, false, 0, 2, "1", "0"},      // its visited household moved away
			"VN": {true, false, 3, 0, "0", "0.5"},     // ... here
			"VD": {false, false, 0, 1, "1", "0"},      // 902 deleted: only 901 (1 resident) left
			"VE": {false, false, 10, 24, "-", "0.1"},  // 2 unvisited residents left, 24 needed
		}},
		{"2026-03-01", "2026-12-01", map[string]want{
			"VB": {true, false, 6, 0, "0", "0.6"},
			"VE": {false, false, 11, 23, "-", "0.11"},
		}},
		{"2026-04-01", "2026-05-01", map[string]want{
			"VB": {false, false, 3, 1, "1", "0.3"}, // only 601, on 04-01 07:00 UTC+8
			"V3": {false, false, 0, 1, "1", "0"},
		}},
	}
	for _, tc := range cases {
		rows, w, err := r.Gaps(ctx, lianxin.SystemScope(), coverage.GapQuery{Query: coverage.Query{From: day(tc.from), To: day(tc.to)}, All: true})
		if err != nil {
			t.Fatalf("Gaps [%s, %s): %v", tc.from, tc.to, err)
		}
		for _, g := range rows {
			wt, ok := tc.want[g.VillageCode]
			if !ok {
				continue
			}
			hh, cov := "-", "-"
			if g.HouseholdsNeeded != nil {
				hh = fmt.Sprint(*g.HouseholdsNeeded)
			}
			if g.Coverage != nil {
				cov = fmt.Sprint(*g.Coverage)
			}
			got := want{g.Reached, g.NoPopulation, g.VisitedResidents, g.ResidentsNeeded, hh, cov}
			if got != wt {
				t.Errorf("gap row %s over %v: got %+v, want %+v", g.VillageCode, w, got, wt)
			}
			// residents_needed is the smallest n with 3*(visited+n) >= population
			if n := g.ResidentsNeeded; !g.NoPopulation && !g.Reached &&
				(3*(g.VisitedResidents+n) < g.ResidentPopulation || 3*(g.VisitedResidents+n-1) >= g.ResidentPopulation) {
				t.Errorf("gap row %s over %v: %d residents needed is not the smallest that reaches a third of %d from %d",
					g.VillageCode, w, n, g.ResidentPopulation, g.VisitedResidents)
			}
		}
	}
}

// A household with no residents cannot be recorded, and a visited household
// cannot be deleted (its visits would lose their village's figures).
func TestAuditHouseholdConstraints(t *testing.T) {
	ctx := context.Background()
	_, url := auditFixture(t)
	cases := []struct {
		name, sql string
	}{
		{"zero residents", `UPDATE households SET residents = 0 WHERE id = 102`},
		{"delete a visited household", `DELETE FROM households WHERE id = 101`},
	}
	for _, tc := range cases {
		if _, err := exec(ctx, url, tc.sql); err == nil {
			t.Errorf("%s (%s): accepted, want refused", tc.name, tc.sql)
		}
	}
}

// The summary's five full coverages and the members' rule over March.
func TestAuditFiveCoveragesAndMembers(t *testing.T) {
	ctx := context.Background()
	s, _ := auditFixture(t)
	r := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-04-01")}
	sum, err := r.Summary(ctx, lianxin.SystemScope(), q)
	if err != nil {
		t.Fatalf("Summary(%+v): %v", q, err)
	}
	c := sum.Checks
	checks := []struct {
		name      string
		got, want any
	}{
		{"towns_without_activity", c.TownsWithoutActivity, []string{"T2"}},
		{"projects_without_visit (P1 linked, P2 visited at its place only, P3 not key)", c.ProjectsWithoutVisit, []string{"P2"}},
		{"villages_without_visit", c.VillagesWithoutVisit, []string{"VD", "VM"}},
		{"petition_villages_without_visit", c.PetitionVillagesWithoutVisit, []string{"VD"}},
		{"members_without_contact_point", c.MembersWithoutContactPoint, []string{"M2"}},
		{"members_below_target (M2: 9 households, no contact point; M3: 10 visits, 9 households)", c.MembersBelowTarget, []string{"M2", "M3"}},
		{"special_unvisited poor, empty_nest, community_correction",
			[]int64{c.SpecialUnvisited.Poor, c.SpecialUnvisited.EmptyNest, c.SpecialUnvisited.CommunityCorrection}, []int64{1, 0, 1}},
		{"villages, reached, no population", []int64{sum.Villages, sum.VillagesReached, sum.VillagesNoPopulation}, []int64{10, 4, 1}},
		{"population, visited residents", []int64{sum.ResidentPopulation, sum.VisitedResidents}, []int64{148, 30}},
		{"rural villages, reached, population, visited residents (VX is a community)",
			[]int64{sum.RuralVillages, sum.RuralVillagesReached, sum.RuralResidentPopulation, sum.RuralVisitedResidents},
			[]int64{9, 3, 144, 24}},
	}
	for _, ck := range checks {
		if fmt.Sprint(ck.got) != fmt.Sprint(ck.want) {
			t.Errorf("summary over [2026-03-01, 2026-04-01): %s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	members, _, err := r.Members(ctx, lianxin.SystemScope(), q)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		households int64
		meets      bool
		contact    bool
	}
	wants := map[string]want{"M1": {10, true, true}, "M2": {9, false, false}, "M3": {9, false, true}}
	for _, m := range members {
		got := want{m.HouseholdsContacted.N, m.MeetsTarget, m.HasContact}
		if got != wants[m.MemberCode] {
			t.Errorf("members report over [2026-03-01, 2026-04-01): %s = %+v, want %+v", m.MemberCode, got, wants[m.MemberCode])
		}
	}
	if len(members) != 3 {
		t.Errorf("members report: %d rows, want 3", len(members))
	}
}

// A household moved to another place takes its diary entries that have no
// place of their own along to the hexagons, as it does to villages.
func TestAuditMovedHouseholdCells(t *testing.T) {
	ctx := context.Background()
	s, url := auditFixture(t)
	lon, lat := 120.295, 32.035 // inside VN
	cell, err := geo.CellIDOf(orb.Point{lon, lat}, geo.FineResolution)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ctx, url, `UPDATE households SET location = ST_SetSRID(ST_MakePoint($1, $2), 4326), cell = $3 WHERE id = 701`,
		lon, lat, cell); err != nil {
		t.Fatal(err)
	}
	w, _ := coverage.NewWindow(day("2026-03-01"), day("2026-12-01"))
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `
SELECT h3_parent(coalesce(v.cell, h.cell), 10), count(*)
FROM visits v LEFT JOIN households h ON h.id = v.household_id
WHERE v.occurred_at >= $1 AND v.occurred_at < $2 AND coalesce(v.cell, h.cell) IS NOT NULL
GROUP BY 1`, w.From, w.To)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{}
	for rows.Next() {
		var c, n int64
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		want[c] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	cells, err := s.CellAggregates(ctx, lianxin.SystemScope(), 10, w, orb.Bound{}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, c := range cells {
		if c.Visits != 0 {
			got[c.Cell] = c.Visits
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("visits per resolution-10 cell over %v after moving H701: engine %v, diary %v", w, got, want)
	}
	moved, _ := geo.ParentCell(cell, 10)
	if got[moved] != 1 {
		t.Errorf("H701's new cell %d has %d visits, want its 1 entry without a place", moved, got[moved])
	}
}
