package coverage_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/geo"
	"lianxin/privacy"
	"lianxin/store/storetest"
)

// testRoles are the readers the privacy tests compare: a planner and a gis
// user without household access, a gis user with it (exact figures), and a
// team leader of leaderTown (exact there, protected elsewhere).
func testRoles(leaderTown int32) (planner, gis, gisHH, leader lianxin.Scope) {
	planner = lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	gis = lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true}
	gisHH = lianxin.Scope{User: "gis-hh", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true, HouseholdPoints: true}
	leader = lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{leaderTown}, HouseholdPoints: true}
	return planner, gis, gisHH, leader
}

// diary is the summary's diary totals, by JSON name.
func diary(s coverage.Summary) map[string]int64 {
	return map[string]int64{
		"visits": s.Visits, "household_visits": s.HouseholdVisits, "enterprise_visits": s.EnterpriseVisits,
		"project_site_visits": s.ProjectSiteVisits, "village_meetings": s.VillageMeetings,
		"publicity_events": s.PublicityEvents, "publicity_participants": s.PublicityParticipants,
		"assistance_deliveries": s.AssistanceDeliveries, "opinions_collected": s.OpinionsCollected,
		"problems_resolved": s.ProblemsResolved, "petition_cases_resolved": s.PetitionCasesResolved,
		"disputes_resolved": s.DisputesResolved, "households_assisted": s.HouseholdsAssisted,
		"enterprises_visited": s.EnterprisesVisited,
	}
}

// diaryFromVisits counts the diary totals straight from the visits table
// (as the superuser, past row-level security): entries written by the
// town's members (town "" every town) in w, leaving out those in the
// villages leaveOut names (an entry is in its own village, else its
// household's).
func diaryFromVisits(t *testing.T, conn *pgx.Conn, w coverage.Window, town string, leaveOut []int32) map[string]int64 {
	t.Helper()
	if leaveOut == nil {
		leaveOut = []int32{} // <> ALL (NULL) is never true
	}
	var v [14]int64
	err := conn.QueryRow(context.Background(), `
		SELECT count(*), count(v.household_id),
		       count(*) FILTER (WHERE v.kind = 'enterprise_visit'), count(*) FILTER (WHERE v.kind = 'project_site_visit'),
		       count(*) FILTER (WHERE v.kind = 'village_meeting'), count(*) FILTER (WHERE v.kind = 'publicity_event'),
		       coalesce(sum(v.participants) FILTER (WHERE v.kind = 'publicity_event'), 0),
		       count(*) FILTER (WHERE v.kind = 'assistance_delivery'),
		       coalesce(sum(v.problems_collected), 0), coalesce(sum(v.problems_resolved), 0),
		       count(*) FILTER (WHERE v.petition_resolved), count(*) FILTER (WHERE v.dispute_resolved),
		       count(DISTINCT v.household_id) FILTER (WHERE v.kind = 'assistance_delivery'),
		       count(DISTINCT v.project_id) FILTER (WHERE v.kind = 'enterprise_visit')
		FROM visits v LEFT JOIN households h ON h.id = v.household_id
		WHERE v.occurred_at >= $1 AND v.occurred_at < $2
		  AND ($3 = '' OR v.town_id = (SELECT id FROM towns WHERE code = $3))
		  AND coalesce(v.village_id, h.village_id, 0) <> ALL ($4)`, w.From, w.To, town, leaveOut).
		Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13])
	if err != nil {
		t.Fatal(err)
	}
	return map[string]int64{
		"visits": v[0], "household_visits": v[1], "enterprise_visits": v[2], "project_site_visits": v[3],
		"village_meetings": v[4], "publicity_events": v[5], "publicity_participants": v[6],
		"assistance_deliveries": v[7], "opinions_collected": v[8], "problems_resolved": v[9],
		"petition_cases_resolved": v[10], "disputes_resolved": v[11], "households_assisted": v[12],
		"enterprises_visited": v[13],
	}
}

// gapSums adds up the gap rows' visits and problems, over the rows keep
// says.
func gapSums(rows []coverage.GapRow, keep func(coverage.GapRow) bool) (visits, collected, resolved int64) {
	for _, g := range rows {
		if keep(g) {
			visits += g.Visits
			collected += g.ProblemsCollected
			resolved += g.ProblemsResolved
		}
	}
	return visits, collected, resolved
}

// The subtraction attack on the summary: a role without household access
// takes a town's (or the county's) summary and subtracts the visits and
// problems of every village its gap report shows. Whatever is left must
// not hold the suppressed villages' entries: it is exactly what the exact
// figures leave outside every village of the area (entries outside any
// village, or written by another town's members; none in the demo), for
// every town of the demo county, after one village per town was cut down
// to 3 households. Every diary total the caller sees equals the count
// straight from the visits table over the villages the gap report shows.
// Household access (everywhere, or a leader's own town) stays exact.
func TestSummarySubtractionRecoversNoSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, small, reports := c.s, c.conn, c.w, c.small, c.reports
	system := lianxin.SystemScope()
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	first, second := towns[0], towns[1]
	planner, gis, gisHH, leader := testRoles(first.ID)

	type attack struct {
		name  string
		scope lianxin.Scope
		town  string
		exact bool
	}
	attacks := []attack{{"planner, county", planner, "", false}, {"gis, county", gis, "", false},
		{"leader, another town", leader, second.Code, false}, {"leader, county", leader, "", false}}
	for _, tw := range towns {
		attacks = append(attacks, attack{"planner, " + tw.Code, planner, tw.Code, false})
	}
	attacks = append(attacks, attack{"leader, own town", leader, first.Code, true},
		attack{"gis with household access, county", gisHH, "", true})

	var found int64 // suppressed villages' visits the old summary gave back
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			q := coverage.Query{Town: tc.town, From: w.From, To: w.To}
			sum, err := reports.Summary(ctx, tc.scope, q)
			if err != nil {
				t.Fatal(err)
			}
			rows, gw, err := reports.Gaps(ctx, tc.scope, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			exactSum, err := reports.Summary(ctx, system, q)
			if err != nil {
				t.Fatal(err)
			}
			exactRows, _, err := reports.Gaps(ctx, system, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			if gw != w {
				t.Fatalf("gap report window %v, want %v", gw, w)
			}
			suppressed := map[string]bool{}
			for _, g := range rows {
				suppressed[g.VillageCode] = g.Suppressed
			}
			// Every village the gap report blanks, whichever town's.
			all, _, err := reports.Gaps(ctx, tc.scope, coverage.GapQuery{Query: coverage.Query{From: w.From, To: w.To}, All: true})
			if err != nil {
				t.Fatal(err)
			}
			allExact, err := s.VillageCoverage(ctx, system, w, coverage.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			ids := map[string]int32{}
			for _, v := range allExact {
				ids[v.VillageCode] = v.VillageID
			}
			var leaveOut []int32
			for _, g := range all {
				if g.Suppressed {
					leaveOut = append(leaveOut, ids[g.VillageCode])
				}
			}

			shownV, shownC, shownR := gapSums(rows, func(g coverage.GapRow) bool { return !g.Suppressed })
			allV, allC, allR := gapSums(exactRows, func(coverage.GapRow) bool { return true })
			hiddenV, _, _ := gapSums(exactRows, func(g coverage.GapRow) bool { return suppressed[g.VillageCode] })
			if tc.exact {
				if len(leaveOut) != 0 && tc.town == "" || slices.ContainsFunc(rows, func(g coverage.GapRow) bool { return g.Suppressed }) {
					t.Fatalf("summary %q as %s: villages suppressed, want none (household access)", tc.town, tc.scope.User)
				}
				if got, want := diary(sum), diary(exactSum); !mapsEqual(got, want) {
					t.Errorf("summary %q as %s: diary totals %v, want the exact %v", tc.town, tc.scope.User, got, want)
				}
				return
			}
			if tc.town != "" && tc.scope.User == "planner" {
				if !suppressed[small[tc.town]] || hiddenV == 0 {
					t.Fatalf("set-up: town %s's village %s suppressed %v, the suppressed villages' exact visits %d; want it suppressed and visits to find",
						tc.town, small[tc.town], suppressed[small[tc.town]], hiddenV)
				}
				found += hiddenV
			}
			// The attack: what the summary holds beyond the villages shown.
			for _, c := range []struct {
				field          string
				total, shown   int64
				exact, inTotal int64
			}{
				{"visits", sum.Visits, shownV, exactSum.Visits, allV},
				{"opinions_collected", sum.OpinionsCollected, shownC, exactSum.OpinionsCollected, allC},
				{"problems_resolved", sum.ProblemsResolved, shownR, exactSum.ProblemsResolved, allR},
			} {
				// Outside every village of the area: the exact total less
				// every village's exact figure.
				outside := c.exact - c.inTotal
				if got := c.total - c.shown; got != outside {
					t.Errorf("summary %q as %s: %s %d less the villages shown (%d) leaves %d, want %d (outside every village); the difference %d is the suppressed villages'",
						tc.town, tc.scope.User, c.field, c.total, c.shown, got, outside, got-outside)
				}
			}
			if want := diaryFromVisits(t, conn, w, tc.town, leaveOut); !mapsEqual(diary(sum), want) {
				t.Errorf("summary %q as %s: diary totals %v, want %v (the visits table, %d suppressed villages left out)",
					tc.town, tc.scope.User, diary(sum), want, len(leaveOut))
			}
		})
	}
	if found == 0 {
		t.Errorf("the suppressed villages had no visits: the attack had nothing to find")
	}
	t.Logf("the planner's attack had %d visits of suppressed villages to find over %d towns", found, len(towns))

	// Window minus window: the planner's summaries of two windows (asked a
	// day off whole weeks; both widen to whole weeks) differ by the shown
	// villages' change and the entries outside every village, nothing more.
	t.Run("window minus window", func(t *testing.T) {
		short := coverage.Window{From: w.From, To: day("2026-06-28")}
		for _, town := range append([]string{""}, slices.Sorted(maps.Keys(small))...) {
			var totals, shown, outside [2]int64
			for i, asked := range []coverage.Window{{From: short.From, To: short.To.AddDate(0, 0, -1)}, {From: w.From, To: w.To.AddDate(0, 0, -6)}} {
				q := coverage.Query{Town: town, From: asked.From, To: asked.To}
				sum, err := reports.Summary(ctx, planner, q)
				if err != nil {
					t.Fatal(err)
				}
				rows, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: q, All: true})
				if err != nil {
					t.Fatal(err)
				}
				want := []coverage.Window{short, w}[i]
				exactQ := coverage.Query{Town: town, From: want.From, To: want.To}
				exactSum, err := reports.Summary(ctx, system, exactQ)
				if err != nil {
					t.Fatal(err)
				}
				exactRows, _, err := reports.Gaps(ctx, system, coverage.GapQuery{Query: exactQ, All: true})
				if err != nil {
					t.Fatal(err)
				}
				if sum.From != want.From.Format(coverage.DayLayout) || sum.To != want.To.Format(coverage.DayLayout) {
					t.Fatalf("summary %q of %v as planner covers %s..%s, want %v", town, asked, sum.From, sum.To, want)
				}
				allV, _, _ := gapSums(exactRows, func(coverage.GapRow) bool { return true })
				totals[i] = sum.Visits
				shown[i], _, _ = gapSums(rows, func(g coverage.GapRow) bool { return !g.Suppressed })
				outside[i] = exactSum.Visits - allV
			}
			if got, want := (totals[1]-totals[0])-(shown[1]-shown[0]), outside[1]-outside[0]; got != want {
				t.Errorf("summary %q as planner: visits change %d less the shown villages' change %d leaves %d, want %d (outside every village)",
					town, totals[1]-totals[0], shown[1]-shown[0], got, want)
			}
		}
	})

	// The cache keys the answer by what was left out: the same scope and
	// window with nothing left out is exact again.
	t.Run("cache", func(t *testing.T) {
		exact, err := s.SummaryNumbers(ctx, planner, w, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := diaryFromVisits(t, conn, w, "", nil); !mapsEqual(diary(exact), want) {
			t.Errorf("SummaryNumbers(nothing left out) as planner after a published summary: %v, want %v", diary(exact), want)
		}
	})
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// The subtraction attack on a snapshot diff: the diff's change of visits
// and problems less the change the gap reports of the two windows show
// (over the villages shown on both sides) must not hold the suppressed
// villages' entries, for the county and every town; the totals the gap rows
// cannot give per village (entries by kind, households assisted) are left
// out of a diff with a suppressed village. A leader's own town is exact.
func TestDiffSubtractionRecoversNoSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	conn := storetest.Connect(t, url)
	wa := coverage.Window{From: day("2026-03-01"), To: day("2026-06-28")} // whole weeks
	wb := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	demotest.ShrinkOneVillagePerTown(t, conn, wa.To, wb.To)

	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	planner, _, _, leader := testRoles(towns[0].ID)
	type attack struct {
		name  string
		scope lianxin.Scope
		town  string
	}
	// A leader keeps snapshots of their own towns only (a snapshot is kept
	// with its town's rows, which row-level security lets only that town
	// write); another town's or the county's is refused, not a 500.
	for _, town := range []string{towns[1].Code, ""} {
		_, err := reports.TakeSnapshot(ctx, leader, s, wa.LastDay(), town)
		if lianxin.ErrorCode(err) != lianxin.EForbidden {
			t.Errorf("snapshot of %q as town %s's leader: %v, want forbidden", town, towns[0].Code, err)
		}
	}
	attacks := []attack{{"planner, county", planner, ""}}
	for _, tw := range towns {
		attacks = append(attacks, attack{"planner, " + tw.Code, planner, tw.Code})
	}
	attacks = append(attacks, attack{"leader, own town", leader, towns[0].Code})
	var found int64
	for _, tc := range attacks {
		t.Run(tc.name, func(t *testing.T) {
			a, err := reports.TakeSnapshot(ctx, tc.scope, s, wa.LastDay(), tc.town)
			if err != nil {
				t.Fatal(err)
			}
			b, err := reports.TakeSnapshot(ctx, tc.scope, s, wb.LastDay(), tc.town)
			if err != nil {
				t.Fatal(err)
			}
			d, err := reports.Diff(ctx, tc.scope, s, a.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			gaps := func(scope lianxin.Scope, w coverage.Window) []coverage.GapRow {
				rows, gw, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: coverage.Query{Town: tc.town, From: w.From, To: w.To}, All: true})
				if err != nil {
					t.Fatal(err)
				}
				if gw != w {
					t.Fatalf("gap report window %v, want %v", gw, w)
				}
				return rows
			}
			ga, gb := gaps(tc.scope, wa), gaps(tc.scope, wb)
			hidden := map[string]bool{}
			for _, g := range slices.Concat(ga, gb) {
				hidden[g.VillageCode] = hidden[g.VillageCode] || g.Suppressed
			}
			shown := func(g coverage.GapRow) bool { return !hidden[g.VillageCode] }
			va, ca, ra := gapSums(ga, shown)
			vb, cb, rb := gapSums(gb, shown)
			exact := coverage.DiffSnapshots(a, b)
			xa, xb := gaps(system, wa), gaps(system, wb)
			allA, allCA, allRA := gapSums(xa, func(coverage.GapRow) bool { return true })
			allB, allCB, allRB := gapSums(xb, func(coverage.GapRow) bool { return true })
			hiddenA, _, _ := gapSums(xa, func(g coverage.GapRow) bool { return hidden[g.VillageCode] })
			hiddenB, _, _ := gapSums(xb, func(g coverage.GapRow) bool { return hidden[g.VillageCode] })
			if len(hidden) > 0 && tc.scope.User == "planner" && tc.town != "" {
				if hiddenB-hiddenA == 0 {
					t.Fatalf("set-up: the suppressed villages have no visits between %v and %v: nothing to find", wa, wb)
				}
				found += hiddenB - hiddenA
			}
			ownTown := tc.scope.User == "leader" && tc.town == towns[0].Code
			for _, c := range []struct {
				field       string
				shownChange int64
				allChange   int64
			}{
				{"visits", vb - va, allB - allA},
				{"opinions_collected", cb - ca, allCB - allCA},
				{"problems_resolved", rb - ra, allRB - allRA},
			} {
				got, ok := d.Summary[c.field]
				if !ok {
					t.Errorf("diff %q as %s: no %s change", tc.town, tc.scope.User, c.field)
					continue
				}
				if ownTown {
					if got != exact.Summary[c.field] {
						t.Errorf("diff of own town %q as leader: %s change %v, want the exact %v", tc.town, c.field, got, exact.Summary[c.field])
					}
					continue
				}
				// Outside every village: the exact change less every
				// village's exact change.
				outside := int64(exact.Summary[c.field]) - c.allChange
				if left := int64(got) - c.shownChange; left != outside {
					t.Errorf("diff %q as %s: %s change %v less the shown villages' change %d leaves %d, want %d (outside every village); the difference %d is the suppressed villages'",
						tc.town, tc.scope.User, c.field, got, c.shownChange, left, outside, left-outside)
				}
			}
			var suppressed bool
			for _, v := range hidden {
				suppressed = suppressed || v
			}
			for _, k := range []string{"household_visits", "village_meetings", "assistance_deliveries", "households_assisted",
				"publicity_participants", "petition_cases_resolved"} {
				if _, ok := d.Summary[k]; ok == (suppressed && !ownTown) {
					t.Errorf("diff %q as %s with suppressed villages %v: %s given %v, want it only without suppressed villages",
						tc.town, tc.scope.User, suppressed, k, ok)
				}
			}
		})
	}
	if found == 0 {
		t.Errorf("the suppressed villages had no visits between the snapshots: the attack had nothing to find")
	}
	t.Logf("the planner's diff attack had %d visits of suppressed villages to find", found)
}

// The forecast and the aggregate exports, as a planner, after one village
// per town was cut down to 3 households: neither has a total to subtract
// from, and neither shows a suppressed village's figure in any row or lets
// a filter probe one; the shown rows are the gap report's, so their sums
// are what the (fixed) summary subtraction already works with. The H3
// cells' own hierarchy (a parent less its published children) gives only
// the total of two or more hidden children with 5 or more households
// between them (rule 3), never one hidden cell's visits or households.
func TestForecastAndExportsRecoverNoSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, small, reports := c.s, c.conn, c.w, c.small, c.reports
	system := lianxin.SystemScope()
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	q := coverage.Query{From: w.From, To: w.To}
	gaps, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: q, All: true})
	if err != nil {
		t.Fatal(err)
	}
	// The gaps export holds the gap report's villages (those in gap, and
	// every suppressed one); village_coverage every village.
	inGap, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	exact, err := s.VillageCoverage(ctx, system, w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	exactByCode := map[string]coverage.VillageCoverage{}
	for _, v := range exact {
		exactByCode[v.VillageCode] = v
	}
	gapByCode := map[string]coverage.GapRow{}
	var suppressed int
	for _, g := range gaps {
		gapByCode[g.VillageCode] = g
		if g.Suppressed {
			suppressed++
		}
	}
	for town, code := range small {
		if !gapByCode[code].Suppressed {
			t.Fatalf("set-up: village %s of town %s is not suppressed in the planner's gap report", code, town)
		}
	}

	t.Run("forecast", func(t *testing.T) {
		rows, fw, err := reports.Forecast(ctx, planner, q)
		if err != nil {
			t.Fatal(err)
		}
		if fw != w || len(rows) != len(gaps) {
			t.Fatalf("forecast over %v: %d rows; want %v and the gap report's %d villages", fw, len(rows), w, len(gaps))
		}
		for _, f := range rows {
			g, ok := gapByCode[f.VillageCode]
			switch {
			case !ok:
				t.Errorf("forecast row %s is not in the gap report", f.VillageCode)
			case f.Suppressed != g.Suppressed:
				t.Errorf("forecast row %s suppressed %v, gap report %v: a village blank in one report is shown in the other", f.VillageCode, f.Suppressed, g.Suppressed)
			case f.Suppressed && (f.VisitedResidents != 0 || f.Coverage != nil || f.ResidentsNeeded != 0 || f.ResidentsPerWeek != 0 ||
				f.ReachesOn != nil || f.Status != "suppressed"):
				t.Errorf("forecast row %s is suppressed but shows %+v; want every figure blank", f.VillageCode, f)
			case !f.Suppressed && f.VisitedResidents != g.VisitedResidents:
				t.Errorf("forecast row %s: visited residents %d, the gap report's %d", f.VillageCode, f.VisitedResidents, g.VisitedResidents)
			}
		}
	})

	for _, name := range []string{"village_coverage", "gaps"} {
		t.Run("export "+name, func(t *testing.T) {
			l, err := export.LookupLayer(name)
			if err != nil {
				t.Fatal(err)
			}
			fields := l.FieldNames()
			col := func(f string) int {
				i := slices.Index(fields, f)
				if i < 0 {
					t.Fatalf("layer %s has no field %s", name, f)
				}
				return i
			}
			hiddenFields := []string{"households", "visited_households", "visited_residents", "coverage", "reached",
				"residents_needed", "visits", "problems_collected", "problems_resolved", "special_unvisited", "last_visit_on"}
			if name == "gaps" {
				hiddenFields = append(hiddenFields, "households_needed", "coverage_if_visited", "days_since_last_visit")
			}
			read := func(f export.Filter) map[string][]any {
				t.Helper()
				f.From, f.To = &w.From, &w.To
				out := map[string][]any{}
				if _, err := s.ExportRows(ctx, planner, l, f, export.Page{}, func(r *export.Row) error {
					out[r.Values[col("code")].(string)] = slices.Clone(r.Values)
					return nil
				}); err != nil {
					t.Fatalf("export %s %+v: %v", name, f, err)
				}
				return out
			}
			rows := read(export.Filter{})
			want := len(gaps)
			if name == "gaps" {
				want = len(inGap)
			}
			if len(rows) != want {
				t.Fatalf("export %s: %d rows, want the gap report's %d", name, len(rows), want)
			}
			var visits int64
			for code, r := range rows {
				g := gapByCode[code]
				if !g.Suppressed {
					if v, ok := r[col("visits")].(int64); !ok || v != g.Visits {
						t.Errorf("export %s row %s: visits %v, the gap report's %d", name, code, r[col("visits")], g.Visits)
					}
					visits += g.Visits
					continue
				}
				for _, f := range hiddenFields {
					if v := r[col(f)]; v != nil {
						t.Errorf("export %s row %s (suppressed): %s = %v, want null", name, code, f, v)
					}
				}
				if name == "gaps" && r[col("priority")] != 0.0 {
					t.Errorf("export gaps row %s (suppressed): priority %v, want 0", code, r[col("priority")])
				}
			}
			// A filter naming a hidden field's exact value must not pick
			// the suppressed village out.
			for _, code := range small {
				v := exactByCode[code]
				for f, value := range map[string]string{"households": fmt.Sprint(v.Households), "visits": fmt.Sprint(v.Visits),
					"visited_households": fmt.Sprint(v.VisitedHouseholds), "problems_collected": fmt.Sprint(v.ProblemsCollected)} {
					if _, ok := read(export.Filter{Equals: map[string]string{f: value}})[code]; ok {
						t.Errorf("export %s with %s=%s: suppressed village %s is in the answer, so its %s is %s", name, f, value, code, f, value)
					}
				}
				if _, ok := read(export.Filter{Below: true})[code]; !ok {
					t.Errorf("export %s below=true: suppressed village %s is left out, which says it reached one-third", name, code)
				}
			}
			t.Logf("export %s: %d rows, %d suppressed, %d visits over the rows shown", name, len(rows), suppressed, visits)
		})
	}

	t.Run("export h3_cells", func(t *testing.T) {
		l, err := export.LookupLayer("h3_cells")
		if err != nil {
			t.Fatal(err)
		}
		fields := l.FieldNames()
		published := map[int]map[int64][]any{}
		for res := coverage.MinCellResolution; res <= coverage.MaxPublishedResolution; res++ {
			published[res] = map[int64][]any{}
			if _, err := s.ExportRows(ctx, planner, l, export.Filter{From: &w.From, To: &w.To, Resolution: res}, export.Page{},
				func(r *export.Row) error {
					published[res][r.ID] = slices.Clone(r.Values)
					return nil
				}); err != nil {
				t.Fatal(err)
			}
		}
		// The exact cells without the suppressed villages' households and
		// entries: what the planner's cells are published from.
		var leaveOut []int32
		for _, v := range exact {
			if gapByCode[v.VillageCode].Suppressed {
				leaveOut = append(leaveOut, v.VillageID)
			}
		}
		exactCells := map[int]map[int64]coverage.CellAggregate{}
		for res := coverage.MinCellResolution; res <= coverage.MaxPublishedResolution; res++ {
			cs, err := s.CountyCells(ctx, system, res, w, leaveOut)
			if err != nil {
				t.Fatal(err)
			}
			exactCells[res] = map[int64]coverage.CellAggregate{}
			for _, c := range cs {
				exactCells[res][c.Cell] = c
			}
		}
		value := func(r []any, f string) int64 { return r[slices.Index(fields, f)].(int64) }
		var groups, withVisits int
		for res := coverage.MinCellResolution; res < coverage.MaxPublishedResolution; res++ {
			hiddenKids := map[int64][]coverage.CellAggregate{}
			shownKids := map[int64][][]any{}
			for id, c := range exactCells[res+1] {
				p, err := geo.ParentCell(id, res)
				if err != nil {
					t.Fatal(err)
				}
				if r, ok := published[res+1][id]; ok {
					shownKids[p] = append(shownKids[p], r)
				} else {
					hiddenKids[p] = append(hiddenKids[p], c)
				}
			}
			for id, parent := range published[res] {
				kids := hiddenKids[id]
				var households, visits int64
				for _, k := range kids {
					households += k.Households
					visits += k.Visits
				}
				for _, f := range []struct {
					name   string
					hidden int64
				}{{"households", households}, {"visits", visits}} {
					left := value(parent, f.name)
					for _, r := range shownKids[id] {
						left -= value(r, f.name)
					}
					if left != f.hidden {
						t.Errorf("res-%d cell %s: %s less its published children's is %d, the hidden children's %d", res,
							coverage.H3String(id), f.name, left, f.hidden)
					}
				}
				if len(kids) == 0 {
					continue
				}
				groups++
				if visits > 0 {
					withVisits++
				}
				if len(kids) < 2 || privacy.TooFewHouseholds(households) {
					t.Errorf("res-%d cell %s less its published children gives the total of %d hidden children with %d households, %d visits: one cell's or a small area's figures",
						res, coverage.H3String(id), len(kids), households, visits)
				}
			}
		}
		if groups == 0 {
			t.Errorf("no published cell has a hidden child: the attack had nothing to find")
		}
		// Across the two hierarchies: the county's cells of a resolution
		// hold every located entry but those of cells too small to
		// publish, the summary every entry; both leave out the suppressed
		// villages, so their difference is the entries (of villages shown)
		// in cells not published and those without a location, and holds
		// nothing of the suppressed villages, whose visits were there to
		// find.
		sum, err := reports.Summary(ctx, planner, q)
		if err != nil {
			t.Fatal(err)
		}
		var hidden, unlocated int64
		for _, v := range exact {
			if gapByCode[v.VillageCode].Suppressed {
				hidden += v.Visits
			}
		}
		if hidden == 0 {
			t.Fatal("set-up: the suppressed villages have no visits: the attack had nothing to find")
		}
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(visits), 0) FROM coverage_visit_days
			WHERE day >= $1 AND day < $2 AND cell = 0 AND village_id <> ALL ($3)`, w.From, w.To, leaveOut).Scan(&unlocated); err != nil {
			t.Fatal(err)
		}
		for res := coverage.MinCellResolution; res <= coverage.MaxPublishedResolution; res++ {
			var cells, unpublished int64
			for _, r := range published[res] {
				cells += value(r, "visits")
			}
			for id, c := range exactCells[res] {
				if _, ok := published[res][id]; !ok {
					unpublished += c.Visits
				}
			}
			if got, want := cells-sum.Visits, -unpublished-unlocated; got != want {
				t.Errorf("res-%d cells' visits %d less the planner's county summary %d = %d, want %d (entries of villages shown in cells not published, %d, and without a location, %d); the %d suppressed villages have %d visits",
					res, cells, sum.Visits, got, want, unpublished, unlocated, suppressed, hidden)
			}
		}
		t.Logf("h3_cells: %d published parents have hidden children (%d with visits); each difference covers 2 or more cells with 5 or more households", groups, withVisits)
	})
}
