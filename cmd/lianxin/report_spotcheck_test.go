package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
)

// TestReportSpotCheckRanking: `lianxin report spot-check-ranking` writes
// the API's ranking CSV byte for byte (Chinese headers, the UTF-8 BOM),
// of the teams and, with --team, of that team's members, with the results
// recorded counted.
func TestReportSpotCheckRanking(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	system := lianxin.SystemScope()
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Health: st, DefaultScope: &system, Reports: st}))
	t.Cleanup(srv.Close)
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
			args := append([]string{"report", "spot-check-ranking", "--database-url", url, "--log-level", "warn", "--format", "csv", "--lang", "zh"}, tc.flags...)
			var out, errOut bytes.Buffer
			if err := run(ctx, args, func(string) string { return "" }, &out, &errOut); err != nil {
				t.Fatalf("run(%q) = %v\n%s", args, err, errOut.String())
			}
			res, err := http.Get(srv.URL + "/api/v1/reports/spot-check-ranking?format=csv&lang=zh" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			want, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("run(%q) wrote %.300q; the API (%d) %.300q", args, out.Bytes(), res.StatusCode, want)
			}
			header, rows := readCSV(t, out.Bytes())
			if !bytes.HasPrefix(out.Bytes(), []byte("\ufeff")) || slices.Contains(header, "工作队名称") != tc.teams || !slices.Contains(header, "抽查条数") {
				t.Fatalf("run(%q): header %q, want the BOM, 抽查条数, and the team's name %v", args, header, tc.teams)
			}
			checked := slices.Index(header, "抽查条数")
			if len(rows) == 0 || rows[0][checked] != "2" && rows[0][checked] != "1" {
				t.Errorf("run(%q): first row %q, want the team (or member) with results first", args, rows[0])
			}
		})
	}
}
