package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/privacy"
)

// A village's special_waiting (the sum over its groups) is hidden from a
// planner when the special-group households visited it implies are 1 to 10,
// even beside groups of 11 and more. It must then never read "<11": that is
// false, and the shown groups prove it. Hidden, it reads "≥" and the sum of
// the shown groups (which the planner can add up anyway) once that passes
// 10, else "hidden", the same in the gap report's JSON and CSV and the village panel; the
// exports write null and the priority counts the bound. The leader of the
// village's town sees the exact total.
func TestSpecialWaitingHiddenBeside(t *testing.T) {
	ctx := context.Background()
	s, url, _ := demotest.New(t)
	// One whole campaign week: the planner's window is the one asked.
	w := coverage.Window{From: day("2026-04-26"), To: day("2026-05-03")}

	// The village with most households unvisited in w that has a visited one.
	var villageID, townID int32
	var code, townCode string
	err := queryRow(ctx, url, `
		SELECT v.id, v.code, t.id, t.code FROM villages v JOIN towns t ON t.id = v.town_id
		JOIN LATERAL (
			SELECT count(*) FILTER (WHERE NOT seen) AS unvisited, count(*) FILTER (WHERE seen) AS visited
			FROM (SELECT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $1 AND x.occurred_at < $2) AS seen
			      FROM households h WHERE h.village_id = v.id) s) c ON true
		WHERE c.visited >= 2 ORDER BY c.unvisited DESC, v.code LIMIT 1`,
		[]any{w.From, w.To}, &villageID, &code, &townID, &townCode)
	if err != nil {
		t.Fatalf("choose a village: %v", err)
	}
	ids := func(visited bool) []int64 {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT id FROM households h WHERE village_id = $1 AND
			EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id AND x.occurred_at >= $2 AND x.occurred_at < $3) = $4 ORDER BY id`,
			villageID, w.From, w.To, visited)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	unvisited, visited := ids(false), ids(true)
	if len(unvisited) < 62 {
		t.Fatalf("village %s has %d households unvisited in %v, want at least 62", code, len(unvisited), w)
	}

	planner := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	leader := lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{townID}, HouseholdPoints: true}
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	// village_coverage holds every village (gaps only those in gap, and the
	// reported village is an urban community that has had visits).
	layer, err := export.LookupLayer("village_coverage")
	if err != nil {
		t.Fatal(err)
	}
	specialField := slices.IndexFunc(layer.Fields, func(f export.Field) bool { return f.Name == "special_unvisited" })
	if specialField < 0 {
		t.Fatalf("export layer village_coverage has no special_unvisited field: %v", layer.FieldNames())
	}

	type group struct {
		g                  coverage.Group
		unvisited, visited int
	}
	cases := []struct {
		name   string
		groups []group
		// want is the planner's special_waiting: a number, "hidden", or "≥"
		// (then the bound must be the sum of the shown groups, over 10).
		want  string
		exact int64 // the leader's
	}{
		{"the reported village: 15 of 16, 13, 25, 7 — one visited", []group{
			{coverage.Poor, 15, 1}, {coverage.Disabled, 13, 0}, {coverage.EmptyNest, 25, 0}, {coverage.LeftBehindChildren, 7, 0},
		}, "≥", 60},
		{"12 shown beside 3, 2 and 9 of 10 hidden", []group{
			{coverage.Poor, 12, 0}, {coverage.Disabled, 3, 0}, {coverage.LeftBehindChildren, 2, 0}, {coverage.EmptyNest, 9, 1},
		}, "≥", 26},
		{"12 of 13, 3, 2: every group hidden, the total small as far as anyone can see", []group{
			{coverage.Poor, 12, 1}, {coverage.Disabled, 3, 0}, {coverage.LeftBehindChildren, 2, 0},
		}, "hidden", 17},
		{"12, 3, 2, none visited: the total is shown", []group{
			{coverage.Poor, 12, 0}, {coverage.Disabled, 3, 0}, {coverage.LeftBehindChildren, 2, 0},
		}, "17", 17},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The village's special groups are exactly the case's, on
			// disjoint households.
			if _, err := exec(ctx, url, `UPDATE households SET poor = false, seriously_ill = false, disabled = false,
				empty_nest = false, left_behind_children = false, community_correction = false WHERE village_id = $1`, villageID); err != nil {
				t.Fatal(err)
			}
			u, v := unvisited, visited
			for _, g := range tc.groups {
				set := append(slices.Clone(u[:g.unvisited]), v[:g.visited]...)
				u, v = u[g.unvisited:], v[g.visited:]
				if _, err := exec(ctx, url, `UPDATE households SET `+pgx.Identifier{string(g.g)}.Sanitize()+` = true WHERE id = ANY ($1)`, set); err != nil {
					t.Fatal(err)
				}
			}

			q := coverage.Query{From: w.From, To: w.To}
			rows, gotW, err := reports.Gaps(ctx, planner, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			if gotW != w {
				t.Fatalf("planner's window %v, want the whole week asked %v", gotW, w)
			}
			i := slices.IndexFunc(rows, func(r coverage.GapRow) bool { return r.VillageCode == code })
			if i < 0 {
				t.Fatalf("village %s not in the planner's gap report", code)
			}
			row := rows[i]
			var shown int64
			for _, g := range coverage.Groups {
				if !row.SpecialUnvisited.Hidden(g) {
					shown += row.SpecialUnvisited.Get(g)
				}
			}
			b, err := json.Marshal(row)
			if err != nil {
				t.Fatal(err)
			}
			var asJSON struct {
				SpecialWaiting any `json:"special_waiting"`
			}
			if err := json.Unmarshal(b, &asJSON); err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(asJSON.SpecialWaiting)
			switch want := tc.want; want {
			case "≥":
				if shown <= privacy.SmallCountMax || got != want+strconv.FormatInt(shown, 10) {
					t.Fatalf("village %s groups %s: special_waiting %q, want %q and the shown groups' sum %d over 10",
						code, mustJSON(t, row.SpecialUnvisited), got, "≥"+strconv.FormatInt(shown, 10), shown)
				}
			default:
				if got != want {
					t.Fatalf("village %s groups %s: special_waiting %q, want %q", code, mustJSON(t, row.SpecialUnvisited), got, want)
				}
			}
			if got == "<11" {
				t.Errorf("special_waiting %q beside shown groups totalling %d: a label no count reads any more", got, shown)
			}
			var back coverage.GapRow
			if err := json.Unmarshal(b, &back); err != nil || back.SpecialWaiting.Bound() != row.SpecialWaiting.Bound() {
				t.Errorf("gap row %s reads back as %+v (%v), want special_waiting %+v", b, back.SpecialWaiting, err, row.SpecialWaiting)
			}

			// The CSV and the village panel say the same.
			var buf bytes.Buffer
			if err := coverage.WriteCSV(&buf, rows); err != nil {
				t.Fatal(err)
			}
			records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := slices.Index(records[0], "special_waiting")
			if col < 0 || records[i+1][slices.Index(records[0], "village_code")] != code || records[i+1][col] != got {
				t.Errorf("CSV row %v, want special_waiting %q", records[i+1], got)
			}
			panel, err := reports.Village(ctx, planner, code, q)
			if err != nil {
				t.Fatal(err)
			}
			if pb, _ := json.Marshal(panel.SpecialWaiting); string(pb) != string(mustJSON(t, row.SpecialWaiting)) || panel.Priority != row.Priority {
				t.Errorf("village panel special_waiting %s priority %v, gap report %s priority %v", pb, panel.Priority,
					mustJSON(t, row.SpecialWaiting), row.Priority)
			}

			// The export: null when hidden, with the report's priority.
			from, to := w.From, w.To
			var exported []any
			if _, err := s.ExportRows(ctx, planner, layer, export.Filter{From: &from, To: &to}, export.Page{}, func(r *export.Row) error {
				if slices.Contains(r.Values, any(code)) {
					exported = r.Values
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			wantExport := any(nil)
			if !row.SpecialWaiting.Hidden {
				wantExport = row.SpecialWaiting.N
			}
			if exported == nil {
				t.Errorf("village %s not in the planner's village_coverage export", code)
			} else if fmt.Sprint(exported[specialField]) != fmt.Sprint(wantExport) {
				t.Errorf("export row %v: special_unvisited %v, want %v", exported, exported[specialField], wantExport)
			}

			// The leader of the village's town counts it exactly.
			own, _, err := reports.Gaps(ctx, leader, coverage.GapQuery{Query: q, All: true})
			if err != nil {
				t.Fatal(err)
			}
			j := slices.IndexFunc(own, func(r coverage.GapRow) bool { return r.VillageCode == code })
			if j < 0 || own[j].SpecialWaiting != privacy.Shown(tc.exact) || own[j].SpecialUnvisited.AnyHidden() {
				t.Errorf("leader of town %s: village %s special_waiting %+v, want exactly %d with every group shown",
					townCode, code, own[max(j, 0)].SpecialWaiting, tc.exact)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
