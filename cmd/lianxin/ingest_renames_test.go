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

// `lianxin ingest --allow-renames` lets a member sheet rename a member
// (code_other_name otherwise, in the clerk's language); the cases run in
// order on one database.
func TestIngestAllowRenames(t *testing.T) {
	_, url := storetest.New(t)
	good := func(name string) string { return filepath.Join("..", "..", "ingest", "testdata", "good", name) }
	rename := filepath.Join(t.TempDir(), "members.csv")
	if err := os.WriteFile(rename, []byte("成员编号,姓名,队代码,角色\nM01,贺志风,D01,队长\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string // in stdout and stderr
	}{
		{"towns", []string{"ingest", "--database-url", url, "towns", good("towns.csv")}, "", "inserted=2"},
		{"teams", []string{"ingest", "--database-url", url, "teams", good("teams.csv")}, "", "inserted=2"},
		{"members", []string{"ingest", "--database-url", url, "members", good("members.csv")}, "", "inserted=3"},
		{"a rename is refused, in Chinese", []string{"ingest", "--lang", "zh", "--database-url", url, "members", rename},
			"1 行被拒绝", "代码“M01”已是“贺志凤”的代码，本行写的是“贺志风”"},
		{"… and lands with --allow-renames", []string{"ingest", "--allow-renames", "--database-url", url, "members", rename}, "", "inserted=0 updated=1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, func(string) string { return "" }, &out, &out)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("run(%q) = %v, want no error; printed %s", tc.args, err, out.String())
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run(%q) = %v, want an error containing %q; printed %s", tc.args, err, tc.wantErr, out.String())
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Fatalf("run(%q) printed %q, want it to contain %q", tc.args, out.String(), tc.wantOut)
			}
		})
	}
}
