package api_test

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// A town's download is named for the town (its code in the plain name, its
// name too in filename*, UTF-8), never the county's name; the county's
// keeps the plain name (GIS staff review, fault 3).
func TestExportFileNamesNameTheTown(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, _ := twoTowns(t, st)
	ts := downloadServer(t, st, lianxin.SystemScope())
	for _, tc := range []struct {
		name, query     string
		plain, fullName string // filename and filename* as sent ("" none)
	}{
		{"county-wide", "village_coverage?format=csv&crs=EPSG:4490", "village_coverage_cgcs2000.csv", ""},
		{"one town", "village_coverage?format=gpkg&crs=EPSG:4490&town=" + mine.Code,
			"village_coverage_" + mine.Code + "_cgcs2000.gpkg", "village_coverage_" + mine.Code + "_" + mine.Name + "_cgcs2000.gpkg"},
		{"one town's gbk shapefile", "villages?format=shp&encoding=gbk&town=" + mine.Code,
			"villages_" + mine.Code + "_gbk.zip", "villages_" + mine.Code + "_" + mine.Name + "_gbk.zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d", tc.query, res.StatusCode)
			}
			cd := res.Header.Get("Content-Disposition")
			plain := regexp.MustCompile(`filename="?([^";]+)"?(;|$)`).FindStringSubmatch(cd)
			if plain == nil || plain[1] != tc.plain {
				t.Errorf("GET %s: Content-Disposition %q, want filename %q", tc.query, cd, tc.plain)
			}
			_, params, err := mime.ParseMediaType(cd) // filename* decoded, preferred
			want := tc.fullName
			if want == "" {
				want = tc.plain
			}
			if err != nil || params["filename"] != want {
				t.Errorf("GET %s: Content-Disposition %q reads as %q (%v), want %q", tc.query, cd, params["filename"], err, want)
			}
			if tc.fullName == "" && strings.Contains(cd, "filename*") {
				t.Errorf("GET %s: Content-Disposition %q: a county-wide file needs no filename*", tc.query, cd)
			}
		})
	}
}

// The layer CSVs take the report CSVs' lang and excel (GIS staff review,
// fault 1): lang=zh&excel=true is the file for Excel — Chinese header and
// values, every code cell made of digits as ="…" — while the default stays
// the plain file the README promises to GIS and the import.
func TestExportCSVForExcel(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, _ := twoTowns(t, st)
	ts := downloadServer(t, st, lianxin.SystemScope())
	read := func(query string) ([]byte, [][]string) {
		t.Helper()
		body := getBody(t, ts.URL+"/api/v1/export/"+query, http.StatusOK)
		if !bytes.HasPrefix(body, []byte("\ufeff")) {
			t.Fatalf("GET %s: no UTF-8 BOM: %.40q", query, body)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("GET %s: %v, %d records", query, err, len(recs))
		}
		return body, recs
	}
	base := "village_coverage?format=csv&town=" + mine.Code
	plainBody, plain := read(base)
	zhBody, zh := read(base + "&lang=zh&excel=true")
	if len(plain) != len(zh) {
		t.Fatalf("rows: plain %d, zh %d; want the same", len(plain), len(zh))
	}
	col := func(name string) int {
		for i, h := range plain[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("plain header %v lacks %s", plain[0], name)
		return -1
	}
	code, townCode, reached, gap := col("code"), col("town_code"), col("reached"), col("gap_reason")
	for i, want := range map[int]string{code: "代码", townCode: "乡镇代码", reached: "达到考核要求（农村：达三分之一；社区：已走访）", gap: "缺口原因", col("window_from"): "统计起始日"} {
		if zh[0][i] != want {
			t.Errorf("zh header %d = %q, want %q (plain %q)", i, zh[0][i], want, plain[0][i])
		}
	}
	gaps := 0
	for r := 1; r < len(plain); r++ {
		p, z := plain[r], zh[r]
		if !regexp.MustCompile(`^[0-9]{6,}$`).MatchString(p[code]) {
			t.Fatalf("row %d: plain code %q, want digits (the default is plain)", r, p[code])
		}
		if z[code] != `="`+p[code]+`"` || z[townCode] != `="`+p[townCode]+`"` {
			t.Errorf("row %d: zh codes %q %q, want =\"%s\" and =\"%s\"", r, z[code], z[townCode], p[code], p[townCode])
		}
		wantReached := map[string]string{"true": "是", "false": "否", "": ""}[p[reached]]
		if p[reached] != "true" && p[reached] != "false" && p[reached] != "" || z[reached] != wantReached {
			t.Errorf("row %d: reached plain %q zh %q, want true/false and 是/否", r, p[reached], z[reached])
		}
		if p[gap] != "" {
			gaps++
			if want := map[string]string{"below_one_third": "未达三分之一", "no_population": "无人口", "no_visit": "未走访"}[p[gap]]; z[gap] != want {
				t.Errorf("row %d: gap_reason %q in Chinese %q, want %q", r, p[gap], z[gap], want)
			}
		}
	}
	if gaps == 0 {
		t.Errorf("no village of town %s in gap: the test checks no gap_reason", mine.Code)
	}
	// The bytes Excel reads: the formula quoted as CSV quotes it.
	if !bytes.Contains(zhBody, []byte(`"=""`+plain[1][code]+`"""`)) {
		t.Errorf("zh CSV lacks the cell \"=\"\"%s\"\"\" for Excel", plain[1][code])
	}
	if bytes.Contains(plainBody, []byte(`=""`)) {
		t.Errorf("the plain CSV holds a formula; want plain values for scripts")
	}
	// excel=true alone keeps the English header.
	if _, ex := read(base + "&excel=true"); ex[0][code] != "code" || ex[1][code] != `="`+plain[1][code]+`"` {
		t.Errorf("excel=true: header %q, first code %q; want English and =\"…\"", ex[0][code], ex[1][code])
	}

	for _, tc := range []struct{ query, field, reason string }{
		{"village_coverage?format=gpkg&lang=zh", "lang", export.ReasonCSVOnly},
		{"village_coverage?format=geojson&excel=true", "excel", export.ReasonCSVOnly},
	} {
		body := getBody(t, ts.URL+"/api/v1/export/"+tc.query, http.StatusBadRequest)
		if !strings.Contains(string(body), `"reason":"`+tc.reason+`"`) || !strings.Contains(string(body), `"field":"`+tc.field+`"`) {
			t.Errorf("GET %s: %s, want reason %s on %s", tc.query, body, tc.reason, tc.field)
		}
	}
	getBody(t, ts.URL+"/api/v1/export/village_coverage?format=csv&lang=fr", http.StatusBadRequest)
}
