package ingest_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// wantReject is one reject a file should give: its line, code, parameters
// (as JSON, keys sorted) and the header as the file spelled it.
type wantReject struct {
	line                int64
	field, code, params string
	header, zh, notInZH string
}

// TestRejectCodes imports files with one bad row of each common kind, with
// Chinese headers in GBK (as Excel saves them) and with English headers,
// and checks each reject's code, parameters and typed header, in the
// result and in the import record read back, and the Chinese reasons of
// the rejects file.
func TestRejectCodes(t *testing.T) {
	st, _ := storetest.New(t)
	loadCounty(t, st)
	cases := []struct {
		name, layer, body string
		gbk               bool
		ext               string // the file's extension, default .csv
		want              []wantReject
	}{
		{
			name: "visits, Chinese headers in GBK", layer: "visits", gbk: true,
			body: "日记编号,成员代码,户编号,走访时间,走访类型,参与人数,经度,纬度\r\n" +
				"X01,M01,H0001,2026-03-05 14:30,串门,2,120.021,32.131\r\n" + // 2: kind not one of
				"X02,M01,H9999,2026-03-05 14:30,入户走访,2,120.021,32.131\r\n" + // 3: unknown household
				"X03,M01,H0001,2026-03-05 14:30,入户走访,2,32.131,120.021\r\n" + // 4: swapped
				"X04,M01,H0001,2026-03-05 14:30,入户走访,2,116.397,39.909\r\n" + // 5: outside
				"X05,M01,H0001,2026-03-05 14:30,入户走访,-1,120.021,32.131\r\n" + // 6: out of range
				"X06,M01,H0001,2026-03-05 14:30,入户走访,两,120.021,32.131\r\n" + // 7: not a number
				"X07,M01,H0001,昨天,入户走访,2,120.021,32.131\r\n" + // 8: not a date
				",M01,H0001,2026-03-05 14:30,入户走访,2,120.021,32.131\r\n" + // 9: required
				"X10,M01,H0001,2026-03-05 14:30,入户走访,2,120.021,32.131\r\n" + // 10: good
				"X10,M01,H0001,2026-03-06 14:30,入户走访,2,120.021,32.131\r\n", // 11: duplicate
			want: []wantReject{
				{2, "kind", "not_one_of", `{"allowed":["household_visit","enterprise_visit","project_site_visit","village_meeting","publicity_event","assistance_delivery"],` +
					`"allowed_zh":["入户走访","走访农户","企业走访","走访企业","项目现场","会议","村民会议","宣传","宣传活动","帮扶","送帮扶"],"value":"串门"}`,
					"走访类型", "走访类型：“串门”不是可选值之一（入户走访、走访农户、企业走访、", ""},
				{3, "household_id", "unknown_reference", `{"column":"household_id","table":"households","value":"H9999"}`, "户编号", "户编号：找不到“H9999”：农户（户籍登记）中没有这一条", ""},
				{4, "lon/lat", "coords_swapped", `{"lat":120.021,"lon":32.131}`, "经度/纬度", "经度/纬度：经纬度似乎填反了", ""},
				{5, "lon/lat", "outside_county", `{"lat":39.909,"lon":116.397}`, "经度/纬度", "不在本县范围内", ""},
				{6, "participants", "out_of_range", `{"max":2147483647,"min":0,"value":-1}`, "参与人数", "参与人数：-1 超出范围", ""},
				{7, "participants", "bad_number", `{"value":"两"}`, "参与人数", "参与人数：“两”不是有效的数字", ""},
				{8, "occurred_at", "bad_date", `{"value":"昨天"}`, "走访时间", "走访时间：“昨天”不是日期", ""},
				{9, "external_id", "required", `null`, "日记编号", "日记编号：必填，但为空", "required, but empty"},
				{11, "external_id", "duplicate_in_file", `{"column":"external_id","first_line":10,"value":"X10"}`, "日记编号", "首次出现在第 10 行", ""},
			},
		},
		{
			name: "households, English headers", layer: "households",
			body: "external_id,village_code,residents,lon,lat\n" +
				"H0901,T09V99,3,120.021,32.131\n" + // 2: unknown village
				"H0902,T01V01,0,120.021,32.131\n" + // 3: below 1
				"H0903,T01V01,3\n", // 4: short row
			want: []wantReject{
				{2, "village_code", "unknown_reference", `{"column":"village_code","table":"villages","value":"T09V99"}`, "village_code", "village_code：找不到“T09V99”：村（社区）中没有这一条", ""},
				{3, "residents", "out_of_range", `{"max":2147483647,"min":1,"value":0}`, "residents", "residents：0 超出范围 1–2147483647", ""},
				{4, "", "field_count", `{"got":3,"want":5}`, "", "本行有 3 列，表头有 5 列", ""},
			},
		},
		{
			name: "households, GeoJSON with Chinese property names", layer: "households", ext: ".geojson",
			body: `{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","properties":{"户编号":"H0911","村代码":"T01V01","人口":0},"geometry":{"type":"Point","coordinates":[120.021,32.131]}},` +
				`{"type":"Feature","properties":{"户编号":"H0912","村代码":"T09V99","人口":2},"geometry":{"type":"Point","coordinates":[120.021,32.131]}}]}`,
			want: []wantReject{
				{1, "residents", "out_of_range", `{"max":2147483647,"min":1,"value":0}`, "人口", "人口：0 超出范围", ""},
				{2, "village_code", "unknown_reference", `{"column":"village_code","table":"villages","value":"T09V99"}`, "村代码", "村代码：找不到“T09V99”", ""},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			if tc.gbk {
				var err error
				if body, err = simplifiedchinese.GBK.NewEncoder().Bytes(body); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(t.TempDir(), tc.layer+cmp.Or(tc.ext, ".csv"))
			if err := os.WriteFile(path, body, 0o644); err != nil {
				t.Fatal(err)
			}
			opt := ingest.Options{SkipInvalid: true, DryRun: true, Lang: ingest.LangZH}
			rec, err := importFile(t, st, tc.layer, path, opt)
			if err != nil {
				t.Fatalf("import %s: %v", tc.name, err)
			}
			checkRejects(t, "result", rec.Rejects, tc.want)
			stored, err := st.Import(context.Background(), lianxin.SystemScope(), rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkRejects(t, "record", stored.Rejects, tc.want)

			var out bytes.Buffer
			opt.Layer, opt.Path = tc.layer, path
			if _, err := ingest.WriteRejects(context.Background(), rec, opt, &out); err != nil {
				t.Fatalf("write rejects: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w.zh) {
					t.Errorf("zh rejects file lacks %q for line %d:\n%s", w.zh, w.line, out.String())
				}
				if w.notInZH != "" && strings.Contains(out.String(), w.notInZH) {
					t.Errorf("zh rejects file holds the English %q:\n%s", w.notInZH, out.String())
				}
			}
		})
	}
}

func checkRejects(t *testing.T, where string, got []ingest.RowError, want []wantReject) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rejects %+v, want %d", where, len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		params, _ := json.Marshal(g.Params)
		if g.Line != w.line || g.Field != w.field || g.Code != w.code || string(params) != w.params || g.Header != w.header || g.Reason == "" {
			t.Errorf("%s reject %d: line %d field %q code %q params %s header %q (reason %q);\nwant line %d field %q code %q params %s header %q and a reason",
				where, i, g.Line, g.Field, g.Code, params, g.Header, g.Reason, w.line, w.field, w.code, w.params, w.header)
		}
	}
}

// TestClassifyStoreRejects checks that every reason the store's checks
// give reads back into its code.
func TestClassifyStoreRejects(t *testing.T) {
	cases := []struct{ reason, code, params string }{
		{"duplicate external_id H0101: first on line 2", "duplicate_in_file", `{"column":"external_id","first_line":2,"value":"H0101"}`},
		{"unknown member_code M99 (no such row in members)", "unknown_reference", `{"column":"member_code","table":"members","value":"M99"}`},
		{"invalid geometry: Self-intersection[1 1]", "invalid_geometry", `{"reason":"Self-intersection[1 1]"}`},
		{"contact point C01 already exists in another town (T02)", "duplicate_other_town", `{"town":"T02","value":"C01"}`},
		{"town T02 is outside your towns T01", "outside_your_towns", `{"town":"T02","your_towns":"T01"}`},
		{"member M05 is in town T02, outside your towns T01", "outside_your_towns", `{"town":"T02","value":"M05","your_towns":"T01"}`},
		{"town T99 is new, and only a county-wide role (admin) may add towns", "new_town", `{"value":"T99"}`},
		{"more problems resolved (3) than collected (1)", "other", `null`},
	}
	for _, tc := range cases {
		code, params := ingest.ClassifyStoreReject(tc.reason)
		p, _ := json.Marshal(params)
		if code != tc.code || string(p) != tc.params {
			t.Errorf("classify %q = %q %s, want %q %s", tc.reason, code, p, tc.code, tc.params)
		}
	}
}
