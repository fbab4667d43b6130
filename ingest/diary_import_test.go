package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// visitsHeader is the clerk's diary header the cases below write rows under.
const visitsHeader = "日记编号,成员代码,户编号,村代码,走访时间,走访类型,记录\n"

// The diary import holds a diary id to its entry as the web diary does
// (README, "Once"): a row whose id is already another entry's — another
// member, household or time — is refused as id_taken and changes nothing;
// the same entry corrected (notes, kind) still updates. The fixture's V01
// is M01 at H0001, 2026-03-05 14:30, V03 M03 with no household.
func TestDiaryIDTaken(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	cases := []struct {
		name, rows  string
		skipInvalid bool
		want        ingest.Counts
		wantRejects []string // line:field:code
		wantV01     string   // member household time notes of V01 afterwards
	}{
		{name: "the same entry with corrected notes updates",
			rows: "V01,M01,H0001,,2026-03-05 14:30,入户走访,改正的记录\n",
			want: ingest.Counts{Updated: 1}, wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
		{name: "another member under the id is refused",
			rows: "V01,M02,H0001,,2026-03-05 14:30,入户走访,第二周\n",
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:member_code:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
		{name: "another household under the id is refused",
			rows: "V01,M01,H0002,,2026-03-05 14:30,入户走访,第二周\n",
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:household_id:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
		{name: "no household where the entry has one is refused",
			rows: "V01,M01,,T01V01,2026-03-05 14:30,入户走访,第二周\n",
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:household_id:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
		{name: "another time under the id is refused",
			rows: "V01,M01,H0001,,2026-03-12 14:30,入户走访,第二周\n",
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:occurred_at:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
		{name: "a week-2 file reusing week 1's ids loses nothing, even skipping invalid rows",
			rows:        "V01,M02,H0002,,2026-03-12 09:00,入户走访,第二周\nV03,M02,,T01V01,2026-03-12 10:00,村民会议,第二周\nV09,M02,H0002,,2026-03-12 11:00,入户走访,新的\n",
			skipInvalid: true,
			want:        ingest.Counts{Inserted: 1, Rejected: 2}, wantRejects: []string{"2:member_code:id_taken", "3:member_code:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30 改正的记录"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("week%d.csv", i))
			writeFile(t, path, visitsHeader+tc.rows)
			rec, err := importFile(t, st, "visits", path, ingest.Options{SkipInvalid: tc.skipInvalid})
			if (err != nil) != (len(tc.wantRejects) > 0 && !tc.skipInvalid) {
				t.Fatalf("import %s: error %v; want an error only for refused rows", tc.rows, err)
			}
			var got []string
			for _, r := range rec.Rejects {
				got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
			}
			if rec.Counts != tc.want || strings.Join(got, ",") != strings.Join(tc.wantRejects, ",") {
				t.Fatalf("import %q: counts %+v rejects %v; want %+v rejects %v", tc.rows, rec.Counts, got, tc.want, tc.wantRejects)
			}
			for _, r := range rec.Rejects {
				if zh := ingest.ReasonZH(r); !strings.Contains(zh, "已是另一条日记的编号") || !strings.Contains(zh, r.Params["value"].(string)) {
					t.Errorf("reject %+v worded %q; want the id and 已是另一条日记的编号", r, zh)
				}
			}
			var v01 string
			if err := queryRow(url, `SELECT m.code || ' ' || coalesce(h.external_id, '-') || ' ' ||
  to_char(v.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' ' || v.notes
FROM visits v JOIN members m ON m.id = v.member_id LEFT JOIN households h ON h.id = v.household_id
WHERE v.external_id = 'V01'`, &v01); err != nil || v01 != tc.wantV01 {
				t.Fatalf("V01 afterwards = %q (%v); want %q", v01, err, tc.wantV01)
			}
		})
	}
}

// The diary import refuses times the web diary refuses: in the future
// (beyond five minutes) or before the campaign's first day (midnight,
// China time), each as a reject of 走访时间 (occurred_at).
func TestDiaryTimeBounds(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	if _, err := execSQL(url, `INSERT INTO campaign (id, name, starts_on) VALUES (1, 'test', '2026-03-01')
ON CONFLICT (id) DO UPDATE SET starts_on = EXCLUDED.starts_on`); err != nil {
		t.Fatal(err)
	}
	china := time.FixedZone("UTC+8", 8*3600)
	tomorrow := time.Now().In(china).Add(24 * time.Hour).Format("2006-01-02 15:04")
	nextYear := time.Now().In(china).AddDate(1, 0, 0).Format("2006/1/2 15:04")
	dir := t.TempDir()
	cases := []struct {
		name, when string
		wantCode   string // "" when accepted
	}{
		{"tomorrow", tomorrow, ingest.CodeTimeFuture},
		{"a year typed wrong", nextYear, ingest.CodeTimeFuture},
		{"the day before the campaign", "2026-02-28 23:59", ingest.CodeBeforeCampaign},
		{"a year before", "2025/01/26 9:00", ingest.CodeBeforeCampaign},
		{"the campaign's first minute", "2026-03-01 00:00", ""},
		{"an hour ago", time.Now().In(china).Add(-time.Hour).Format("2006-01-02 15:04"), ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("t%d.csv", i))
			writeFile(t, path, visitsHeader+fmt.Sprintf("T%d,M01,H0001,,%s,入户走访,\n", i, tc.when))
			rec, err := importFile(t, st, "visits", path, ingest.Options{DryRun: true})
			gotCode, gotField := "", ""
			if len(rec.Rejects) > 0 {
				gotCode, gotField = rec.Rejects[0].Code, rec.Rejects[0].Field
			}
			if gotCode != tc.wantCode || (tc.wantCode != "" && (gotField != "occurred_at" || rec.Rejects[0].Header != "走访时间" || err == nil)) ||
				(tc.wantCode == "" && (err != nil || rec.Inserted != 1)) {
				t.Fatalf("import time %q: reject %q on %q (%v), inserted %d; want reject %q on occurred_at (走访时间)",
					tc.when, gotCode, gotField, err, rec.Inserted, tc.wantCode)
			}
		})
	}
	_ = url
}

// Dates as clerks type them (Excel's long date format among them) and
// every word the web map uses for a kind are read; the kind is stored as
// its code.
func TestDiaryDatesAndKindWords(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	cases := []struct {
		when, kind string
		wantAt     string
		wantKind   string
	}{
		{"2026年11月24日", "帮扶送达", "2026-11-24 00:00", "assistance_delivery"},
		{"2026年11月24日 8:00", "送帮扶", "2026-11-24 08:00", "assistance_delivery"},
		{"2026年11月25日8时", "帮扶", "2026-11-25 08:00", "assistance_delivery"},
		{"2026年11月24日8时30分", "村居座谈会", "2026-11-24 08:30", "village_meeting"},
		{"2026年3月5日 14点05分", "项目现场走访", "2026-03-05 14:05", "project_site_visit"},
		{"2026-3-5 9:00", "项目现场", "2026-03-05 09:00", "project_site_visit"},
		// Each at its own minute: the same member, household and minute
		// as an earlier case's would be the same visit (same_entry).
		{"2026/11/24 8:15", "企业走访", "2026-11-24 08:15", "enterprise_visit"},
	}
	for i, tc := range cases {
		t.Run(tc.when+" "+tc.kind, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("d%d.csv", i))
			id := fmt.Sprintf("D%d", i)
			writeFile(t, path, visitsHeader+fmt.Sprintf("%s,M01,H0001,,%s,%s,\n", id, tc.when, tc.kind))
			rec, err := importFile(t, st, "visits", path, ingest.Options{})
			if err != nil || rec.Inserted != 1 {
				t.Fatalf("import %q %q: inserted %d, %v; want 1", tc.when, tc.kind, rec.Inserted, err)
			}
			var at, kind string
			if err := queryRow(url, `SELECT to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), kind FROM visits WHERE external_id = '`+id+`'`, &at, &kind); err != nil ||
				at != tc.wantAt || kind != tc.wantKind {
				t.Fatalf("import %q %q: stored %q %q (%v); want %q %q", tc.when, tc.kind, at, kind, err, tc.wantAt, tc.wantKind)
			}
		})
	}
}

// A diary entry stored with its milliseconds (the web diary's) imports
// again from a file that gives whole seconds, as exports write them, as
// unchanged, and keeps its fraction when another field is corrected.
func TestDiaryMillisecondsUnchanged(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	if _, err := execSQL(url, `UPDATE visits SET occurred_at = occurred_at + interval '1.935 seconds' WHERE external_id = 'V01'`); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := []struct {
		name, row string
		want      ingest.Counts
		wantAt    string
	}{
		{"whole seconds as exported", "V01,M01,H0001,,2026-03-05T14:30:01+08:00,入户走访,2,了解生产生活情况,1,0,120.021,32.131\n", ingest.Counts{Unchanged: 1}, "14:30:01.935"},
		{"notes corrected", "V01,M01,H0001,,2026-03-05T14:30:01+08:00,入户走访,2,改正,1,0,120.021,32.131\n", ingest.Counts{Updated: 1}, "14:30:01.935"},
		{"another second", "V01,M01,H0001,,2026-03-05T14:30:05+08:00,入户走访,2,改正,1,0,120.021,32.131\n", ingest.Counts{Updated: 1}, "14:30:05.000"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("m%d.csv", i))
			writeFile(t, path, "日记编号,成员代码,户编号,村代码,走访时间,走访类型,参与人数,记录,收集问题数,解决问题数,经度,纬度\n"+tc.row)
			rec, err := importFile(t, st, "visits", path, ingest.Options{})
			if err != nil || rec.Counts != tc.want {
				t.Fatalf("import %q: counts %+v, %v; want %+v", tc.row, rec.Counts, err, tc.want)
			}
			var at string
			if err := queryRow(url, `SELECT to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI:SS.MS') FROM visits WHERE external_id = 'V01'`, &at); err != nil || at != tc.wantAt {
				t.Fatalf("V01's time = %q (%v); want %q", at, err, tc.wantAt)
			}
		})
	}
}

// Generic headers are not a household's or a diary entry's key: 编号 is
// refused with a hint naming the layer's key header, and a row-number
// column (序号) is ignored, as are a Chinese rejects file's columns.
func TestGenericIDHeaders(t *testing.T) {
	st, _ := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	cases := []struct {
		name, layer, body string
		wantHint          string // the unknown column's suggestion; "" when the file imports
	}{
		{"a diary numbered 编号", "visits", "编号,成员代码,户编号,走访时间,走访类型\n1,M01,H0001,2026-03-05 14:30,入户走访\n", "日记编号"},
		{"a diary numbered id", "visits", "id,成员代码,户编号,走访时间,走访类型\n1,M01,H0001,2026-03-05 14:30,入户走访\n", "日记编号"},
		{"a register numbered 编号", "households", "编号,村代码,人口,经度,纬度\n1,T01V01,3,120.021,32.131\n", "户编号"},
		{"a row-number column", "visits", "序号,日记编号,成员代码,户编号,走访时间,走访类型\n1,V77,M01,H0001,2026-03-05 15:30,入户走访\n", ""},
		{"a Chinese rejects file, fixed", "visits", "日记编号,成员代码,户编号,走访时间,走访类型,原行号,拒绝原因,reject_code,reject_params\n" +
			"V78,M01,H0001,2026-03-05 16:30,入户走访,2,走访类型：“串门”不是可选值之一,not_one_of,[{}]\n", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("g%d.csv", i))
			writeFile(t, path, tc.body)
			rec, err := importFile(t, st, tc.layer, path, ingest.Options{DryRun: true})
			hint := ""
			for _, p := range rec.Problems {
				if p.Code == ingest.FileUnknownColumn {
					hint, _ = p.Params["suggestion"].(string)
				}
			}
			if tc.wantHint == "" {
				if err != nil || rec.Inserted != 1 {
					t.Fatalf("import %q: inserted %d, %v; want 1", tc.body, rec.Inserted, err)
				}
				return
			}
			if err == nil || hint != tc.wantHint {
				b, _ := json.Marshal(rec.Problems)
				t.Fatalf("import %q: error %v, problems %s; want refused with the hint %q", tc.body, err, b, tc.wantHint)
			}
		})
	}
}

// The audit log says what an import wrote (migration 030): a dry run and a
// refused file wrote nothing, and say so; a landed import counts its rows.
func TestImportAuditSaysWhatLanded(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	good := visitsHeader + "A1,M01,H0001,,2026-03-09 09:00,入户走访,\nA2,M01,H0002,,2026-03-09 10:00,入户走访,\n"
	bad := good + "A3,M01,H0001,,2026-03-09 11:00,串门,\n"
	cases := []struct {
		name, body string
		opt        ingest.Options
		wantRows   int64
		wantDetail string // dry_run landed inserted would_insert
	}{
		{"a dry run", good, ingest.Options{DryRun: true}, 0, "true false 0 2"},
		{"a refused file", bad, ingest.Options{}, 0, "false false 0 -"},
		{"a dry run skipping invalid rows", bad, ingest.Options{DryRun: true, SkipInvalid: true}, 0, "true false 0 2"},
		{"an import", good, ingest.Options{}, 2, "false true 2 -"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("a%d.csv", i))
			writeFile(t, path, tc.body)
			rec, _ := importFile(t, st, "visits", path, tc.opt)
			var rows int64
			var detail string
			if err := queryRow(url, fmt.Sprintf(`SELECT rows, concat_ws(' ', detail->>'dry_run', detail->>'landed', detail->>'inserted',
  coalesce(detail->>'would_insert', '-')) FROM audit_log WHERE action = 'import' AND (detail->>'import_id')::bigint = %d`, rec.ID), &rows, &detail); err != nil ||
				rows != tc.wantRows || detail != tc.wantDetail {
				t.Fatalf("audit of %s (import %d, status %s): rows %d, detail %q (%v); want %d, %q",
					tc.name, rec.ID, rec.Status, rows, detail, err, tc.wantRows, tc.wantDetail)
			}
		})
	}
}

// execSQL runs one statement on the test database.
func execSQL(url, sql string) (int64, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, sql)
	return tag.RowsAffected(), err
}

// Every fault of a row is reported, the row counted once: faults the
// reader finds (a bad date and a bad kind) and faults the store's checks
// find (an unknown household and more problems resolved than collected).
func TestEveryFaultOfARow(t *testing.T) {
	st, _ := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	header := "日记编号,成员代码,户编号,走访时间,走访类型,收集问题数,解决问题数\n"
	cases := []struct {
		name, rows string
		want       []string // line:field:code
	}{
		{"a bad date and a bad kind", "F1,M01,H0001,昨天,串门,0,0\n", []string{"2:occurred_at:bad_date", "2:kind:not_one_of"}},
		{"an unknown household and too many resolved", "F2,M01,H9999,2026-03-05 14:30,入户走访,0,2\n",
			[]string{"2:household_id:unknown_reference", "2:problems_resolved:resolved_over_collected"}},
		{"two rows, one fault each", "F3,M01,H0001,昨天,入户走访,0,0\nF4,M01,H0001,2026-03-05 14:30,串门,0,0\n",
			[]string{"2:occurred_at:bad_date", "3:kind:not_one_of"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("f%d.csv", i))
			writeFile(t, path, header+tc.rows)
			rec, err := importFile(t, st, "visits", path, ingest.Options{DryRun: true, SkipInvalid: true})
			var got []string
			for _, r := range rec.Rejects {
				got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
			}
			wantRows := int64(strings.Count(tc.rows, "\n"))
			if err != nil || strings.Join(got, ",") != strings.Join(tc.want, ",") || rec.Rejected != wantRows {
				t.Fatalf("import %q: rejects %v, rejected %d (%v); want %v, rejected %d", tc.rows, got, rec.Rejected, err, tc.want, wantRows)
			}
		})
	}
}
