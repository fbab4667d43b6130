package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/store/storetest"
)

// TestIngestRefusedFileLang runs `lianxin ingest` on a file with a header
// typo: with --lang zh the refusal names the column and the missing one in
// Chinese, with no English; without it, the English as it always was.
func TestIngestRefusedFileLang(t *testing.T) {
	_, url := storetest.New(t)
	path := filepath.Join(t.TempDir(), "badhdr.csv")
	if err := os.WriteFile(path, []byte("流水号,队员号,户编号,走访时间,走访类型\nR1V0009,M0017,3212991032010003,2026-11-20 10:00,入户走访\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"badhdr.csv：表头第 1 列“流水号”不是可识别的列名", "缺少必填列“日记编号”（也可写作 external_id、走访编号、记录编号、走访记录编号、日记号）"},
			[]string{"unknown column", "missing column", "line 1"}},
		{"en", []string{`badhdr.csv line 1 (header): unknown column "流水号"`, "missing column external_id (or 日记编号, 走访编号, 记录编号, 走访记录编号, 日记号)"}, []string{"表头"}},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			args := []string{"ingest", "--database-url", url, "--lang", tc.lang, "visits", path}
			var out bytes.Buffer
			err := run(context.Background(), args, func(string) string { return "" }, &out, &out)
			if err == nil {
				t.Fatalf("run(%q) = nil, want the header refused", args)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run(%q) = %q, want it to hold %q", args, err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("run(%q) = %q, want no %q", args, err, n)
				}
			}
		})
	}
}

// TestIngestLangChoice imports a villages file with one row of an unknown
// town, as a dry run that skips invalid rows, in the language each way of
// asking gives: --lang, then LIANXIN_LANG, then the locale (LC_ALL before
// LANG), else English. The rejected row's line, the rejects file's line,
// the summary and its note are all in that language; the rejects file's
// reason too.
func TestIngestLangChoice(t *testing.T) {
	_, url := storetest.New(t)
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--database-url", url, "towns", goodFile("towns.csv")}, noEnv, &out, &out); err != nil {
		t.Fatalf("ingest towns: %v\n%s", err, out.String())
	}
	dir := t.TempDir()
	villages := filepath.Join(dir, "村界.csv")
	const square = `"POLYGON((120.00 32.10,120.05 32.10,120.05 32.20,120.00 32.20,120.00 32.10))"`
	if err := os.WriteFile(villages, []byte("村代码,村名,乡镇代码,类型,常住人口,户籍户数,农村,信访,wkt\n"+
		"T01V01,庄家村,T01,村,1200,400,是,否,"+square+"\n"+
		"T09V01,外村,T09,村,800,300,是,否,"+square+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zh := []string{"已拒绝：村界.csv 第 3 行：乡镇代码：找不到“T09”：镇（街道、园区）中没有这一条",
		"已把 1 个被拒绝的行写入", "这是试导入，请在",
		"：村（社区），新增 1，更新 0，未变 0，拒绝 1", "试导入：没有写入任何数据。将有 1 行被拒绝，其余的会导入。"}
	en := []string{"rejected: 村界.csv line 3, field town_code: unknown town_code T09", "wrote 1 rejected rows to",
		"villages inserted=1 updated=0 unchanged=0 rejected=1", "dry run: nothing written. 1 row would be rejected, the rest imported"}
	cases := []struct {
		name string
		flag string // --lang, when given
		env  map[string]string
		want []string
		// rejectsReason is part of the rejects file's reason.
		rejectsReason string
	}{
		{"--lang zh", "zh", nil, zh, "找不到“T09”"},
		{"LIANXIN_LANG", "", map[string]string{"LIANXIN_LANG": "zh"}, zh, "找不到“T09”"},
		{"a Chinese locale", "", map[string]string{"LANG": "zh_CN.UTF-8"}, zh, "找不到“T09”"},
		{"LC_ALL before LANG", "", map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, en, "unknown town_code T09"},
		{"the flag before the environment", "en", map[string]string{"LIANXIN_LANG": "zh", "LANG": "zh_CN.UTF-8"}, en, "unknown town_code T09"},
		{"nothing said: English", "", nil, en, "unknown town_code T09"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects := filepath.Join(dir, fmt.Sprintf("r%d.csv", i))
			args := []string{"ingest", "--database-url", url, "--dry-run", "--skip-invalid", "--rejects", rejects, "villages", villages}
			if tc.flag != "" {
				args = append(args, "--lang", tc.flag)
			}
			var out bytes.Buffer
			if err := run(context.Background(), args, func(k string) string { return tc.env[k] }, &out, &out); err != nil {
				t.Fatalf("run(%q) with env %v = %v, want no error; printed %s", args, tc.env, err, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("run(%q) with env %v printed %q, want it to hold %q", args, tc.env, out.String(), w)
				}
			}
			body, err := os.ReadFile(rejects)
			if err != nil || !strings.Contains(string(body), tc.rejectsReason) {
				t.Errorf("rejects file of run(%q) = %q (%v), want a reason holding %q", args, body, err, tc.rejectsReason)
			}
		})
	}
}

// TestIngestOptionRefusedLang gives `lianxin ingest` options it refuses
// before opening the database: each is said in the language asked for,
// the Chinese with no English sentence.
func TestIngestOptionRefusedLang(t *testing.T) {
	noDB := "postgres://nobody@127.0.0.1:1/none" // never reached: the options are refused first
	cases := []struct {
		name string
		args []string
		zh   string
		en   string
	}{
		{"unknown crs", []string{"--crs", "bd09", "households", "h.csv"},
			"无法识别的坐标系“bd09”：可选 wgs84、cgcs2000、gcj02", `crs "bd09": want one of wgs84, cgcs2000, gcj02`},
		{"unknown encoding", []string{"households", "h.csv", "--encoding", "big5"},
			"无法识别的编码“big5”：可选 auto、utf-8、gbk、gb18030", `encoding "big5": want auto, utf-8, gbk, gb18030`},
		{"unknown layer", []string{"rivers", "h.csv"}, "没有“rivers”这个图层：可选 towns、villages", `unknown layer "rivers": want one of towns, villages`},
		{"--rejects without --skip-invalid", []string{"--rejects", "r.csv", "households", "h.csv"},
			"--rejects r.csv 需要与 --skip-invalid 一起使用", "--rejects r.csv needs --skip-invalid"},
		{"bad bounds", []string{"--bounds", "120,32", "households", "h.csv"}, "范围“120,32”无效", `bounds "120,32": want west,south,east,north`},
		{"one argument", []string{"households"}, "ingest 需要一个图层和一个文件，收到 1 个参数", "ingest wants a layer and a file, got 1 arguments"},
		{"template of an unknown layer", []string{"--template", "rivers"}, "没有“rivers”这个图层", `unknown layer "rivers"`},
	}
	for _, tc := range cases {
		for _, lang := range []string{"zh", "en"} {
			t.Run(tc.name+"/"+lang, func(t *testing.T) {
				args := append([]string{"ingest", "--database-url", noDB, "--lang", lang}, tc.args...)
				var out bytes.Buffer
				err := run(context.Background(), args, func(string) string { return "" }, &out, &out)
				want := map[string]string{"zh": tc.zh, "en": tc.en}[lang]
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("run(%q) = %v, want an error holding %q", args, err, want)
				}
				if lang == "zh" && strings.Contains(err.Error(), "want") {
					t.Errorf("run(%q) = %q, want no English", args, err)
				}
			})
		}
	}
	// A --lang not understood is said in the locale's language.
	args := []string{"ingest", "--lang", "fr", "households", "h.csv"}
	err := run(context.Background(), args, func(k string) string { return map[string]string{"LANG": "zh_CN.UTF-8"}[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "无法识别的语言“fr”：可选 zh、en") {
		t.Errorf("run(%q) with LANG=zh_CN.UTF-8 = %v, want the language refused in Chinese", args, err)
	}
}
