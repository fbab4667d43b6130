package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/ingest"
	"lianxin/store"
)

// BenchmarkImportTownScope imports one town's households as the server's
// role, as a county-wide admin (no town checks) and as that town's team
// leader (town checks in the staging phase): the town's register re-sent
// unchanged, and as many new households. The difference between the two
// scopes is what the town checks cost.
func BenchmarkImportTownScope(b *testing.B) {
	_, url, _ := demotest.New(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var town int32
	var villages []string
	if err := conn.QueryRow(ctx, `SELECT town_id FROM households GROUP BY town_id ORDER BY count(*) DESC LIMIT 1`).Scan(&town); err != nil {
		b.Fatal(err)
	}
	rows, err := conn.Query(ctx, `SELECT code FROM villages WHERE town_id = $1 ORDER BY code`, town)
	if err != nil {
		b.Fatal(err)
	}
	if villages, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	register := filepath.Join(dir, "register.csv")
	n := writeTownRegister(b, conn, town, register)
	st, err := store.Open(ctx, url, store.Options{Role: "lianxin_app"})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	scopes := []struct {
		name  string
		scope lianxin.Scope
	}{
		{"admin", lianxin.Scope{User: "bench", Roles: []lianxin.Role{lianxin.RoleAdmin}, AllTowns: true}},
		{"leader", lianxin.Scope{User: "bench", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town}}},
	}
	for _, sc := range scopes {
		b.Run("unchanged/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				rec, err := ingest.Run(ctx, st, sc.scope, "bench", ingest.Options{Layer: "households", Path: register})
				if err != nil || rec.Unchanged != int64(n) {
					b.Fatalf("re-import of %d households as %s: %+v, %v; want all unchanged", n, sc.name, rec.Counts, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	for _, sc := range scopes {
		i := 0 // across the runs of the sub-benchmark: every file's ids are new
		b.Run("new/"+sc.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				i++
				path, _ := demotest.HouseholdsFile(b, url, villages, n, fmt.Sprintf("N%s%d_", sc.name, i))
				b.StartTimer()
				rec, err := ingest.Run(ctx, st, sc.scope, "bench", ingest.Options{Layer: "households", Path: path})
				if err != nil || rec.Inserted != int64(n) {
					b.Fatalf("import of %d new households as %s: %+v, %v; want all inserted", n, sc.name, rec.Counts, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// writeTownRegister writes town's households as a CSV that imports
// unchanged, and returns how many it wrote.
func writeTownRegister(b *testing.B, conn *pgx.Conn, town int32, path string) int {
	b.Helper()
	ctx := context.Background()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "external_id,village_code,residents,poor,seriously_ill,disabled,empty_nest,left_behind_children,community_correction,petition_case,lon,lat")
	rows, err := conn.Query(ctx, `SELECT h.external_id, v.code, h.residents, h.poor, h.seriously_ill, h.disabled, h.empty_nest,
  h.left_behind_children, h.community_correction, h.petition_case, ST_X(h.location), ST_Y(h.location)
FROM households h JOIN villages v ON v.id = h.village_id WHERE h.town_id = $1 ORDER BY h.id`, town)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id, village string
		var residents int
		var flags [7]bool
		var lon, lat float64
		if err := rows.Scan(&id, &village, &residents, &flags[0], &flags[1], &flags[2], &flags[3], &flags[4], &flags[5], &flags[6], &lon, &lat); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(w, "%s,%s,%d", id, village, residents)
		for _, fl := range flags {
			fmt.Fprintf(w, ",%v", fl)
		}
		fmt.Fprintf(w, ",%s,%s\n", fmtCoord(lon), fmtCoord(lat))
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	return n
}

// fmtCoord writes a coordinate exactly, so the re-import is unchanged.
func fmtCoord(v float64) string { return fmt.Sprintf("%.17g", v) }
