package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"lianxin/frontend/wordstest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// TestFileProblemCodes imports files refused as a whole (a header typo,
// columns that clash, no text, no rows, a truncated file) and checks that
// the refusal carries each problem's code and parameters — in the error's
// details, in the record and in the record read back — that the English
// message is as it was, and that the Chinese names the column and the line
// with no English left in it.
func TestFileProblemCodes(t *testing.T) {
	st, _ := storetest.New(t)
	cases := []struct {
		name, layer, file string
		body              []byte
		codes             []string // the problems' codes, in order
		params            string   // the first problem's parameters, as JSON
		en                string   // part of the English message
		zh                []string // parts of the Chinese
	}{
		{name: "header typo", layer: "visits", file: "badhdr.csv",
			body:   []byte("流水号,队员号,户编号,走访时间,走访类型\nR1V0009,M0017,3212991032010003,2026-11-20 10:00,入户走访\n"),
			codes:  []string{"unknown_column", "unknown_column", "missing_column", "missing_column"},
			params: `{"column":"流水号","position":1}`,
			en:     `badhdr.csv line 1 (header): unknown column "流水号"`,
			zh:     []string{"badhdr.csv：表头第 1 列“流水号”不是可识别的列名", "缺少必填列“日记编号”（也可写作 external_id、走访编号、记录编号、走访记录编号、日记号）"}},
		{name: "two columns give one field", layer: "visits", file: "twoid.csv",
			body:   []byte("走访编号,external_id,member_code\nX1,X1,M01\n"),
			codes:  []string{"ambiguous_columns"},
			params: `{"field":"external_id","first":"走访编号","second":"external_id"}`,
			en:     `columns "走访编号" and "external_id" both give external_id`,
			zh:     []string{"“走访编号”和“external_id”两列都表示 external_id：请只保留其中一列"}},
		{name: "empty", layer: "towns", file: "empty.csv", body: nil,
			codes: []string{"empty_file"}, params: `null`, en: "empty.csv is empty",
			zh: []string{"empty.csv：文件是空的"}},
		{name: "UTF-16", layer: "towns", file: "u16.csv", body: []byte{0xFF, 0xFE, 'c', 0, 'o', 0},
			codes: []string{"utf16"}, params: `null`, en: "is UTF-16",
			zh: []string{"文件是 UTF-16 编码"}},
		{name: "header only", layer: "towns", file: "hdr.csv", body: []byte("code,name,wkt\n"),
			codes: []string{"no_rows"}, params: `null`, en: "holds no rows",
			zh: []string{"文件里没有数据"}},
		{name: "truncated quote", layer: "towns", file: "cut.csv", body: []byte("code,name,wkt\nT01,东岳镇,\"POLYGON((120 32,\n"),
			codes: []string{"bad_quote"}, params: `{"line":2}`, en: "a truncated file",
			zh: []string{"第 2 行格式有误：文件被截断"}},
		{name: "truncated GeoJSON", layer: "towns", file: "cut.geojson", body: []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"T01"`),
			codes: []string{"truncated"}, params: `{"feature":1}`, en: "the file ends in the middle",
			zh: []string{"文件在第 1 个要素中途结束"}},
		{name: "not GeoJSON", layer: "towns", file: "no.geojson", body: []byte("code,name\n"),
			codes: []string{"not_geojson"}, params: `null`, en: "is not GeoJSON",
			zh: []string{"不是 GeoJSON"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(path, tc.body, 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := importFile(t, st, tc.layer, path, ingest.Options{})
			var le *lianxin.Error
			if !errors.As(err, &le) || le.Code != lianxin.EInvalid {
				t.Fatalf("import %s: error %v, want invalid", tc.file, err)
			}
			if !strings.Contains(le.Message, tc.en) {
				t.Errorf("import %s: message %q, want it to hold %q", tc.file, le.Message, tc.en)
			}
			stored, serr := st.Import(context.Background(), lianxin.SystemScope(), rec.ID)
			if serr != nil {
				t.Fatal(serr)
			}
			for where, ps := range map[string][]ingest.RowError{"error details": ingest.ProblemsOf(err), "record": rec.Problems, "record read back": stored.Problems} {
				var codes []string
				for _, p := range ps {
					codes = append(codes, p.Code)
				}
				if strings.Join(codes, ",") != strings.Join(tc.codes, ",") {
					t.Errorf("import %s, %s: problem codes %v, want %v", tc.file, where, codes, tc.codes)
					continue
				}
				if params, _ := json.Marshal(ps[0].Params); string(params) != tc.params {
					t.Errorf("import %s, %s: first problem's params %s, want %s", tc.file, where, params, tc.params)
				}
			}
			if len(stored.Rejects) != 0 {
				t.Errorf("import %s read back: %d rejected rows, want the problems only", tc.file, len(stored.Rejects))
			}
			zh := ingest.MessageZH(tc.file, stored.Problems)
			for _, w := range tc.zh {
				if !strings.Contains(zh, w) {
					t.Errorf("import %s: Chinese %q, want it to hold %q", tc.file, zh, w)
				}
			}
			for _, en := range []string{"column", "line", "file", "want"} {
				if strings.Contains(zh, en) {
					t.Errorf("import %s: Chinese %q holds the English %q", tc.file, zh, en)
				}
			}
		})
	}
}

// TestFileTypeCodes checks the problems of a file refused by its name.
func TestFileTypeCodes(t *testing.T) {
	for name, want := range map[string]string{"台账.xlsx": "workbook", "a.docx": "unknown_file_type"} {
		_, err := ingest.DetectFormat(name)
		ps := ingest.ProblemsOf(err)
		if len(ps) != 1 || ps[0].Code != want {
			t.Errorf("DetectFormat(%q): problems %+v, want one %s", name, ps, want)
		}
	}
}

// TestFileCodesWorded checks that every file code is worded in Chinese
// (ProblemZH) and in both languages of the web map (i18n.js,
// imp.problem.<code>).
func TestFileCodesWorded(t *testing.T) {
	for _, code := range ingest.FileCodes {
		zh := ingest.ProblemZH(ingest.RowError{Code: code, Reason: "THE ENGLISH REASON", Params: map[string]any{}})
		if zh == "" || strings.Contains(zh, "THE ENGLISH REASON") {
			t.Errorf("ProblemZH of code %s = %q, want Chinese words", code, zh)
		}
		if ingest.KnownCode(code) {
			t.Errorf("file code %s is also a row code", code)
		}
	}
	wordstest.CheckWorded(t, "imp.problem.", ingest.FileCodes)
}
