package ingest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// The members import sets a member's last day in the corps (离队日期,
// migration 038); a sheet without the column keeps it, an empty cell
// clears it, and each change is an audit line. The diary import then
// refuses an entry dated after that day as member_left (in China time)
// and takes one on it.
func TestMemberLeftByImport(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	steps := []struct {
		name, layer, file string
		want              ingest.Counts
		wantRejects       []string // line:field:code
		wantLeftOn        string   // M01's left_on afterwards, "" none
	}{
		{name: "a leave date", layer: "members", file: "队员代码,姓名,队代码,角色,离队日期\nM01,贺志凤,D01,队长,2026-03-10\n",
			want: ingest.Counts{Updated: 1}, wantLeftOn: "2026-03-10"},
		{name: "a sheet without the column keeps it", layer: "members", file: "成员代码,姓名,队代码,角色\nM01,贺志凤,D01,队长\n",
			want: ingest.Counts{Unchanged: 1}, wantLeftOn: "2026-03-10"},
		{name: "an entry on the last day", layer: "visits", file: visitsHeader + "VL1,M01,H0001,,2026-03-10 23:30,入户走访,\n",
			want: ingest.Counts{Inserted: 1}, wantLeftOn: "2026-03-10"},
		{name: "entries after it are refused", layer: "visits",
			file: visitsHeader + "VL2,M01,H0001,,2026-03-11 00:10,入户走访,\nVL3,M02,H0002,,2026-03-11 09:00,入户走访,\n",
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:member_code:member_left"}, wantLeftOn: "2026-03-10"},
		{name: "an empty cell clears it", layer: "members", file: "队员代码,姓名,队代码,角色,离队日期\nM01,贺志凤,D01,队长,\n",
			want: ingest.Counts{Updated: 1}},
		{name: "then the entry is taken", layer: "visits", file: visitsHeader + "VL2,M01,H0001,,2026-03-11 00:10,入户走访,\n",
			want: ingest.Counts{Inserted: 1}},
	}
	for i, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("step%d.csv", i))
			writeFile(t, path, tc.file)
			rec, err := importFile(t, st, tc.layer, path, ingest.Options{})
			if (err != nil) != (len(tc.wantRejects) > 0) {
				t.Fatalf("import %q: %v; want an error only for refused rows", tc.file, err)
			}
			var got []string
			for _, r := range rec.Rejects {
				got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
				if zh := ingest.ReasonZH(r); !strings.Contains(zh, "已于 2026-03-10 离队") || !strings.Contains(zh, "M01") {
					t.Errorf("reject %+v worded %q; want the member and 已于 2026-03-10 离队", r, zh)
				}
			}
			if rec.Counts != tc.want || strings.Join(got, ",") != strings.Join(tc.wantRejects, ",") {
				t.Fatalf("import %q: counts %+v rejects %v; want %+v rejects %v", tc.file, rec.Counts, got, tc.want, tc.wantRejects)
			}
			var left string
			if err := queryRow(url, `SELECT coalesce(to_char(left_on, 'YYYY-MM-DD'), '') FROM members WHERE code = 'M01'`, &left); err != nil {
				t.Fatal(err)
			}
			if left != tc.wantLeftOn {
				t.Errorf("M01 left_on %q after %s, want %q", left, tc.name, tc.wantLeftOn)
			}
		})
	}
	var audits int64
	var lines string
	if err := queryRow(url, `SELECT count(*), string_agg(target || ' ' || coalesce(detail->>'was', '-') || '>' || coalesce(detail->>'left_on', '-'), ',' ORDER BY id)
		FROM audit_log WHERE action = 'member_left'`, &audits, &lines); err != nil {
		t.Fatal(err)
	}
	if audits != 2 || lines != "M01 ->2026-03-10,M01 2026-03-10>-" {
		t.Errorf("audit of the leave date: %d lines %q; want 2, \"M01 ->2026-03-10,M01 2026-03-10>-\"", audits, lines)
	}
}
