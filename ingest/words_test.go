package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"lianxin/frontend/wordstest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"lianxin"
	"lianxin/ingest"
)

var placeholders = regexp.MustCompile(`\{[a-z_]+\}`)

// hasHan reports whether s holds a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// TestEveryCodeWorded is the one check that every code — a row's reject,
// a file's problem, an option's refusal — and every line the command line
// says has both its wordings: English and Chinese for the command line
// (the catalogue, ReasonZH and ProblemZH beside the English reason), and
// imp.<family>.<code> in both tables of the web map. A new code without
// its words fails here.
func TestEveryCodeWorded(t *testing.T) {
	zhTable, enTable := wordstest.Tables(t)
	const english = "THE ENGLISH REASON"
	type family struct {
		name, webKey string
		codes        []string
		zh, en       func(code string) string
	}
	families := []family{
		{"reject", "imp.reject.", ingest.Codes,
			func(c string) string {
				return ingest.ReasonZH(ingest.RowError{Code: c, Reason: english, Params: map[string]any{}})
			},
			func(string) string { return english }}, // the English reason is the row's own
		{"file", "imp.problem.", ingest.FileCodes,
			func(c string) string {
				return ingest.ProblemZH(ingest.RowError{Code: c, Reason: english, Params: map[string]any{}})
			},
			func(string) string { return english }},
		{"option", "imp.option.", ingest.APIOptionCodes,
			func(c string) string { zh, _ := ingest.Wording(c); return zh },
			func(c string) string { _, en := ingest.Wording(c); return en }},
		{"command-line option", "", ingest.CLIOptionCodes,
			func(c string) string { zh, _ := ingest.Wording(c); return zh },
			func(c string) string { _, en := ingest.Wording(c); return en }},
		{"command line", "", slices.DeleteFunc(ingest.WordKeys(), func(k string) bool { return slices.Contains(ingest.OptionCodes, k) }),
			func(c string) string { zh, _ := ingest.Wording(c); return zh },
			func(c string) string { _, en := ingest.Wording(c); return en }},
	}
	seen := map[string]string{}
	for _, f := range families {
		for _, code := range f.codes {
			t.Run(f.name+"/"+code, func(t *testing.T) {
				if prev, ok := seen[code]; ok {
					t.Errorf("code %s is both a %s code and a %s code", code, prev, f.name)
				}
				seen[code] = f.name
				zh, en := f.zh(code), f.en(code)
				if !hasHan(zh) || strings.Contains(zh, english) || zh == code {
					t.Errorf("%s code %s in Chinese = %q, want Chinese words", f.name, code, zh)
				}
				if en == "" || hasHan(en) {
					t.Errorf("%s code %s in English = %q, want English words", f.name, code, en)
				}
				if f.webKey != "" {
					wordstest.CheckPresent(t, f.webKey, []string{code})
				}
			})
		}
	}
	// The option codes are in the catalogue, and the catalogue's two
	// wordings of a key take the same parameters. The codes the API sends
	// take them in the web map's two wordings too; the command line's own
	// codes never reach the web map, which has no wording of them.
	if got := slices.Concat(ingest.APIOptionCodes, ingest.CLIOptionCodes); !slices.Equal(got, ingest.OptionCodes) {
		t.Errorf("OptionCodes %v, want the API's then the command line's %v", ingest.OptionCodes, got)
	}
	for _, code := range ingest.OptionCodes {
		if !slices.Contains(ingest.WordKeys(), code) {
			t.Errorf("option code %s: not in the catalogue", code)
		}
	}
	params := func(s string) []string {
		p := placeholders.FindAllString(s, -1)
		slices.Sort(p)
		return slices.Compact(p)
	}
	for _, code := range ingest.APIOptionCodes {
		zh, en := ingest.Wording(code)
		want := params(en)
		for _, w := range []struct{ where, text string }{
			{"the catalogue's Chinese", zh},
			{"i18n.js zh-CN", webWording(t, zhTable, "imp.option."+code)},
			{"i18n.js en", webWording(t, enTable, "imp.option."+code)},
		} {
			if got := params(w.text); !slices.Equal(got, want) {
				t.Errorf("option code %s: %s %q takes %v, the catalogue's English %q takes %v; want the same parameters",
					code, w.where, w.text, got, en, want)
			}
		}
	}
	for _, code := range ingest.CLIOptionCodes {
		key := "'imp.option." + code + "':"
		if strings.Contains(zhTable, key) || strings.Contains(enTable, key) {
			t.Errorf("i18n.js words %s, a code only the command line gives: the web map never receives it", key)
		}
	}
	for _, key := range ingest.WordKeys() {
		zh, en := ingest.Wording(key)
		pz, pe := placeholders.FindAllString(zh, -1), placeholders.FindAllString(en, -1)
		slices.Sort(pz)
		slices.Sort(pe)
		if !slices.Equal(slices.Compact(pz), slices.Compact(pe)) {
			t.Errorf("catalogue %s: Chinese takes %v, English %v; want the same parameters", key, pz, pe)
		}
	}
}

// TestOptionErrors asks for imports the wrong way and checks each refusal:
// invalid, its details naming the option, its code and parameters (as the
// API sends them), its English message, and its Chinese for the command
// line.
func TestOptionErrors(t *testing.T) {
	call := func(f func() error) error { return f() }
	cases := []struct {
		name              string
		err               error
		option, code      string
		params, en, zh    string
		zhHolds, zhNotHas []string
	}{
		{"unknown encoding", call(func() error { _, err := ingest.ParseEncoding("big5"); return err }),
			"encoding", ingest.OptBadEncoding, `{"allowed":["auto","utf-8","gbk","gb18030"],"value":"big5"}`,
			`encoding "big5": want auto, utf-8, gbk, gb18030`, "无法识别的编码“big5”：可选 auto、utf-8、gbk、gb18030", nil, []string{"want"}},
		{"unknown crs", call(func() error { _, err := ingest.ParseCRS("bd09"); return err }),
			"crs", ingest.OptBadCRS, `{"allowed":["wgs84","cgcs2000","gcj02"],"value":"bd09"}`,
			`crs "bd09": want one of wgs84, cgcs2000, gcj02`, "", []string{"无法识别的坐标系“bd09”：可选 wgs84、cgcs2000、gcj02", "高德"}, []string{"want"}},
		{"unknown lang", call(func() error { _, err := ingest.ParseLang("fr"); return err }),
			"lang", ingest.OptBadLang, `{"allowed":["zh","en"],"value":"fr"}`,
			`lang "fr": want zh, en`, "无法识别的语言“fr”：可选 zh、en", nil, nil},
		{"unknown layer", call(func() error { _, err := ingest.LookupLayer("rivers"); return err }),
			"layer", ingest.OptUnknownLayer, `{"layers":["towns","villages","teams","members","households","contact_points","visits","projects","river_works"],"value":"rivers"}`,
			`unknown layer "rivers": want one of towns, villages, teams, members, households, contact_points, visits, projects, river_works`,
			"没有“rivers”这个图层：可选 towns、villages、teams、members、households、contact_points、visits、projects、river_works", nil, nil},
		{"template of an unknown layer", call(func() error { return ingest.WriteTemplate(&bytes.Buffer{}, "rivers", ingest.LangEN) }),
			"layer", ingest.OptUnknownLayer, "", "", "", []string{"没有“rivers”这个图层"}, nil},
		{"a flag not true or false", ingest.OptionError("skip_invalid", ingest.OptNotTrueFalse, map[string]any{"option": "skip_invalid", "value": "perhaps"}),
			"skip_invalid", ingest.OptNotTrueFalse, `{"option":"skip_invalid","value":"perhaps"}`,
			`skip_invalid "perhaps": want true or false`, "选项 skip_invalid 的值“perhaps”无效：应为 true（是）或 false（否）", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if lianxin.ErrorCode(tc.err) != lianxin.EInvalid {
				t.Fatalf("error %v: code %s, want invalid", tc.err, lianxin.ErrorCode(tc.err))
			}
			p, ok := ingest.OptionProblemOf(tc.err)
			if !ok || p.Option != tc.option || p.Code != tc.code {
				t.Fatalf("error %v: option problem %+v (%v), want option %s code %s", tc.err, p, ok, tc.option, tc.code)
			}
			if tc.params != "" {
				if got, _ := json.Marshal(p.Params); string(got) != tc.params {
					t.Errorf("error %v: params %s, want %s", tc.err, got, tc.params)
				}
			}
			if tc.en != "" && lianxin.ErrorMessage(tc.err) != tc.en {
				t.Errorf("error %v: message %q, want %q", tc.err, lianxin.ErrorMessage(tc.err), tc.en)
			}
			zh := ingest.Worded(ingest.LangZH, "", tc.err).Error()
			if tc.zh != "" && zh != tc.zh {
				t.Errorf("error %v in Chinese = %q, want %q", tc.err, zh, tc.zh)
			}
			for _, w := range tc.zhHolds {
				if !strings.Contains(zh, w) {
					t.Errorf("error %v in Chinese = %q, want it to hold %q", tc.err, zh, w)
				}
			}
			for _, n := range tc.zhNotHas {
				if strings.Contains(zh, n) {
					t.Errorf("error %v in Chinese = %q, want no %q", tc.err, zh, n)
				}
			}
			if en := ingest.Worded(ingest.LangEN, "", tc.err).Error(); en != lianxin.ErrorMessage(tc.err) {
				t.Errorf("error %v in English = %q, want the message %q", tc.err, en, lianxin.ErrorMessage(tc.err))
			}
		})
	}
}

// TestCLILines checks the command line's lines in both languages: a
// rejected row (its reason from the code in Chinese, the English reason
// as it always was), the summary and its note, the rejects file's line.
func TestCLILines(t *testing.T) {
	r := ingest.RowError{File: "户籍.csv", Unit: "line", Line: 7, Field: "residents", Header: "人口", Reason: `"两" is not a whole number`,
		Code: ingest.CodeBadNumber, Params: map[string]any{"value": "两"}}
	f := ingest.RowError{File: "村界.geojson", Unit: "feature", Line: 3, Reason: "not a Feature", Code: ingest.CodeNotFeature, Params: map[string]any{"got": "Point"}}
	rec := ingest.Record{ID: 12, Status: ingest.StatusSucceeded, Layer: "households", DryRun: true,
		Counts: ingest.Counts{Inserted: 5, Rejected: 2}, Message: "dry run: nothing written. 2 rows would be rejected, the rest imported"}
	zh, en := ingest.CLI{Lang: ingest.LangZH}, ingest.CLI{Lang: ingest.LangEN}
	zhLine, zhNote := zh.Summary(rec)
	enLine, enNote := en.Summary(rec)
	cases := []struct{ name, got, want string }{
		{"reject zh", zh.Reject(r), "已拒绝：户籍.csv 第 7 行：人口：“两”不是有效的数字"},
		{"reject en", en.Reject(r), "rejected: " + r.Error()},
		{"feature zh", zh.Reject(f), "已拒绝：村界.geojson 第 3 个要素：不是 GeoJSON 要素：类型为“Point”，应为 Feature"},
		{"summary zh", zhLine, "导入 12 成功：农户（户籍登记），新增 5，更新 0，未变 0，拒绝 2"},
		{"summary en", enLine, "import 12 succeeded: households inserted=5 updated=0 unchanged=0 rejected=2"},
		{"note zh", zhNote, "试导入：没有写入任何数据。将有 2 行被拒绝，其余的会导入。"},
		{"note en", enNote, rec.Message},
		{"more zh", zh.MoreRejected(30, true), "……另有 30 行被拒绝（加 --dry-run --skip-invalid 可把每个被拒绝的行写入文件）"},
		{"more en", en.MoreRejected(30, true), "… and 30 more rejected rows (--dry-run --skip-invalid writes every rejected row to a file)"},
		{"rejects file zh", zh.WroteRejects(2, "h.rejects.csv", "h.csv", false), "已把 2 个被拒绝的行写入 h.rejects.csv：改正后再导入该文件"},
		{"progress zh", zh.Progress(4096, "2048") + " " + zh.ETA("3s"), "4096 行 2048 行/秒 剩余 3s"},
		{"progress en", en.Progress(4096, "2048") + " " + en.ETA("3s"), "4096 rows 2048 rows/s ETA 3s"},
		{"done zh", zh.Done("1.5s"), "用时 1.5s"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// Worded words the errors this package describes (an option's refusal,
// a file's refused rows) and leaves any other error as it is: the context
// an outage was wrapped in stays, which the old wording threw away.
func TestWordedKeepsContext(t *testing.T) {
	outage := lianxin.Errorf(lianxin.EUnavailable, "the database is unavailable")
	option := ingest.OptionError("crs", ingest.OptUnknownOption, map[string]any{"option": "crs", "options": []string{"file"}})
	rows := &lianxin.Error{Code: lianxin.EInvalid, Message: "3 rows refused", Details: map[string]any{"rejected": int64(3)}}
	cases := []struct {
		name, lang string
		err        error
		want       string
	}{
		{"an --as look-up on an outage, en", ingest.LangEN, fmt.Errorf("--as ann: look up user: %w", outage),
			"--as ann: look up user: unavailable: the database is unavailable"},
		{"an --as look-up on an outage, zh", ingest.LangZH, fmt.Errorf("--as ann: look up user: %w", outage),
			"--as ann: look up user: unavailable: the database is unavailable"},
		{"a bare outage reads as its message", ingest.LangEN, outage, "the database is unavailable"},
		{"an error of ours", ingest.LangEN, errors.New("disk full"), "disk full"},
		{"an option, en, wrapped", ingest.LangEN, fmt.Errorf("flags: %w", option), option.Message},
		{"an option, zh", ingest.LangZH, option, ingest.Say(ingest.LangZH, ingest.OptUnknownOption, option.Details.(ingest.OptionProblem).Params)},
		{"refused rows, en", ingest.LangEN, fmt.Errorf("import: %w", rows), "3 rows refused"},
	}
	for _, tc := range cases {
		if got := ingest.Worded(tc.lang, "f.csv", tc.err).Error(); got != tc.want {
			t.Errorf("%s: Worded(%s, %q) = %q, want %q", tc.name, tc.lang, tc.err, got, tc.want)
		}
	}
	zh := ingest.Worded(ingest.LangZH, "f.csv", fmt.Errorf("import: %w", rows)).Error()
	if !hasHan(zh) || !strings.Contains(zh, "3") {
		t.Errorf("Worded(zh, refused rows) = %q, want the Chinese wording with the count 3", zh)
	}
}

// webWording is the text of key in one table of i18n.js ('key': '…' on
// one line), "" when it is not there.
func webWording(t *testing.T, table, key string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*'` + regexp.QuoteMeta(key) + `':\s*'((?:[^'\\]|\\.)*)',?\s*$`).FindStringSubmatch(table)
	if m == nil {
		t.Errorf("i18n.js: no one-line wording of %s", key)
		return ""
	}
	return m[1]
}
