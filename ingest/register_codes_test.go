package ingest_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// A register can no longer overwrite another row without a word. The
// fixture county's members are M01 贺志凤 (D01), M02 郭林 (D01) and M03 林海
// (D02); its towns T01 东岳镇 and T02 西湖街道. Each case imports one file
// into the same database, in order: later cases see what earlier ones
// landed.
//   - A generic 编号 (or 编码) is not a code: alone it is refused with a hint
//     naming the layer's own header; beside the layer's own code column it
//     numbers the rows and is ignored.
//   - A row whose code is already another name's (a contact point's:
//     another member's) is refused (code_other_name) and changes nothing,
//     unless the import allows renames; the same name under its code still updates (a member moved
//     to another team), and a new code inserts.
//   - Towns and villages take their statistical code's usual header
//     (行政区划代码), members their 工号 or 成员编号.
func TestRegisterCodesNeverRenameSilently(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	cases := []struct {
		name, layer, body string
		opt               ingest.Options
		wantErr           bool
		wantHint          string // the unknown column's suggestion, when refused for its header
		want              ingest.Counts
		wantRejects       []string // line:field:code
		query, wantRow    string   // the stored row afterwards
	}{
		{name: "a member sheet numbered 编号 is refused, the hint naming the member code's header",
			layer: "members", body: "编号,姓名,队代码,角色\n1,王小明,D01,大学生村官\n2,李四,D02,机关干部\n",
			wantErr: true, wantHint: "队员代码",
			query: `SELECT count(*)::text FROM members`, wantRow: "3"},
		{name: "编码 alone is refused too",
			layer: "teams", body: "编码,工作队名称,乡镇代码,经度,纬度\n1,东岳镇工作队,T01,120.05,32.15\n",
			wantErr: true, wantHint: "工作队代码",
			query: `SELECT string_agg(code, ',' ORDER BY code) FROM teams`, wantRow: "D01,D02"},
		{name: "编号 beside 成员编号 numbers the rows and is ignored",
			layer: "members", body: "编号,成员编号,姓名,队代码,角色\n1,M01,贺志凤,D01,队长\n2,M02,郭林,D01,老同志\n",
			want:  ingest.Counts{Unchanged: 2},
			query: `SELECT string_agg(code || ' ' || name, ',' ORDER BY code) FROM members`, wantRow: "M01 贺志凤,M02 郭林,M03 林海"},
		{name: "last year's numbering under 工号 renames nobody",
			layer: "members", body: "工号,姓名,队代码,角色\nM01,王小明,D02,大学生村官\nM02,郭林,D02,老同志\nM09,李四,D01,机关干部\n",
			opt:  ingest.Options{SkipInvalid: true},
			want: ingest.Counts{Inserted: 1, Updated: 1, Rejected: 1}, wantRejects: []string{"2:name:code_other_name"},
			query:   `SELECT string_agg(m.code || ' ' || m.name || ' ' || t.code, ',' ORDER BY m.code) FROM members m JOIN teams t ON t.id = m.team_id`,
			wantRow: "M01 贺志凤 D01,M02 郭林 D02,M03 林海 D02,M09 李四 D01"},
		{name: "without skip_invalid a rename refuses the whole file",
			layer: "members", body: "成员编号,姓名,队代码,角色\nM03,林海,D01,cadre\nM01,贺志风,D01,队长\n",
			wantErr: true, want: ingest.Counts{Rejected: 1}, wantRejects: []string{"3:name:code_other_name"},
			query:   `SELECT string_agg(m.code || ' ' || m.name || ' ' || t.code, ',' ORDER BY m.code) FROM members m JOIN teams t ON t.id = m.team_id WHERE m.code IN ('M01', 'M03')`,
			wantRow: "M01 贺志凤 D01,M03 林海 D02"},
		{name: "allow_renames lets a name be corrected",
			layer: "members", body: "成员编号,姓名,队代码,角色\nM01,贺志风,D01,队长\n",
			opt: ingest.Options{AllowRenames: true}, want: ingest.Counts{Updated: 1},
			query: `SELECT name FROM members WHERE code = 'M01'`, wantRow: "贺志风"},
		{name: "a town's 行政区划代码 is its code, and another name under it is refused",
			layer: "towns", body: "行政区划代码,乡镇名称,类型,wkt\nT02,南塘镇,镇,\"POLYGON((120.10 32.10,120.20 32.10,120.20 32.20,120.10 32.20,120.10 32.10))\"\n",
			wantErr: true, want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:name:code_other_name"},
			query: `SELECT name FROM towns WHERE code = 'T02'`, wantRow: "西湖街道"},
		{name: "a village's 行政区划代码, same name: updates",
			layer: "villages", body: "行政区划代码,村名,乡镇代码,类型,常住人口,户籍户数,wkt\nT01V01,庄家村,T01,村,1300,400,\"POLYGON((120.00 32.10,120.05 32.10,120.05 32.20,120.00 32.20,120.00 32.10))\"\n",
			want:  ingest.Counts{Updated: 1},
			query: `SELECT name || ' ' || resident_population FROM villages WHERE code = 'T01V01'`, wantRow: "庄家村 1300"},
		{name: "a project of another name under a code is refused",
			layer: "projects", body: "项目代码,项目名称,项目类型,wkt\nP01,西湖某物流园,招商项目,POINT(120.02 32.12)\n",
			wantErr: true, want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:name:code_other_name"},
			query: `SELECT name FROM projects WHERE code = 'P01'`, wantRow: "东岳镇某科技公司"},
		{name: "a contact point's code under another member is refused",
			layer: "contact_points", body: "联系点编号,队员编号,村代码,建立日期,经度,纬度\nCP01,M02,T01V01,2026-03-05,120.025,32.135\n",
			wantErr: true, want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:member_code:code_other_name"},
			query: `SELECT m.code FROM contact_points c JOIN members m ON m.id = c.member_id WHERE c.code = 'CP01'`, wantRow: "M01"},
		{name: "allow_renames hands it over",
			layer: "contact_points", body: "联系点编号,队员编号,村代码,建立日期,经度,纬度\nCP01,M02,T01V01,2026-03-05,120.025,32.135\n",
			opt: ingest.Options{AllowRenames: true}, want: ingest.Counts{Updated: 1},
			query: `SELECT m.code FROM contact_points c JOIN members m ON m.id = c.member_id WHERE c.code = 'CP01'`, wantRow: "M02"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
			writeFile(t, path, tc.body)
			rec, err := importFile(t, st, tc.layer, path, tc.opt)
			if (err != nil) != tc.wantErr {
				t.Fatalf("import %s %q: error %v; want an error: %v", tc.layer, tc.body, err, tc.wantErr)
			}
			if tc.wantHint != "" {
				hint := ""
				for _, p := range rec.Problems {
					if p.Code == ingest.FileUnknownColumn {
						hint, _ = p.Params["suggestion"].(string)
					}
				}
				if hint != tc.wantHint {
					b, _ := json.Marshal(rec.Problems)
					t.Fatalf("import %s %q: problems %s; want an unknown column with the hint %q", tc.layer, tc.body, b, tc.wantHint)
				}
			} else {
				var got []string
				for _, r := range rec.Rejects {
					got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
				}
				if rec.Counts != tc.want || strings.Join(got, ",") != strings.Join(tc.wantRejects, ",") {
					t.Fatalf("import %s %q: counts %+v rejects %v; want %+v rejects %v", tc.layer, tc.body, rec.Counts, got, tc.want, tc.wantRejects)
				}
				for _, r := range rec.Rejects {
					zh := ingest.ReasonZH(r)
					if !strings.Contains(zh, r.Params["stored"].(string)) || !strings.Contains(zh, r.Params["given"].(string)) || !strings.Contains(zh, "允许改名") {
						t.Errorf("reject %+v worded %q; want the stored and given names and 允许改名", r, zh)
					}
				}
			}
			var row string
			if err := queryRow(url, tc.query, &row); err != nil || row != tc.wantRow {
				t.Fatalf("after importing %q: %s = %q (%v); want %q", tc.body, tc.query, row, err, tc.wantRow)
			}
		})
	}
}
