package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

// TestIngestTemplateLang writes `lianxin ingest --template visits` in the
// language asked by --lang, else LIANXIN_LANG, else the locale: the
// Chinese template heads its columns 日记编号, 队员代码 … and explains
// them in Chinese; the English one keeps the canonical names. No
// database is needed.
func TestIngestTemplateLang(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		env        map[string]string
		wantHeader string // the first three columns
		wantLine   string
	}{
		{"--lang zh", []string{"--lang", "zh"}, nil, "日记编号,队员代码,户编号", "# 队员代码*：走访队员的代码"},
		{"LIANXIN_LANG=zh", nil, map[string]string{"LIANXIN_LANG": "zh"}, "日记编号,队员代码,户编号", "# 日记编号 标识一行"},
		{"a Chinese locale", nil, map[string]string{"LANG": "zh_CN.UTF-8"}, "日记编号,队员代码,户编号", "# 走访（民情日记）"},
		{"--lang en over LIANXIN_LANG=zh", []string{"--lang", "en"}, map[string]string{"LIANXIN_LANG": "zh"},
			"external_id,member_code,household_id", "# member_code*: code of the visiting member"},
		{"no choice", nil, nil, "external_id,member_code,household_id", "# external_id identifies a row"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"ingest"}, tc.args...), "--template", "visits")
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, func(k string) string { return tc.env[k] }, &out, &errOut); err != nil {
				t.Fatalf("lianxin %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
			}
			header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out.String(), "\ufeff"))).Read()
			if err != nil || len(header) < 3 {
				t.Fatalf("lianxin %s: header %q (%v)", strings.Join(args, " "), header, err)
			}
			if got := strings.Join(header[:3], ","); got != tc.wantHeader {
				t.Errorf("lianxin %s (env %v): header starts %s, want %s", strings.Join(args, " "), tc.env, got, tc.wantHeader)
			}
			if !strings.Contains(out.String(), tc.wantLine) {
				t.Errorf("lianxin %s (env %v): no line %q in:\n%s", strings.Join(args, " "), tc.env, tc.wantLine, out.String())
			}
		})
	}
}
