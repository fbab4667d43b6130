package demotest

import (
	"bufio"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// HouseholdsFile writes a households CSV of n rows over villages (codes of
// the database at url), external ids prefix000000, prefix000001, …, for the
// tests that interrupt an import and run it again. Row i is in village
// villages[i%len(villages)], its point drawn inside that village's boundary
// (ST_GeneratePoints, seeded: the same file every time), as an import
// requires. It returns the file and the "count:md5" that
// HouseholdsChecksumSQL(prefix) must give once the rows have landed.
func HouseholdsFile(t testing.TB, url string, villages []string, n int, prefix string) (path, checksum string) {
	t.Helper()
	if len(villages) == 0 {
		t.Fatal("no villages to import households into")
	}
	points := villagePoints(t, url, villages, n)
	path = filepath.Join(t.TempDir(), "households.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "external_id,village_code,residents,lon,lat")
	lines := make([]string, 0, n)
	for i := range n {
		id, village, residents := fmt.Sprintf("%s%06d", prefix, i), villages[i%len(villages)], 1+i%6
		p := points[i%len(villages)][i/len(villages)]
		lon, lat := fmt.Sprintf("%.6f", p[0]), fmt.Sprintf("%.6f", p[1])
		fmt.Fprintf(w, "%s,%s,%d,%s,%s\n", id, village, residents, lon, lat)
		lines = append(lines, fmt.Sprintf("%s|%s|%d|%s|%s", id, village, residents, lon, lat))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	sum := md5.Sum([]byte(strings.Join(lines, "\n")))
	return path, fmt.Sprintf("%d:%s", n, hex.EncodeToString(sum[:]))
}

// villagePoints draws, for each of villages, as many points inside its
// boundary as HouseholdsFile gives it rows (n spread round-robin), as
// lon, lat pairs in the order the rows take them.
func villagePoints(t testing.TB, url string, villages []string, n int) [][][2]float64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	counts := make([]int32, len(villages))
	for i := range n {
		counts[i%len(villages)]++
	}
	rows, err := conn.Query(ctx, `
		SELECT u.ord::int, ST_X(d.geom), ST_Y(d.geom)
		FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS u(code, k, ord)
		JOIN villages v ON v.code = u.code
		CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(v.boundary, u.k, 1)) d
		WHERE u.k > 0
		ORDER BY u.ord, d.path`, villages, counts)
	if err != nil {
		t.Fatalf("points in villages %v: %v", villages, err)
	}
	points := make([][][2]float64, len(villages))
	var ord int32
	var lon, lat pgtype.Float8
	if _, err := pgx.ForEachRow(rows, []any{&ord, &lon, &lat}, func() error {
		points[ord-1] = append(points[ord-1], [2]float64{lon.Float64, lat.Float64})
		return nil
	}); err != nil {
		t.Fatalf("points in villages %v: %v", villages, err)
	}
	for i, v := range villages {
		if len(points[i]) != int(counts[i]) {
			t.Fatalf("points in village %s: got %d, want %d (is it in the database?)", v, len(points[i]), counts[i])
		}
	}
	return points
}

// HouseholdsChecksumSQL sums up the households whose external id starts
// with prefix as they landed, in the form HouseholdsFile computes from its
// file (prefix is a test's constant, never user input).
func HouseholdsChecksumSQL(prefix string) string {
	return `SELECT count(*) || ':' || coalesce(md5(string_agg(h.external_id || '|' || v.code || '|' || h.residents || '|' ||
  round(ST_X(h.location)::numeric, 6) || '|' || round(ST_Y(h.location)::numeric, 6), E'\n' ORDER BY h.external_id COLLATE "C")), '')
FROM households h JOIN villages v ON v.id = h.village_id WHERE h.external_id LIKE '` + prefix + `%'`
}
