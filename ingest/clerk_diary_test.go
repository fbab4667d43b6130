package ingest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/geo"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// What a town clerk's weekly files get wrong, refused row by row (each
// file imported with skip-invalid, so the good rows land) or read as
// meant: the same visit under another id, a village that is not the
// household's, a household visit with no place, Excel's scientific
// notation in a phone or ID number, full-width digits and letters from a
// Chinese input method. The good county's V01 is M01 at H0001 (village
// T01V01), 2026-03-05 14:30, 2 participants, at 120.021, 32.131.
func TestClerkFiles(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	cases := []struct {
		name, layer, file string
		want              ingest.Counts
		wantRejects       []string // line:field:code
		wantZH            map[int64]string
		query, wantRow    string
	}{
		{name: "the same visit under another id, a village not the household's, a household visit with no place",
			layer: "visits", file: "visits-same-entry.csv",
			want: ingest.Counts{Inserted: 3, Rejected: 4},
			wantRejects: []string{"2:external_id:same_entry", "4:external_id:same_entry_in_file",
				"5:village_code:village_not_households", "6:household_id:household_visit_no_place"},
			wantZH: map[int64]string{2: "与已有的日记“V01”是同一次走访", 4: "与第 3 行（日记编号“V10”）",
				5: "村代码：村居代码“T01V02”（双港社区）不是农户 H0001 所在的村居“T01V01”（庄家村）"},
			query: `SELECT string_agg(v.external_id || ':' || coalesce(g.code, '-'), ' ' ORDER BY v.external_id) FROM visits v
LEFT JOIN villages g ON g.id = v.village_id WHERE v.external_id IN ('V01-copy', 'V10', 'V11', 'V12', 'V13', 'V14', 'V15')`,
			wantRow: "V10:T01V01 V14:T01V01 V15:T01V01"},
		{name: "full-width id, codes, time, count and place are the stored entry's",
			layer: "visits", file: "visits-fullwidth.csv",
			want:  ingest.Counts{Unchanged: 1},
			query: `SELECT count(*)::text FROM visits WHERE external_id LIKE '%Ｖ%'`, wantRow: "0"},
		{name: "Excel's scientific phone and ID number refused, full-width residents and yes read",
			layer: "households", file: "households-excel-fullwidth.csv",
			want:        ingest.Counts{Updated: 1, Rejected: 1},
			wantRejects: []string{"3:phone:excel_scientific", "3:id_number:excel_scientific"},
			wantZH:      map[int64]string{3: "“1.38E+10”是被 Excel 改成科学计数法的长数字"},
			query: `SELECT h.residents || ' ' || h.poor || ' ' || p.phone FROM households h JOIN household_personal p ON p.household_id = h.id
WHERE h.external_id IN ('H0002', 'H0003') ORDER BY h.external_id`,
			wantRow: "4 true "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := importFile(t, st, tc.layer, filepath.Join("testdata/clerk", tc.file), ingest.Options{SkipInvalid: true, Lang: ingest.LangZH})
			if err != nil {
				t.Fatalf("import %s: %v", tc.file, err)
			}
			var got []string
			for _, r := range rec.Rejects {
				got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
			}
			for line, want := range tc.wantZH {
				if zh := strings.Join(zhOfLine(rec.Rejects, line), "; "); !strings.Contains(zh, want) {
					t.Errorf("%s line %d worded %q; want it to hold %q", tc.file, line, zh, want)
				}
			}
			if rec.Counts != tc.want || strings.Join(got, ",") != strings.Join(tc.wantRejects, ",") {
				t.Errorf("import %s: counts %+v rejects %v; want %+v rejects %v", tc.file, rec.Counts, got, tc.want, tc.wantRejects)
			}
			var row string
			if err := queryRow(url, tc.query, &row); err != nil {
				t.Fatal(err)
			}
			if row != tc.wantRow {
				t.Errorf("after importing %s: %s gives %q; want %q", tc.file, tc.query, row, tc.wantRow)
			}
		})
	}
}

// zhOfLine words every reject of a line in Chinese.
func zhOfLine(rs []ingest.RowError, line int64) []string {
	var out []string
	for _, r := range rs {
		if r.Line == line {
			out = append(out, ingest.ReasonZH(r))
		}
	}
	return out
}

// A point outside the county read with --crs gcj02 is refused naming the
// coordinates as the file gave them, not the converted ones.
func TestOutsideCountyAsGiven(t *testing.T) {
	l, _ := ingest.LookupLayer("households")
	s, closeFn, err := ingest.Open(context.Background(), l, ingest.Options{Path: "testdata/clerk/households-gcj-outside.csv", CRS: geo.CRSGCJ02}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	for s.Next() {
	}
	rs := s.Rejects()
	if len(rs) != 1 || rs[0].Code != ingest.CodeOutsideCounty || rs[0].Params["lon"] != 120.504 || rs[0].Params["lat"] != 32.07 ||
		rs[0].Params["crs"] != "gcj02" {
		t.Fatalf("rejects %+v; want one outside_county at lon 120.504, lat 32.07 as given, crs gcj02", rs)
	}
	if zh := ingest.ReasonZH(rs[0]); !strings.Contains(zh, "位置（120.504, 32.07）不在本县范围内（按 gcj02 坐标换算为 WGS84 是") {
		t.Errorf("outside_county worded %q; want the file's coordinates first", zh)
	}
}

// Skip-invalid with every row rejected is no success: recorded as
// rejected, with a message saying nothing was imported.
func TestSkipInvalidAllRejected(t *testing.T) {
	st, _ := storetest.New(t)
	loadCounty(t, st)
	rec, err := importFile(t, st, "visits", "testdata/clerk/visits-all-rejected.csv", ingest.Options{SkipInvalid: true})
	if err != nil || rec.Status != ingest.StatusRejected || !ingest.AllRejected(rec) ||
		!strings.Contains(rec.Message, "every row (1) rejected, nothing imported") {
		t.Fatalf("import of a file whose every row is rejected: status %q message %q (%v); want rejected, nothing imported", rec.Status, rec.Message, err)
	}
	if msg := ingest.Worded(ingest.LangZH, rec.FileName, ingest.AllRejectedError(rec)).Error(); !strings.Contains(msg, "全部 1 行都被拒绝，没有导入任何行") {
		t.Errorf("AllRejectedError in Chinese = %q; want 全部 1 行都被拒绝，没有导入任何行", msg)
	}
}

// A file that is not there is one clear problem, in Chinese under zh.
func TestMissingFile(t *testing.T) {
	st, _ := storetest.New(t)
	_, err := importFile(t, st, "visits", "testdata/clerk/nosuch.csv", ingest.Options{})
	ps := ingest.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Code != ingest.FileNotFound {
		t.Fatalf("import of a missing file: %v; want one file_not_found problem", err)
	}
	if msg := ingest.Worded(ingest.LangZH, "nosuch.csv", err).Error(); strings.Count(msg, "nosuch.csv") != 2 || !strings.Contains(msg, "找不到文件") || strings.Contains(msg, "no such") {
		t.Errorf("missing file in Chinese: %q; want 找不到文件 once, no English", msg)
	}
}
