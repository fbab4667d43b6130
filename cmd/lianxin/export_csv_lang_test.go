package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// `lianxin export --lang --excel` writes the CSV the GIS staff download
// with lang and excel: the same bytes as the API's answer for the same
// layer and options (one code path, api.ExportCSV), Chinese column names
// for zh, each code cell as ="…" for Excel; and refuses what the API
// refuses (another format, an unknown language).
func TestExportCSVLangExcel(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{Logger: quiet, Health: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quiet})}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	lianxinExport := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"export"}, args...), "--database-url", url, "--log-level", "warn"), func(string) string { return "" }, &out, &out)
		return out.String(), err
	}
	for _, tc := range []struct {
		name  string
		flags []string
		query string
		check func(t *testing.T, csv string)
	}{
		{"plain", nil, "", func(t *testing.T, csv string) {
			if !strings.Contains(firstLine(csv), "code") || strings.Contains(csv, `="`) {
				t.Errorf("plain CSV: header %q, want English names and no Excel formulas", firstLine(csv))
			}
		}},
		{"Chinese", []string{"--lang", "zh"}, "&lang=zh", func(t *testing.T, csv string) {
			h := firstLine(csv)
			if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(h, "代码") || strings.Contains(h, ",code,") || strings.Contains(csv, `="`) {
				t.Errorf("--lang zh: header %q, want a BOM and Chinese column names (代码), no Excel formulas", h)
			}
		}},
		{"Excel", []string{"--excel"}, "&excel=true", func(t *testing.T, csv string) {
			if !strings.HasPrefix(csv, "\ufeff") || !strings.Contains(firstLine(csv), "code") || !strings.Contains(csv, `"=""`) {
				t.Errorf("--excel: %.200q, want a BOM, English names and code cells as =\"…\"", csv)
			}
		}},
		{"Chinese for Excel", []string{"--lang", "zh", "--excel=true"}, "&lang=zh&excel=true", func(t *testing.T, csv string) {
			if !strings.Contains(firstLine(csv), "代码") || !strings.Contains(csv, `"=""`) {
				t.Errorf("--lang zh --excel: %.200q, want Chinese names and code cells as =\"…\"", csv)
			}
		}},
		{"Excel asked off", []string{"--excel=false"}, "&excel=false", func(t *testing.T, csv string) {
			if strings.Contains(csv, `="`) {
				t.Errorf("--excel=false: %.200q, want no Excel formulas", csv)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".csv")
			if out, err := lianxinExport(append([]string{"villages", "--format", "csv", "-o", path}, tc.flags...)...); err != nil {
				t.Fatalf("lianxin export villages %s: %v\n%s", strings.Join(tc.flags, " "), err, out)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.Get(srv.URL + "/api/v1/export/villages?format=csv" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET villages?format=csv%s = %d %.300s", tc.query, res.StatusCode, want)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("lianxin export villages %s wrote %d bytes (%.120q…), the API's villages?format=csv%s sends %d (%.120q…): want the same file",
					strings.Join(tc.flags, " "), len(got), got, tc.query, len(want), want)
			}
			tc.check(t, string(got))
		})
	}

	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"Chinese names for a GeoPackage", []string{"--format", "gpkg", "--lang", "zh"}, "lang: only format=csv takes it"},
		{"Excel cells for a shapefile", []string{"--format", "shp", "--excel=false"}, "excel: only format=csv takes it"},
		{"an unknown language", []string{"--format", "csv", "--lang", "fr"}, `lang "fr": want en or zh`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "refused")
			out, err := lianxinExport(append([]string{"villages", "-o", path}, tc.flags...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("lianxin export villages %s: error %v (%s), want %q", strings.Join(tc.flags, " "), err, out, tc.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("lianxin export villages %s was refused but left %s (%v)", strings.Join(tc.flags, " "), path, err)
			}
		})
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
