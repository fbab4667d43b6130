package main

import (
	"bytes"
	"context"
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
	if err := os.WriteFile(path, []byte("走访编号,队员编号,户编号,走访时间,走访类型\nR1V0009,M0017,3212991032010003,2026-11-20 10:00,入户走访\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"badhdr.csv：表头第 1 列“走访编号”不是可识别的列名", "缺少必填列“日记编号”（也可写作 external_id、编号、id）"},
			[]string{"unknown column", "missing column", "line 1"}},
		{"en", []string{`badhdr.csv line 1 (header): unknown column "走访编号"`, "missing column external_id (or 日记编号, 编号, id)"}, []string{"表头"}},
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
