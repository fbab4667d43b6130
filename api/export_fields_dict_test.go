package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A shapefile zip's fields.csv gives each field's type as the .dbf holds it
// (GDAL reading the file says the same: a count is Integer (9.0) there,
// not Integer64), and says that an empty figure of a coverage layer is
// withheld by the privacy rules, not zero (GIS staff review, nits 2, 13).
func TestShapefileDictionarySaysWhatTheDBFHolds(t *testing.T) {
	ts, _, _ := exportServer(t)
	for _, tc := range []struct {
		layer    string
		withheld []string // fields whose descriptions must say empty is withheld
	}{
		{"village_coverage", []string{"special_unvisited", "households"}},
		{"h3_cells", []string{"special_unvisited"}},
		{"villages", nil},
	} {
		t.Run(tc.layer, func(t *testing.T) {
			body := getBody(t, ts.URL+"/api/v1/export/"+tc.layer+"?format=shp", 200)
			path := filepath.Join(t.TempDir(), tc.layer+".zip")
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", "/vsizip/"+path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			// GDAL's "name: Integer (9.0)" lines.
			gdal := map[string]string{}
			for _, m := range regexp.MustCompile(`(?m)^(\w+): (\w+ \([0-9.]+\)|Date)$`).FindAllStringSubmatch(string(out), -1) {
				gdal[m[1]] = m[2]
			}
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			var dict []byte
			for _, f := range zr.File {
				if f.Name == "fields.csv" {
					rc, _ := f.Open()
					dict, _ = io.ReadAll(rc)
					rc.Close()
				}
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(dict, []byte("\ufeff")))).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("fields.csv: %v\n%s", err, dict)
			}
			byField := map[string][]string{}
			for _, r := range rows[1:] {
				byField[r[1]] = r
				if want, ok := gdal[r[0]]; ok && r[2] != want {
					t.Errorf("%s fields.csv: %s (%s) type %q, GDAL reads the .dbf as %q", tc.layer, r[0], r[1], r[2], want)
				}
				if _, ok := gdal[r[0]]; !ok {
					t.Errorf("%s fields.csv: field %s, which ogrinfo does not list:\n%s", tc.layer, r[0], out)
				}
			}
			for _, f := range tc.withheld {
				r := byField[f]
				if r == nil || !strings.Contains(r[3], "withheld by the privacy rules") || !strings.Contains(r[4], "按隐私规则不公布") {
					t.Errorf("%s fields.csv %s: %q, want it to say empty is withheld by the privacy rules (en and zh)", tc.layer, f, r)
				}
			}
		})
	}
}
