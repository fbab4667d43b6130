package ingest_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"lianxin/frontend/wordstest"
	"os"
	"path/filepath"
	"strconv"
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
	// en, when set, is part of the English reason (Reason, as the
	// command line and an English rejects file give it).
	en string
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
				"X10,M01,H0001,2026-03-05 15:30,入户走访,2,120.021,32.131\r\n" + // 10: good (not V01's minute: same_entry)
				"X10,M01,H0001,2026-03-06 14:30,入户走访,2,120.021,32.131\r\n", // 11: duplicate
			want: []wantReject{
				{2, "kind", "not_one_of", `{"allowed":["household_visit","enterprise_visit","project_site_visit","village_meeting","publicity_event","assistance_delivery"],` +
					`"allowed_zh":["入户走访","走访农户","企业走访","走访企业","项目现场","项目现场走访","会议","座谈会","村居座谈会","村民会议","宣传","宣传活动","帮扶","帮扶送达","送帮扶"],"value":"串门"}`,
					"走访类型", "走访类型：“串门”不是可选值之一（入户走访、走访农户、企业走访、", "", ""},
				{3, "household_id", "unknown_reference", `{"column":"household_id","table":"households","value":"H9999"}`, "户编号", "户编号：找不到“H9999”：农户（户籍登记）中没有这一条", "", ""},
				{4, "lon/lat", "coords_swapped", `{"lat":120.021,"lon":32.131}`, "经度/纬度", "经度/纬度：经纬度似乎填反了", "", ""},
				{5, "lon/lat", "outside_county", `{"lat":39.909,"lon":116.397}`, "经度/纬度", "不在本县范围内", "", ""},
				{6, "participants", "out_of_range", `{"max":2147483647,"min":0,"value":-1}`, "参与人数", "参与人数：-1 超出范围", "", ""},
				{7, "participants", "bad_number", `{"value":"两"}`, "参与人数", "参与人数：“两”不是有效的数字", "", ""},
				{8, "occurred_at", "bad_date", `{"value":"昨天"}`, "走访时间", "走访时间：“昨天”不是日期", "", ""},
				{9, "external_id", "required", `null`, "日记编号", "日记编号：必填，但为空", "required, but empty", ""},
				{11, "external_id", "duplicate_in_file", `{"column":"external_id","first_line":10,"value":"X10"}`, "日记编号", "首次出现在第 10 行", "", ""},
			},
		},
		{
			name: "households, English headers", layer: "households",
			body: "external_id,village_code,residents,lon,lat\n" +
				"H0901,T09V99,3,120.021,32.131\n" + // 2: unknown village
				"H0902,T01V01,0,120.021,32.131\n" + // 3: below 1
				"H0903,T01V01,3\n", // 4: short row
			want: []wantReject{
				{2, "village_code", "unknown_reference", `{"column":"village_code","table":"villages","value":"T09V99"}`, "village_code", "village_code：找不到“T09V99”：村（社区）中没有这一条", "", ""},
				{3, "residents", "out_of_range", `{"max":2147483647,"min":1,"value":0}`, "residents", "residents：0 超出范围 1–2147483647", "", ""},
				{4, "", "field_count", `{"got":3,"want":5}`, "", "本行有 3 列，表头有 5 列", "", ""},
			},
		},
		{
			name: "households, GeoJSON with Chinese property names", layer: "households", ext: ".geojson",
			body: `{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","properties":{"户编号":"H0911","村代码":"T01V01","人口":0},"geometry":{"type":"Point","coordinates":[120.021,32.131]}},` +
				`{"type":"Feature","properties":{"户编号":"H0912","村代码":"T09V99","人口":2},"geometry":{"type":"Point","coordinates":[120.021,32.131]}}]}`,
			want: []wantReject{
				{1, "residents", "out_of_range", `{"max":2147483647,"min":1,"value":0}`, "人口", "人口：0 超出范围", "", ""},
				{2, "village_code", "unknown_reference", `{"column":"village_code","table":"villages","value":"T09V99"}`, "村代码", "村代码：找不到“T09V99”", "", ""},
			},
		},
		{
			name: "visits resolving more than they collected", layer: "visits", gbk: true,
			body: "日记编号,成员代码,户编号,走访时间,走访类型,收集问题数,解决问题数,经度,纬度\r\n" +
				"X21,M01,H0001,2026-03-05 14:45,入户走访,1,3,120.021,32.131\r\n" +
				"X22,M01,H0001,2026-03-05 15:30,入户走访,,2,120.021,32.131\r\n" +
				"X23,M01,H0001,2026-03-05 16:30,入户走访,2,2,120.021,32.131\r\n",
			want: []wantReject{
				{2, "problems_resolved", "resolved_over_collected", `{"collected":1,"resolved":3}`, "解决问题数",
					"解决问题数：解决的问题数（3）多于收集的问题数（1）", "than collected", "more problems resolved (3) than collected (1)"},
				{3, "problems_resolved", "resolved_over_collected", `{"collected":0,"resolved":2}`, "解决问题数",
					"解决问题数：解决的问题数（2）多于收集的问题数（0）", "", "more problems resolved (2) than collected (0)"},
			},
		},
		{
			name: "a second contact point for a member", layer: "contact_points",
			body: "联系点代码,成员代码,村代码,建立日期,经度,纬度\n" +
				"CP09,M01,T01V01,2026-04-01,120.025,32.135\n" + // M01 has CP01
				"CP02,M03,T02V01,2026-03-08,120.155,32.165\n", // CP02 itself: fine
			want: []wantReject{
				{2, "member_code", "one_contact_point", `{"existing":"CP01","value":"M01"}`, "成员代码",
					"成员代码：队员 M01 已有联系点 CP01（每名队员只设一个联系点）", "one per member", "member M01 already has contact point CP01 (one per member)"},
			},
		},
		{
			name: "a second team for a town", layer: "teams",
			body: "code,name,town_code,lon,lat\nD09,东岳镇第二工作队,T01,120.05,32.15\n",
			want: []wantReject{
				{2, "town_code", "one_team_per_town", `{"existing":"D01","value":"T01"}`, "town_code",
					"town_code：镇 T01 已有工作队 D01（每个镇只设一个工作队）", "one team per town", "town T01 already has team D01 (one team per town)"},
			},
		},
		{
			name: "malformed GeoJSON features", layer: "households", ext: ".geojson",
			body: `{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","properties":{"户编号":"H0921","村代码":"T01V01","人口":2},"geometry":{"type":"Point","coordinates":[120.021,32.131]}},` +
				`{"type":"Feature","properties":["H0922","T01V01",2],"geometry":{"type":"Point","coordinates":[120.021,32.131]}},` +
				`{"type":"Point","coordinates":[120.021,32.131]},` +
				`{"type":"Feature","properties":{"户编号":"H0924","村代码":"T01V01","人口":{"男":1,"女":1}},"geometry":{"type":"Point","coordinates":[120.021,32.131]}},` +
				`{"type":"Feature","properties":{"户编号":"H0925","村代码":"T01V01","人口":2},"geometry":{"type":"Pointy","coordinates":[120.021,32.131]}},` +
				`{"type":"Feature","properties":{"户编号":"H0926","村代码":"T01V01","人口":2},"geometry":{"type":"Point"}},` +
				`{"type":"Feature","properties":{"户编号":"H0921","村代码":"T01V01","人口":3},"geometry":{"type":"Point","coordinates":[120.021,32.131]}}]}`,
			want: []wantReject{
				{2, "", "bad_feature", `{"got":"array","member":"properties"}`, "",
					"不是有效的 GeoJSON 要素：“properties”的写法不对（不应是数组）", "not a GeoJSON feature", "not a GeoJSON feature"},
				{3, "type", "not_a_feature", `{"got":"Point"}`, "",
					"要素类型：不是 GeoJSON 要素：类型为“Point”，应为 Feature", "type：", `type "Point", want Feature`},
				{4, "residents", "not_a_value", `{"value":"{\"男\":1,\"女\":1}"}`, "人口",
					"不是一个值：属性里不能放对象或数组", "where a value belongs", "an object or array where a value belongs"},
				{5, "geometry", "bad_geojson_geometry", `{"type":"Pointy"}`, "",
					"几何：不是有效的 GeoJSON 几何（类型“Pointy”，或缺少坐标）", "geometry", "not a GeoJSON geometry"},
				{6, "geometry", "bad_geojson_geometry", `{"type":"Point"}`, "",
					"几何：不是有效的 GeoJSON 几何（类型“Point”，或缺少坐标）", "geometry", "geometry"},
				{7, "external_id", "duplicate_in_file", `{"column":"external_id","first_line":1,"value":"H0921"}`, "户编号",
					"户编号：“H0921”在文件中重复：首次出现在第 1 个要素", "", "duplicate external_id H0921: first on feature 1"},
			},
		},
		{
			// The field a GeoJSON feature's geometry gives is named in
			// Chinese (几何), as a CSV's columns are by their headers.
			name: "GeoJSON geometries of the wrong kind, outside, and invalid", layer: "households", ext: ".geojson",
			body: `{"type":"FeatureCollection","features":[` +
				`{"type":"Feature","properties":{"户编号":"H0931","村代码":"T01V01","人口":2},"geometry":{"type":"LineString","coordinates":[[120.021,32.131],[120.022,32.132]]}},` +
				`{"type":"Feature","properties":{"户编号":"H0932","村代码":"T01V01","人口":2},"geometry":{"type":"Point","coordinates":[116.397,39.909]}},` +
				`{"type":"Feature","properties":{"户编号":"H0933","村代码":"T01V01","人口":2},"geometry":null}]}`,
			want: []wantReject{
				{1, "geometry", "wrong_geometry", `{"got":"LineString","got_zh":"线","want":"point","want_zh":"点"}`, "",
					"几何：几何类型为 线，本图层要求 点", "geometry", "wants a point"},
				{2, "geometry", "outside_county", `{"lat":39.909,"lon":116.397}`, "",
					"几何：位置（116.397, 39.909）不在本县范围内", "geometry", ""},
				{3, "geometry", "geometry_missing", `null`, "",
					"几何：缺少位置", "geometry", ""},
			},
		},
		{
			// A CSV's geometry checked by the store is named by its column.
			name: "CSV point outside the county, lon/lat headers in Chinese", layer: "households",
			body: "户编号,村代码,人口,经度,纬度\nH0941,T01V01,2,,\n",
			want: []wantReject{
				{2, "geometry", "geometry_missing", `null`, "经度/纬度", "经度/纬度：缺少位置", "geometry", ""},
			},
		},
		{
			name: "WKT too deep, not WKT, and invalid", layer: "projects",
			body: "code,name,kind,town_code,wkt\n" +
				"P21,某项目,重点企业,T01,\"POLYGON((((120.02 32.12))))\"\n" +
				"P22,某项目,重点企业,T01,POINT 120.02 32.12\n" +
				"P23,某项目,重点企业,T01,\"POLYGON((120.0 32.1,120.1 32.2,120.1 32.1,120.0 32.2,120.0 32.1))\"\n",
			want: []wantReject{
				{2, "wkt", "wkt_too_deep", `{"max":3}`, "wkt",
					"wkt：WKT 的括号嵌套超过 3 层（MULTIPOLYGON 为 3 层）", "nested deeper", "WKT nested deeper than 3 brackets"},
				{3, "wkt", "bad_wkt", `{"value":"POINT 120.02 32.12"}`, "wkt",
					"wkt：“POINT 120.02 32.12”不是有效的 WKT", "not WKT", "not WKT"},
				{4, "geometry", "invalid_geometry", `{"reason":"Self-intersection[120.05 32.15]","reason_zh":"自相交，位于 120.05 32.15"}`, "wkt",
					"wkt：几何图形无效：自相交，位于 120.05 32.15", "Self-intersection", "invalid geometry: Self-intersection[120.05 32.15]"},
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
			// The reason column in Chinese; the machine columns with each
			// line's code and its parameters, as the record has them.
			byLine := rejectsFileRows(t, out.Bytes(), cmp.Or(tc.ext, ".csv") == ".csv")
			if head, _, _ := strings.Cut(out.String(), "\n"); cmp.Or(tc.ext, ".csv") == ".csv" &&
				!strings.HasSuffix(strings.TrimSpace(head), ",原行号,拒绝原因,reject_code,reject_params") {
				t.Errorf("zh rejects file's header %q, want it to end 原行号,拒绝原因,reject_code,reject_params", head)
			}
			for _, w := range tc.want {
				got := byLine[w.line]
				if !strings.Contains(got.reason, w.zh) {
					t.Errorf("zh rejects file's reason for line %d = %q, want it to hold %q:\n%s", w.line, got.reason, w.zh, out.String())
				}
				if w.notInZH != "" && strings.Contains(got.reason, w.notInZH) {
					t.Errorf("zh rejects file's reason for line %d = %q, holds the English %q", w.line, got.reason, w.notInZH)
				}
				wantParams := "[" + w.params + "]"
				if w.params == "null" {
					wantParams = "[{}]" // a code without parameters
				}
				if got.code != w.code || got.params != wantParams {
					t.Errorf("zh rejects file's line %d: reject_code %q reject_params %s, want %q %s", w.line, got.code, got.params, w.code, wantParams)
				}
			}
		})
	}
}

// rejectsFileRow is a rejects file's reject columns of one row.
type rejectsFileRow struct{ reason, code, params string }

// rejectsFileRows reads a rejects file (CSV, else GeoJSON lines) by its
// reject_line: reject_reason, reject_code and reject_params (as compact
// JSON with sorted keys).
func rejectsFileRows(t *testing.T, b []byte, isCSV bool) map[int64]rejectsFileRow {
	t.Helper()
	rows := map[int64]rejectsFileRow{}
	norm := func(s string) string {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("reject_params %q: %v", s, err)
		}
		out, _ := json.Marshal(v)
		return string(out)
	}
	if isCSV {
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) == 0 {
			t.Fatalf("rejects file: %v\n%s", err, b)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			// A Chinese file heads its line and reason 原行号, 拒绝原因.
			if en, ok := map[string]string{"原行号": "reject_line", "拒绝原因": "reject_reason"}[h]; ok {
				h = en
			}
			col[h] = i
		}
		for _, name := range []string{"reject_line", "reject_reason", "reject_code", "reject_params"} {
			if _, ok := col[name]; !ok {
				t.Fatalf("rejects file's header %q, want a %s column", recs[0], name)
			}
		}
		for _, r := range recs[1:] {
			line, _ := strconv.ParseInt(r[col["reject_line"]], 10, 64)
			rows[line] = rejectsFileRow{r[col["reject_reason"]], r[col["reject_code"]], norm(r[col["reject_params"]])}
		}
		return rows
	}
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var f struct {
			Properties struct {
				Line   int64           `json:"reject_line"`
				Params json.RawMessage `json:"reject_params"`
			}
		}
		var p struct {
			Properties map[string]any
		}
		if err := json.Unmarshal(l, &f); err != nil || json.Unmarshal(l, &p) != nil {
			t.Fatalf("rejects file line %s: %v", l, err)
		}
		reason, _ := p.Properties["reject_reason"].(string)
		code, _ := p.Properties["reject_code"].(string)
		rows[f.Properties.Line] = rejectsFileRow{reason, code, norm(string(f.Properties.Params))}
	}
	return rows
}

func checkRejects(t *testing.T, where string, got []ingest.RowError, want []wantReject) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rejects %+v, want %d", where, len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		params, _ := json.Marshal(g.Params)
		if g.Line != w.line || g.Field != w.field || g.Code != w.code || string(params) != w.params || g.Header != w.header || g.Reason == "" ||
			!strings.Contains(g.Reason, w.en) {
			t.Errorf("%s reject %d: line %d field %q code %q params %s header %q (reason %q);\nwant line %d field %q code %q params %s header %q and a reason holding %q",
				where, i, g.Line, g.Field, g.Code, params, g.Header, g.Reason, w.line, w.field, w.code, w.params, w.header, w.en)
		}
	}
}

// TestCodesWorded checks that every code is worded in Chinese for the
// rejects file (ReasonZH, never falling back to the English reason) and
// in both languages of the web map (frontend/src/i18n.js,
// imp.reject.<code> in the zh-CN and the en table).
func TestCodesWorded(t *testing.T) {
	for _, code := range ingest.Codes {
		zh := ingest.ReasonZH(ingest.RowError{Code: code, Reason: "THE ENGLISH REASON", Params: map[string]any{}})
		if zh == "" || strings.Contains(zh, "THE ENGLISH REASON") {
			t.Errorf("ReasonZH of code %s = %q, want Chinese words", code, zh)
		}
	}
	wordstest.CheckWorded(t, "imp.reject.", ingest.Codes)
}
