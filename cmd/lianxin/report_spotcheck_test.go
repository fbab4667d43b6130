package main

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
)

// TestReportSpotCheckRanking: `lianxin report spot-check-ranking` writes
// the API's ranking CSV byte for byte (Chinese headers, the UTF-8 BOM),
// of the teams and, with --team, of that team's members, with the results
// recorded counted.
func TestReportSpotCheckRanking(t *testing.T) {
	ctx := context.Background()
	f := newReportFixture(t)
	st, system := f.st, lianxin.SystemScope()
	// Two results for entries of one team, straight into the table.
	var team string
	if err := st.InScope(ctx, system, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT tm.code FROM teams tm ORDER BY tm.code LIMIT 1`).Scan(&team); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO spot_checks (visit_id, town_id, round, verdict, score, checked_by)
			SELECT v.id, v.town_id, 1, CASE WHEN row_number() OVER () = 1 THEN 'ok' ELSE 'failed' END, 70, 'cli-test'
			FROM visits v JOIN members m ON m.id = v.member_id JOIN teams tm ON tm.id = m.team_id
			WHERE tm.code = $1 ORDER BY v.id LIMIT 2`, team)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		flags       []string
		teams       bool // a table of teams (with their names), not of members
	}{
		{"teams", "", nil, true},
		{"members of a team", "&team=" + team, []string{"--team", team}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--format", "csv", "--lang", "zh"}, tc.flags...)
			out, errOut, err := f.report(t, "spot-check-ranking", args...)
			if err != nil {
				t.Fatalf("report spot-check-ranking %q = %v\n%s", args, err, errOut)
			}
			status, want := f.get(t, "/api/v1/reports/spot-check-ranking?format=csv&lang=zh"+tc.query)
			if status != 200 || !bytes.Equal(out, want) {
				t.Fatalf("report spot-check-ranking %q wrote %.300q; the API (%d) %.300q", args, out, status, want)
			}
			header, rows := readCSV(t, out)
			if !bytes.HasPrefix(out, []byte("\ufeff")) || slices.Contains(header, "工作队名称") != tc.teams || !slices.Contains(header, "抽查条数") {
				t.Fatalf("report spot-check-ranking %q: header %q, want the BOM, 抽查条数, and the team's name %v", args, header, tc.teams)
			}
			checked := slices.Index(header, "抽查条数")
			if len(rows) == 0 || rows[0][checked] != "2" && rows[0][checked] != "1" {
				t.Errorf("report spot-check-ranking %q: first row %q, want the team (or member) with results first", args, rows[0])
			}
		})
	}
}
