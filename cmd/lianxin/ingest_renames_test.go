package main

import (
	"os"
	"path/filepath"
	"testing"

	"lianxin/store/storetest"
)

// `lianxin ingest --allow-renames` lets a member sheet rename a member
// (code_other_name otherwise, in the clerk's language); the cases run in
// order on one database.
func TestIngestAllowRenames(t *testing.T) {
	_, url := storetest.New(t)
	rename := filepath.Join(t.TempDir(), "members.csv")
	if err := os.WriteFile(rename, []byte("成员编号,姓名,队代码,角色\nM01,贺志风,D01,队长\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []runCase{
		{"towns", []string{"ingest", "--database-url", url, "towns", goodFile("towns.csv")}, "", "inserted=2"},
		{"teams", []string{"ingest", "--database-url", url, "teams", goodFile("teams.csv")}, "", "inserted=2"},
		{"members", []string{"ingest", "--database-url", url, "members", goodFile("members.csv")}, "", "inserted=3"},
		{"a rename is refused, in Chinese", []string{"ingest", "--lang", "zh", "--database-url", url, "members", rename},
			"1 行被拒绝", "代码“M01”已是“贺志凤”的代码，本行写的是“贺志风”"},
		{"… and lands with --allow-renames", []string{"ingest", "--allow-renames", "--database-url", url, "members", rename}, "", "inserted=0 updated=1"},
	}
	runCases(t, cases)
}
