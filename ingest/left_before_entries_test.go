package ingest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// The members import refuses a last day in the corps (离队日期) before the
// member's own latest diary entry, row by row, naming the line, the field
// (left_on), the entry's day and how many entries fall after the asked
// day; nothing of a refused file lands, a skip-invalid import lands the
// other rows, and a day on or after the latest entry, or the day already
// stored, is taken. The good county's diary: M01 on 2026-03-05 and -06,
// M02 on 2026-03-08.
func TestLeftBeforeEntriesByImport(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	const header = "队员代码,姓名,队代码,角色,离队日期\n"
	type reject struct {
		line          int64
		latest, after string
	}
	steps := []struct {
		name        string
		file        string
		skipInvalid bool
		want        ingest.Counts
		rejects     []reject
		left        string // M01's and M02's left_on afterwards, "-" none
	}{
		{name: "before both entries", file: header + "M01,贺志凤,D01,队长,2026-03-04\n",
			want: ingest.Counts{Rejected: 1}, rejects: []reject{{2, "2026-03-06", "2"}}, left: "-,-"},
		{name: "between the entries, with a good row that does not land either",
			file: header + "M02,郭林,D01,老同志,2026-03-09\nM01,贺志凤,D01,队长,2026-03-05\n",
			want: ingest.Counts{Rejected: 1}, rejects: []reject{{3, "2026-03-06", "1"}}, left: "-,-"},
		{name: "skip invalid lands the good row",
			file: header + "M02,郭林,D01,老同志,2026-03-09\nM01,贺志凤,D01,队长,2026-03-05\n", skipInvalid: true,
			want: ingest.Counts{Updated: 1, Rejected: 1}, rejects: []reject{{3, "2026-03-06", "1"}}, left: "-,2026-03-09"},
		{name: "a day before M02's entry, M01 on its latest entry's day",
			file: header + "M01,贺志凤,D01,队长,2026-03-06\nM02,郭林,D01,老同志,2026-03-07\n",
			want: ingest.Counts{Rejected: 1}, rejects: []reject{{3, "2026-03-08", "1"}}, left: "-,2026-03-09"},
		{name: "on the latest entry's day", file: header + "M01,贺志凤,D01,队长,2026-03-06\n",
			want: ingest.Counts{Updated: 1}, left: "2026-03-06,2026-03-09"},
		{name: "the stored day again", file: header + "M01,贺志凤,D01,队长,2026-03-06\nM02,郭林,D01,老同志,2026-03-09\n",
			want: ingest.Counts{Unchanged: 2}, left: "2026-03-06,2026-03-09"},
		{name: "an empty cell clears it", file: header + "M01,贺志凤,D01,队长,\n",
			want: ingest.Counts{Updated: 1}, left: "-,2026-03-09"},
	}
	for i, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("members%d.csv", i))
			writeFile(t, path, tc.file)
			rec, err := importFile(t, st, "members", path, ingest.Options{SkipInvalid: tc.skipInvalid})
			if (err != nil) != (len(tc.rejects) > 0 && !tc.skipInvalid) {
				t.Fatalf("import %q: %v; want an error only for refused rows without skip invalid", tc.file, err)
			}
			if rec.Counts != tc.want || len(rec.Rejects) != len(tc.rejects) {
				t.Fatalf("import %q: counts %+v, rejects %+v; want %+v and %d rejects", tc.file, rec.Counts, rec.Rejects, tc.want, len(tc.rejects))
			}
			for j, r := range rec.Rejects {
				w := tc.rejects[j]
				if r.Line != w.line || r.Field != "left_on" || r.Code != ingest.CodeLeftBeforeEntries || r.File == "" ||
					fmt.Sprint(r.Params["latest"]) != w.latest || fmt.Sprint(r.Params["after"]) != w.after {
					t.Errorf("reject %+v; want file named, line %d, field left_on, %s, latest %s, after %s",
						r, w.line, ingest.CodeLeftBeforeEntries, w.latest, w.after)
				}
				zh := ingest.ReasonZH(r)
				if !strings.Contains(zh, "最近一条日记的日期 "+w.latest) || !strings.Contains(zh, "还有 "+w.after+" 条日记") {
					t.Errorf("reject worded %q; want the latest entry's day %s and %s entries after", zh, w.latest, w.after)
				}
				if !strings.Contains(r.Reason, "the latest on "+w.latest) {
					t.Errorf("reject's English %q does not name the latest entry's day %s", r.Reason, w.latest)
				}
			}
			var left string
			if err := queryRow(url, `SELECT string_agg(coalesce(to_char(left_on, 'YYYY-MM-DD'), '-'), ',' ORDER BY code)
				FROM members WHERE code IN ('M01', 'M02')`, &left); err != nil {
				t.Fatal(err)
			}
			if left != tc.left {
				t.Errorf("left_on of M01,M02 after %s: %s, want %s", tc.name, left, tc.left)
			}
		})
	}
}
