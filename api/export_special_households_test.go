package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// The gaps and village_coverage exports (and their OGC collections) carry
// special_waiting_households, each special-group household once, with the
// gap report's values for the same caller: a planner reads through GDAL the
// number the report shows, and an empty (null) field where the report
// withholds it.
func TestExportSpecialWaitingHouseholdsIsTheGapReports(t *testing.T) {
	st, _, _ := demotest.New(t)
	scope := lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, Reports: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	var report struct {
		Rows []struct {
			VillageCode string `json:"village_code"`
			Households  any    `json:"special_waiting_households"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/api/v1/reports/gaps?all=true", http.StatusOK), &report); err != nil {
		t.Fatal(err)
	}
	// want: the report's number as GDAL prints it, "(null)" when withheld.
	want := map[string]string{}
	withheld := 0
	for _, r := range report.Rows {
		switch v := r.Households.(type) {
		case float64:
			want[r.VillageCode] = strconv.FormatInt(int64(v), 10)
		case string:
			want[r.VillageCode] = "(null)"
			withheld++
		default:
			t.Fatalf("gap report village %s: special_waiting_households %#v, want a number or a label", r.VillageCode, r.Households)
		}
	}
	if len(want) == 0 || withheld == 0 || withheld == len(want) {
		t.Fatalf("planner's gap report: %d villages, %d with special_waiting_households withheld; the test needs both kinds", len(want), withheld)
	}

	// The field as GDAL prints it: its name (spec_wt_hh in a .dbf), its
	// type (Integer or Integer64 as the values allow) and the value.
	feature := regexp.MustCompile(`(?m)^  code \(String\) = (\S+)$|^  (?:special_waiting_households|spec_wt_hh) \(Integer(?:64)?\) = (\S+)$`)
	for _, tc := range []struct{ layer, format string }{
		{"gaps", "gpkg"}, {"gaps", "shp"}, {"village_coverage", "gpkg"},
	} {
		t.Run(tc.layer+"."+tc.format, func(t *testing.T) {
			body := getBody(t, ts.URL+"/api/v1/export/"+tc.layer+"?format="+tc.format, http.StatusOK)
			ext := map[string]string{"shp": "zip"}[tc.format]
			if ext == "" {
				ext = tc.format
			}
			path := filepath.Join(t.TempDir(), tc.layer+"."+ext)
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.format == "shp" {
				path = "/vsizip/" + path // a zip of the shapefile and its fields.csv
				// The field dictionary names the field under its short name,
				// in English and Chinese, and says an empty one is withheld.
				dict, err := exec.Command("ogrinfo", "-ro", "-al", "-q", path+"/fields.csv").CombinedOutput()
				line := regexp.MustCompile(`(?s)shapefile_field \(String\) = spec_wt_hh\n.*?\n\n`).Find(dict)
				for _, want := range []string{"field (String) = special_waiting_households", "each counted once", "withheld by the privacy rules", "每户计一次", "按隐私规则不公布"} {
					if err != nil || !strings.Contains(string(line), want) {
						t.Errorf("%s.%s fields.csv: line of spec_wt_hh %q (%v), want it to hold %q", tc.layer, tc.format, line, err, want)
					}
				}
			}
			out, err := exec.Command("ogrinfo", "-ro", "-al", "-q", "-nogeomtype", path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%.2000s", tc.layer, err, out)
			}
			got := map[string]string{}
			code := ""
			for _, m := range feature.FindAllStringSubmatch(string(out), -1) {
				if m[1] != "" {
					code = m[1]
					continue
				}
				got[code] = m[2]
			}
			if len(got) == 0 {
				t.Fatalf("%s.%s read by ogrinfo: no special_waiting_households field:\n%.3000s", tc.layer, tc.format, out)
			}
			// gaps holds the villages in gap, village_coverage every one.
			nulls := 0
			for v, g := range got {
				if w, ok := want[v]; !ok || g != w {
					t.Errorf("%s.%s village %s: special_waiting_households %s, want the planner's gap report's %q (listed %v)",
						tc.layer, tc.format, v, g, w, ok)
				}
				if g == "(null)" {
					nulls++
				}
			}
			if nulls == 0 {
				t.Errorf("%s.%s: no village with special_waiting_households withheld; the report withholds %d", tc.layer, tc.format, withheld)
			}
			if tc.layer == "village_coverage" && len(got) != len(want) {
				t.Errorf("%s.%s: %d villages, the gap report with all=true %d", tc.layer, tc.format, len(got), len(want))
			}
		})
	}

	// The OGC collection is the same rows.
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(getBody(t, ts.URL+"/ogc/collections/gaps/items?limit=5000", http.StatusOK), &fc); err != nil {
		t.Fatal(err)
	}
	for _, f := range fc.Features {
		code, _ := f.Properties["code"].(string)
		v, present := f.Properties["special_waiting_households"]
		g := "(absent)"
		switch {
		case present && v == nil:
			g = "(null)"
		case present:
			g = strconv.FormatFloat(v.(float64), 'f', -1, 64)
		}
		if w := want[code]; g != w {
			t.Errorf("OGC gaps village %s: special_waiting_households %s, want the gap report's %s", code, g, w)
		}
	}
}
