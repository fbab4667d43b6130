package demotest

import (
	"bufio"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// HouseholdsFile writes a households CSV of n rows over villages (codes),
// external ids prefix000000, prefix000001, …, for the tests that interrupt
// an import and run it again. It returns the file and the "count:md5" that
// HouseholdsChecksumSQL(prefix) must give once the rows have landed.
func HouseholdsFile(t testing.TB, villages []string, n int, prefix string) (path, checksum string) {
	t.Helper()
	if len(villages) == 0 {
		t.Fatal("no villages to import households into")
	}
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
		lon, lat := fmt.Sprintf("%.6f", 120.0+float64(i%997)*0.0002), fmt.Sprintf("%.6f", 32.05+float64(i%991)*0.0002)
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

// HouseholdsChecksumSQL sums up the households whose external id starts
// with prefix as they landed, in the form HouseholdsFile computes from its
// file (prefix is a test's constant, never user input).
func HouseholdsChecksumSQL(prefix string) string {
	return `SELECT count(*) || ':' || coalesce(md5(string_agg(h.external_id || '|' || v.code || '|' || h.residents || '|' ||
  round(ST_X(h.location)::numeric, 6) || '|' || round(ST_Y(h.location)::numeric, 6), E'\n' ORDER BY h.external_id COLLATE "C")), '')
FROM households h JOIN villages v ON v.id = h.village_id WHERE h.external_id LIKE '` + prefix + `%'`
}
