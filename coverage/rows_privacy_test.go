package coverage_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
)

// The reports that list people rather than villages — the members report
// (a row per member) and the diary sample (single entries) — as a role
// without household access sees them, after one village per town was cut
// down to 3 households (suppressed, with a sibling, by the gap report).

// suppressedIDs returns the ids of the villages scope's county gap report
// over w suppresses, by code too.
func suppressedIDs(t *testing.T, ctx context.Context, s coverage.Source, reports *coverage.Reports, scope lianxin.Scope, w coverage.Window) ([]int32, map[string]bool) {
	t.Helper()
	rows, _, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: coverage.Query{From: w.From, To: w.To}, All: true})
	if err != nil {
		t.Fatal(err)
	}
	exact, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int32{}
	for _, v := range exact {
		ids[v.VillageCode] = v.VillageID
	}
	var out []int32
	codes := map[string]bool{}
	for _, g := range rows {
		if g.Suppressed {
			out = append(out, ids[g.VillageCode])
			codes[g.VillageCode] = true
		}
	}
	if len(out) == 0 {
		t.Fatalf("set-up: %s's gap report suppresses no village", scope.User)
	}
	return out, codes
}

// memberFigures is one member's entries over a window, counted straight
// from the visits table: over every village, and over the villages not
// left out (an entry is in its own village, else its household's).
type memberFigures struct {
	entries, households, collected, resolved int64 // villages not left out
	allEntries, allHouseholds                int64
}

func membersFromVisits(t *testing.T, conn *pgx.Conn, w coverage.Window, leaveOut []int32) map[string]memberFigures {
	t.Helper()
	if leaveOut == nil {
		leaveOut = []int32{}
	}
	rows, err := conn.Query(context.Background(), `
		SELECT m.code, count(v.id) FILTER (WHERE v.shown), count(DISTINCT v.household_id) FILTER (WHERE v.shown),
		       coalesce(sum(v.problems_collected) FILTER (WHERE v.shown), 0), coalesce(sum(v.problems_resolved) FILTER (WHERE v.shown), 0),
		       count(v.id), count(DISTINCT v.household_id)
		FROM members m
		LEFT JOIN (SELECT x.*, coalesce(x.village_id, h.village_id, 0) <> ALL ($3) AS shown
		           FROM visits x LEFT JOIN households h ON h.id = x.household_id
		           WHERE x.occurred_at >= $1 AND x.occurred_at < $2) v ON v.member_id = m.id
		GROUP BY m.code`, w.From, w.To, leaveOut)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]memberFigures{}
	for rows.Next() {
		var code string
		var f memberFigures
		if err := rows.Scan(&code, &f.entries, &f.households, &f.collected, &f.resolved, &f.allEntries, &f.allHouseholds); err != nil {
			t.Fatal(err)
		}
		out[code] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// publishedMember is a members report row as the API writes it.
type publishedMember struct {
	Team                string          `json:"team"`
	MemberCode          string          `json:"member_code"`
	DiaryEntries        int64           `json:"diary_entries"`
	HouseholdsContacted json.RawMessage `json:"households_contacted"`
	HouseholdsToDate    json.RawMessage `json:"households_to_date"`
	ProblemsCollected   int64           `json:"problems_collected"`
	ProblemsResolved    int64           `json:"problems_resolved"`
	WeeklyVisits        []int64         `json:"weekly_visits"`
	MeetsTarget         bool            `json:"meets_target"`
	NeedsAttention      bool            `json:"needs_attention"`
}

func asPublished(t *testing.T, rows []coverage.MemberRow) []publishedMember {
	t.Helper()
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	var out []publishedMember
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("members report JSON %.300s: %v", b, err)
	}
	return out
}

// The subtraction attack on the members report: a team's entries (the sum
// of its members' diary entries) less the visits of every village of its
// town the gap report shows must leave only the entries outside every
// village of the town, never the suppressed villages' visits; each member's
// households contacted must not tell how many of them are in suppressed
// villages; and the ten-household verdict stays the exact one. A window a
// day short of whole weeks answers the whole weeks. A team leader's own
// team and a role with household access stay exact over the window asked.
func TestMembersReportRecoversNoSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, reports := c.s, c.conn, c.w, c.reports
	asked := coverage.Window{From: w.From, To: w.To.AddDate(0, 0, -1)}
	system := lianxin.SystemScope()
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	teams, err := s.Teams(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	planner, gis, gisHH, leader := testRoles(towns[0].ID)
	leaveOut, _ := suppressedIDs(t, ctx, s, reports, planner, w)
	shown := membersFromVisits(t, conn, w, leaveOut)
	exactAsked := membersFromVisits(t, conn, asked, nil)

	var found int64 // suppressed villages' visits the old report gave back
	for _, tm := range teams {
		for _, scope := range []lianxin.Scope{planner, gis} {
			t.Run(scope.User+", team "+tm.Code, func(t *testing.T) {
				q := coverage.Query{Team: tm.Code, From: asked.From, To: asked.To}
				rows, mw, err := reports.Members(ctx, scope, q)
				if err != nil {
					t.Fatal(err)
				}
				if mw != w {
					t.Errorf("members of team %s over %v as %s cover %v, want the whole weeks %v", tm.Code, asked, scope.User, mw, w)
				}
				var teamEntries int64
				for _, m := range asPublished(t, rows) {
					want := shown[m.MemberCode]
					teamEntries += m.DiaryEntries
					var weekly int64
					for _, n := range m.WeeklyVisits {
						weekly += n
					}
					if m.DiaryEntries != want.entries || m.ProblemsCollected != want.collected || m.ProblemsResolved != want.resolved || weekly != want.entries {
						t.Errorf("member %s as %s: entries %d (weeks %d), problems %d/%d; want %d, %d/%d (the suppressed villages' entries left out)",
							m.MemberCode, scope.User, m.DiaryEntries, weekly, m.ProblemsCollected, m.ProblemsResolved, want.entries, want.collected, want.resolved)
					}
					// The verdict is the rule's, over every village.
					if meets := want.allHouseholds >= coverage.ContactTarget; m.MeetsTarget != meets {
						t.Errorf("member %s as %s: meets_target %v, want %v (%d households over every village)", m.MemberCode, scope.User, m.MeetsTarget, meets, want.allHouseholds)
					}
					// Households contacted: the villages shown only, in
					// the rule's bands: the number from ten up, 0 as 0,
					// "<10" between; the standing count ("to date", the
					// window starts on the campaign's first day) only as
					// the verdict's band.
					wantWindow := jsonInt(want.households)
					if want.households > 0 && want.households < coverage.ContactTarget {
						wantWindow = `"<10"`
					}
					if !sameJSON(m.HouseholdsContacted, wantWindow) {
						t.Errorf("member %s as %s: households_contacted %s, want %s (%d in villages shown; %d over every village)",
							m.MemberCode, scope.User, m.HouseholdsContacted, wantWindow, want.households, want.allHouseholds)
					}
					wantToDate := `"≥10"`
					switch {
					case want.allHouseholds == 0:
						wantToDate = "0"
					case want.allHouseholds < coverage.ContactTarget:
						wantToDate = `"<10"`
					}
					if !sameJSON(m.HouseholdsToDate, wantToDate) {
						t.Errorf("member %s as %s: households_to_date %s, want %s (%d over every village)",
							m.MemberCode, scope.User, m.HouseholdsToDate, wantToDate, want.allHouseholds)
					}
				}
				// The attack: the team's entries less its town's villages shown.
				gaps, _, err := reports.Gaps(ctx, scope, coverage.GapQuery{Query: coverage.Query{Town: tm.TownCode, From: w.From, To: w.To}, All: true})
				if err != nil {
					t.Fatal(err)
				}
				exactGaps, _, err := reports.Gaps(ctx, system, coverage.GapQuery{Query: coverage.Query{Town: tm.TownCode, From: w.From, To: w.To}, All: true})
				if err != nil {
					t.Fatal(err)
				}
				hidden := map[string]bool{}
				for _, g := range gaps {
					hidden[g.VillageCode] = g.Suppressed
				}
				shownV, _, _ := gapSums(gaps, func(g coverage.GapRow) bool { return !g.Suppressed })
				allV, _, _ := gapSums(exactGaps, func(coverage.GapRow) bool { return true })
				hiddenV, _, _ := gapSums(exactGaps, func(g coverage.GapRow) bool { return hidden[g.VillageCode] })
				var exactTeam int64
				for _, m := range rows {
					exactTeam += shown[m.MemberCode].allEntries
				}
				if scope.User == "planner" {
					found += hiddenV
				}
				if left, outside := teamEntries-shownV, exactTeam-allV; left != outside {
					t.Errorf("team %s as %s: entries %d less the villages shown (%d) leaves %d, want %d (outside every village of town %s); the difference %d is the suppressed villages'",
						tm.Code, scope.User, teamEntries, shownV, left, outside, tm.TownCode, left-outside)
				}
			})
		}
	}
	if found == 0 {
		t.Errorf("the suppressed villages had no visits: the attack had nothing to find")
	}
	t.Logf("the planner's attack on the members report had %d visits of suppressed villages to find", found)

	// Exact: the leader's own team, and household access everywhere.
	own := slices.IndexFunc(teams, func(tm coverage.Team) bool { return tm.TownCode == towns[0].Code })
	for _, tc := range []struct {
		scope lianxin.Scope
		team  string
	}{{leader, teams[own].Code}, {gisHH, teams[own].Code}, {gisHH, teams[len(teams)-1].Code}} {
		t.Run(tc.scope.User+", exact, team "+tc.team, func(t *testing.T) {
			rows, mw, err := reports.Members(ctx, tc.scope, coverage.Query{Team: tc.team, From: asked.From, To: asked.To})
			if err != nil {
				t.Fatal(err)
			}
			if mw != asked {
				t.Errorf("members of team %s as %s cover %v, want the window asked %v", tc.team, tc.scope.User, mw, asked)
			}
			if len(rows) == 0 {
				t.Fatalf("members of team %s as %s: no row", tc.team, tc.scope.User)
			}
			for _, m := range asPublished(t, rows) {
				want := exactAsked[m.MemberCode]
				if m.DiaryEntries != want.allEntries || string(m.HouseholdsContacted) != jsonInt(want.allHouseholds) {
					t.Errorf("member %s as %s: entries %d, households %s; want the exact %d, %d", m.MemberCode, tc.scope.User,
						m.DiaryEntries, m.HouseholdsContacted, want.allEntries, want.allHouseholds)
				}
			}
		})
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The diary sample as a role without household access: no household codes,
// no entry of a village the caller's gap report suppresses, each team's
// entries drawn from the others (n of them while there are n), over whole
// weeks. Household access (everywhere, or a leader's own town) draws the
// same sample as before, with household codes.
func TestDiarySampleShowsNoHouseholdOrSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, reports := c.s, c.conn, c.w, c.reports
	asked := coverage.Window{From: w.From, To: w.To.AddDate(0, 0, -1)}
	system := lianxin.SystemScope()
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	planner, gis, gisHH, leader := testRoles(towns[0].ID)
	leaveOut, suppressed := suppressedIDs(t, ctx, s, reports, planner, w)

	const n = 200
	exact, _, err := reports.DiarySample(ctx, system, coverage.DiaryQuery{Query: coverage.Query{From: w.From, To: w.To}, N: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var inSuppressed int
	for _, e := range exact {
		if suppressed[e.VillageCode] {
			inSuppressed++
		}
	}
	if inSuppressed == 0 {
		t.Fatalf("set-up: the exact sample of %d entries has none in a suppressed village: nothing to leave out", len(exact))
	}
	// Per team, the entries a protected sample may draw from.
	eligible := map[string]int{}
	rows, err := conn.Query(ctx, `
		SELECT tm.code, count(*) FROM visits v JOIN members m ON m.id = v.member_id JOIN teams tm ON tm.id = m.team_id
		LEFT JOIN households h ON h.id = v.household_id
		WHERE v.occurred_at >= $1 AND v.occurred_at < $2 AND coalesce(v.village_id, h.village_id, 0) <> ALL ($3)
		GROUP BY tm.code`, w.From, w.To, leaveOut)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var code string
		var k int
		if err := rows.Scan(&code, &k); err != nil {
			t.Fatal(err)
		}
		eligible[code] = min(k, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	for _, scope := range []lianxin.Scope{planner, gis} {
		t.Run(scope.User, func(t *testing.T) {
			es, sw, err := reports.DiarySample(ctx, scope, coverage.DiaryQuery{Query: coverage.Query{From: asked.From, To: asked.To}, N: n, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if sw != w {
				t.Errorf("diary sample over %v as %s covers %v, want the whole weeks %v", asked, scope.User, sw, w)
			}
			perTeam := map[string]int{}
			for _, e := range es {
				perTeam[e.Team]++
				if e.Household != "" || e.VisitID != "" {
					t.Errorf("entry at %v by %s as %s names household %q, id %q, want neither (no household access)",
						e.OccurredAt, e.MemberCode, scope.User, e.Household, e.VisitID)
				}
				if suppressed[e.VillageCode] {
					t.Errorf("entry at %v by %s as %s is in village %s, which the gap report suppresses", e.OccurredAt, e.MemberCode, scope.User, e.VillageCode)
				}
			}
			for team, k := range eligible {
				if perTeam[team] != k {
					t.Errorf("team %s as %s: %d entries, want %d (n=%d, drawn from the villages shown)", team, scope.User, perTeam[team], k, n)
				}
			}
		})
	}

	t.Run("household access", func(t *testing.T) {
		es, sw, err := reports.DiarySample(ctx, gisHH, coverage.DiaryQuery{Query: coverage.Query{From: w.From, To: w.To}, N: n, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if sw != w || len(es) != len(exact) {
			t.Fatalf("diary sample as gis with household access: %d entries over %v, want the exact %d over %v", len(es), sw, len(exact), w)
		}
		for i := range es {
			if es[i].VisitID != exact[i].VisitID || es[i].Household != exact[i].Household {
				t.Errorf("entry %d as gis with household access: %s household %q, want the exact %s household %q",
					i, es[i].VisitID, es[i].Household, exact[i].VisitID, exact[i].Household)
			}
		}
	})

	t.Run("leader, own town", func(t *testing.T) {
		es, sw, err := reports.DiarySample(ctx, leader, coverage.DiaryQuery{Query: coverage.Query{From: asked.From, To: asked.To}, N: n, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if sw != asked {
			t.Errorf("diary sample as leader covers %v, want the window asked %v", sw, asked)
		}
		var withHousehold int
		for _, e := range es {
			if e.Household != "" {
				withHousehold++
			}
		}
		if len(es) == 0 || withHousehold == 0 {
			t.Errorf("diary sample as leader of town %s: %d entries, %d with a household; want the own town's entries with their households",
				towns[0].Code, len(es), withHousehold)
		}
	})
}

// Towns without activity and projects without visit, as a planner: a town
// whose members wrote entries only in villages the gap report suppresses is
// without activity, and a key enterprise visited only there is without
// visit, as the summary's totals (which leave those entries out) say; with
// household access both were visited.
func TestTownsWithoutActivityLeaveOutSuppressedVillages(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, small, reports := c.s, c.conn, c.w, c.small, c.reports
	system := lianxin.SystemScope()
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	quiet := towns[1].Code
	// The town's members keep only their entries in its small village.
	if _, err := conn.Exec(ctx, `
		DELETE FROM visits v WHERE v.town_id = (SELECT id FROM towns WHERE code = $1)
		  AND coalesce(v.village_id, (SELECT h.village_id FROM households h WHERE h.id = v.household_id), 0)
		      <> (SELECT id FROM villages WHERE code = $2)`, quiet, small[quiet]); err != nil {
		t.Fatal(err)
	}
	// A key enterprise of another town, visited in the window, gets all its
	// visits moved into that town's small village.
	var project string
	if err := conn.QueryRow(ctx, `
		WITH p AS (
			SELECT p.id, p.code, t.code AS town FROM projects p JOIN towns t ON t.id = p.town_id
			WHERE p.kind = 'key_enterprise' AND t.code <> $1
			  AND EXISTS (SELECT 1 FROM visits v WHERE v.project_id = p.id AND v.occurred_at >= $2 AND v.occurred_at < $3)
			ORDER BY p.code LIMIT 1)
		, moved AS (
			UPDATE visits v SET village_id = (SELECT id FROM villages WHERE code = ($4::jsonb ->> p.town))
			FROM p WHERE v.project_id = p.id)
		SELECT code FROM p`, quiet, w.From, w.To, mustJSON(t, small)).Scan(&project); err != nil {
		t.Fatalf("set-up: move a key enterprise's visits into a small village: %v", err)
	}
	planner, _, gisHH, _ := testRoles(0)
	for _, tc := range []struct {
		name     string
		scope    lianxin.Scope
		town     string
		inactive bool
	}{
		{"planner, county", planner, "", true},
		{"planner, the town", planner, quiet, true},
		{"household access, county", gisHH, "", false},
		{"household access, the town", gisHH, quiet, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := reports.Summary(ctx, tc.scope, coverage.Query{Town: tc.town, From: w.From, To: w.To})
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(sum.Checks.TownsWithoutActivity, quiet); got != tc.inactive {
				t.Errorf("summary %q as %s: town %s (entries only in suppressed village %s) without activity %v, want %v; list %v",
					tc.town, tc.scope.User, quiet, small[quiet], got, tc.inactive, sum.Checks.TownsWithoutActivity)
			}
			if got := slices.Contains(sum.Checks.ProjectsWithoutVisit, project); tc.town == "" && got != tc.inactive {
				t.Errorf("summary as %s: key enterprise %s (visited only in a suppressed village) without visit %v, want %v",
					tc.scope.User, project, got, tc.inactive)
			}
			if tc.inactive && sum.Visits != 0 && tc.town == quiet {
				t.Errorf("summary of town %s as %s: %d visits, want 0 (its entries are all in a suppressed village)", quiet, tc.scope.User, sum.Visits)
			}
		})
	}
}

// Across the two hierarchies: the planner's cells' visits less town
// summaries. Cells cross town boundaries, so the attack needs a set of
// cells holding the entries of a set of towns and no other: the towns
// linked by sharing a cell (by where the entries were made) form such
// groups, at each resolution a planner may ask for (resolution 6 and 7
// join every demo town into one group; 8 cuts some off). Cells and
// summaries both leave out the villages the gap report suppresses
// (migration 023), so each group's published cells less its towns'
// summaries give only the entries of villages shown in cells too small to
// publish and those without a location (negative), never a suppressed
// village's visits, which were there to find.
func TestCellsLessSummariesGiveNoSuppressedVillage(t *testing.T) {
	ctx := context.Background()
	c := newShrunkCounty(t)
	s, conn, w, reports := c.s, c.conn, c.w, c.reports
	system := lianxin.SystemScope()
	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}

	gaps, _, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: coverage.Query{From: w.From, To: w.To}, All: true})
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
	hiddenVisits := map[string]int64{} // by town
	var leaveOut []int32
	for _, g := range gaps {
		if g.Suppressed {
			v := exactByCode[g.VillageCode]
			hiddenVisits[g.TownCode] += v.Visits
			leaveOut = append(leaveOut, v.VillageID)
		}
	}
	if len(leaveOut) == 0 {
		t.Fatal("set-up: no village suppressed")
	}
	summaries := map[string]int64{}
	towns, err := s.Towns(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	for _, tw := range towns {
		sum, err := reports.Summary(ctx, planner, coverage.Query{Town: tw.Code, From: w.From, To: w.To})
		if err != nil {
			t.Fatal(err)
		}
		summaries[tw.Code] = sum.Visits
	}

	// Where every town's entries were made, and those without a location
	// (not left out), by town.
	type cellTown struct {
		cell int64
		town string
	}
	rows, err := conn.Query(ctx, `SELECT DISTINCT d.cell, t.code FROM coverage_visit_days d JOIN towns t ON t.id = d.town_id
		WHERE d.cell <> 0 AND d.day >= $1 AND d.day < $2`, w.From, w.To)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cellTown, error) {
		var c cellTown
		err := r.Scan(&c.cell, &c.town)
		return c, err
	})
	if err != nil {
		t.Fatal(err)
	}
	unlocated := map[string]int64{}
	rows, err = conn.Query(ctx, `SELECT t.code, sum(d.visits) FROM coverage_visit_days d JOIN towns t ON t.id = d.town_id
		WHERE d.cell = 0 AND d.day >= $1 AND d.day < $2 AND d.village_id <> ALL ($3) GROUP BY 1`, w.From, w.To, leaveOut)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var town string
		var n int64
		if err := rows.Scan(&town, &n); err != nil {
			t.Fatal(err)
		}
		unlocated[town] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	var found int64
	for res := coverage.MinCellResolution; res <= coverage.MaxPublishedResolution; res++ {
		published, _, err := coverage.PublishCells(ctx, s, planner, res, w, orb.Bound{}, "")
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.CountyCells(ctx, system, res, w, leaveOut)
		if err != nil {
			t.Fatal(err)
		}
		parent := map[string]string{}
		var find func(string) string
		find = func(x string) string {
			if p, ok := parent[x]; ok && p != x {
				parent[x] = find(p)
				return parent[x]
			}
			parent[x] = x
			return x
		}
		first := map[int64]string{}
		for _, e := range entries {
			p, err := geo.ParentCell(e.cell, res)
			if err != nil {
				t.Fatal(err)
			}
			if other, ok := first[p]; ok {
				parent[find(e.town)] = find(other)
			} else {
				first[p] = e.town
				find(e.town)
			}
		}
		groups := map[string][]string{}
		for town := range parent {
			groups[find(town)] = append(groups[find(town)], town)
		}
		cells, unpublished := map[string]int64{}, map[string]int64{} // by group
		shown := map[int64]bool{}
		for _, c := range published {
			shown[c.Cell] = true
			if town, ok := first[c.Cell]; ok {
				cells[find(town)] += c.Visits
			} else if c.Visits != 0 {
				t.Fatalf("res-%d cell %s: %d visits, and no entry was made in it", res, c.H3, c.Visits)
			}
		}
		for _, c := range all {
			if town, ok := first[c.Cell]; ok && !shown[c.Cell] {
				unpublished[find(town)] += c.Visits
			}
		}
		for g, members := range groups {
			var summed, lost, hidden int64
			for _, town := range members {
				summed += summaries[town]
				lost += unlocated[town]
				hidden += hiddenVisits[town]
			}
			found += hidden
			slices.Sort(members)
			if got, want := cells[g]-summed, -unpublished[g]-lost; got != want {
				t.Errorf("res %d, towns %v (sharing no cell with another town): their cells' visits %d less their summaries %d = %d, want %d (entries of villages shown in cells not published, %d, and without a location, %d); their suppressed villages have %d visits",
					res, members, cells[g], summed, got, want, unpublished[g], lost, hidden)
			}
		}
		t.Logf("res %d: %d groups of towns sharing no cell with another", res, len(groups))
	}
	if found == 0 {
		t.Fatal("the suppressed villages have no visits: the attack had nothing to find")
	}
}

// sameJSON reports whether the JSON value got is want's (a label may come
// back escaped: "\u003c10" is "<10").
func sameJSON(got json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(got, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && a == b
}
