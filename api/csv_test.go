package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"testing"
)

// The report CSVs keep codes whole in Excel (="…" cells, a formula Excel
// shows as text), plain with excel=false, and speak Chinese with lang=zh.
func TestReportCSVForExcel(t *testing.T) {
	h := reportServer(t)
	read := func(path string) [][]string {
		t.Helper()
		res, body := do(t, h, http.MethodGet, path, "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %.300s", path, res.StatusCode, body)
		}
		if !bytes.HasPrefix(body, []byte("\ufeff")) {
			t.Errorf("GET %s: no UTF-8 byte-order mark", path)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("GET %s: %d records, %v", path, len(recs), err)
		}
		return recs
	}
	col := func(recs [][]string, name string) int {
		t.Helper()
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %s in %v", name, recs[0])
		}
		return i
	}
	excelCell := regexp.MustCompile(`^="[0-9]{9,}"$`)
	plain := regexp.MustCompile(`^[0-9]{9,}$`)
	for _, tc := range []struct {
		path, column string
		cell         *regexp.Regexp
	}{
		{"/api/v1/reports/gaps?format=csv", "village_code", excelCell},
		{"/api/v1/reports/gaps?format=csv", "town_code", excelCell},
		{"/api/v1/reports/gaps?format=csv&excel=false", "village_code", plain},
		{"/api/v1/reports/forecast?format=csv", "village_code", excelCell},
		{"/api/v1/reports/diary-sample?format=csv&team=D01", "household", excelCell},
		{"/api/v1/reports/diary-sample?format=csv&team=D01", "village_code", excelCell},
	} {
		recs := read(tc.path)
		i := col(recs, tc.column)
		for _, r := range recs[1:] {
			if r[i] != "" && !tc.cell.MatchString(r[i]) {
				t.Errorf("GET %s: %s = %q, want it to match %s", tc.path, tc.column, r[i], tc.cell)
				break
			}
		}
	}
	// Counts and figures stay numbers.
	recs := read("/api/v1/reports/gaps?format=csv")
	if v := recs[1][col(recs, "resident_population")]; !plain.MatchString(v) && !regexp.MustCompile(`^[0-9]+$`).MatchString(v) {
		t.Errorf("gaps CSV resident_population = %q, want a plain number", v)
	}

	zh := read("/api/v1/reports/gaps?format=csv&lang=zh")
	// reached is "meets its rule" (a community: visited), never "one-third"
	// alone; coverage is the fraction, then the same as a percentage.
	reachedZh, fractionZh, percentZh := "达到考核要求（农村：达三分之一；社区：已走访）", "覆盖率（比例 0–1）", "覆盖率（%）"
	for _, h := range []string{"排名", "村代码", reachedZh, fractionZh, percentZh, "未走访特殊群体户.贫困户", "待走访特殊群体（各类户数之和，一户可计多次）"} {
		if !slices.Contains(zh[0], h) {
			t.Errorf("gaps CSV lang=zh: header %v lacks %s", zh[0], h)
		}
	}
	if slices.Contains(zh[0], "达到三分之一") {
		t.Errorf("gaps CSV lang=zh: header %v calls reached 达到三分之一, which an urban community is not held to", zh[0])
	}
	if v := zh[1][slices.Index(zh[0], reachedZh)]; v != "否" && v != "是" {
		t.Errorf("gaps CSV lang=zh: reached = %q, want 是 or 否", v)
	}
	percentCell := regexp.MustCompile(`^[0-9]+\.[0-9]{2}%$`)
	if i := slices.Index(zh[0], percentZh); i >= 0 {
		if f, p := zh[1][slices.Index(zh[0], fractionZh)], zh[1][i]; f != "" && !percentCell.MatchString(p) {
			t.Errorf("gaps CSV lang=zh: coverage %q, percentage %q; want a percentage such as 15.52%%", f, p)
		}
	}
	// Every gap reason is worded: no English value in a Chinese file.
	reasons := slices.Index(zh[0], "缺口原因")
	if reasons < 0 {
		t.Errorf("gaps CSV lang=zh: header %v lacks 缺口原因", zh[0])
	}
	for _, r := range zh[1:] {
		if reasons >= 0 && !slices.Contains([]string{"未达三分之一", "无人口", "未走访", ""}, r[reasons]) {
			t.Errorf("gaps CSV lang=zh: gap reason %q of %s, want a Chinese reason", r[reasons], r[1])
		}
	}
	diary := read("/api/v1/reports/diary-sample?format=csv&team=D01&lang=zh")
	if v := diary[1][slices.Index(diary[0], "类型")]; !slices.Contains([]string{"入户走访", "企业走访", "项目现场走访", "村居座谈会", "宣传活动", "帮扶送达"}, v) {
		t.Errorf("diary sample lang=zh: kind = %q, want a Chinese kind", v)
	}
	for _, path := range []string{"/api/v1/reports/gaps?format=csv&lang=fr", "/api/v1/reports/gaps?format=csv&excel=maybe"} {
		if res, body := do(t, h, http.MethodGet, path, ""); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s = %d %.200s, want 400", path, res.StatusCode, body)
		}
	}
}
