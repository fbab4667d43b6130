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

// TestIngestCommand runs `lianxin ingest` as a clerk types it, flags before
// or after the layer and file, against a real database; the cases run in
// order, each on what the ones before imported.
func TestIngestCommand(t *testing.T) {
	_, url := storetest.New(t)
	dir := t.TempDir()
	register := filepath.Join(dir, "register.csv")
	if err := os.WriteFile(register, []byte("户编号,村代码,人口,经度,纬度\r\nH0101,T01V01,3,120.021,32.131\r\nH0102,T09V99,2,120.022,32.132\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "fixed.csv")
	cases := []runCase{
		{"flags before", []string{"ingest", "--database-url", url, "towns", goodFile("towns.csv")}, "", "towns inserted=2"},
		{"a dry run, flags after the file", []string{"ingest", "villages", goodFile("villages.csv"), "--dry-run", "--database-url", url},
			"", "villages inserted=3 updated=0 unchanged=0 rejected=0\ndry run: nothing written."},
		{"flags on both sides", []string{"ingest", "--dry-run=false", "villages", goodFile("villages.csv"), "--database-url", url}, "", "villages inserted=3"},
		{"again: unchanged", []string{"ingest", "villages", goodFile("villages.csv"), "--database-url", url}, "", "inserted=0 updated=0 unchanged=3"},
		{"a dry run with skip invalid reports every reject", []string{"ingest", "--dry-run", "--skip-invalid", "households", register, "--database-url", url},
			"", "dry run: nothing written. 1 row would be rejected, the rest imported"},
		{"… and says to fix the original file", []string{"ingest", "--dry-run", "--skip-invalid", "households", register, "--database-url", url},
			"", "register.rejects.csv: a dry run, so fix them in " + register + " and import it again"},
		{"skip invalid, rejects file named after the file", []string{"ingest", "households", register, "--skip-invalid", "--rejects", rejects, "--database-url", url},
			"", "households inserted=1 updated=0 unchanged=0 rejected=1"},
		{"a flag after the file is not taken for an argument", []string{"ingest", "households", register, "extra", "--database-url", url},
			"ingest wants a layer and a file, got 3 arguments", ""},
		// GBK with LF lines ending in a Chinese name, and GB18030 ending in
		// a four-byte character: detected, not refused as neither encoding.
		{"a GBK register ending in a Chinese name", []string{"ingest", "--dry-run", "households", encodingFile("households-head-last.gbk.csv"), "--database-url", url},
			"", "households inserted=5 updated=0 unchanged=0 rejected=0"},
		{"a GB18030 register ending in a four-byte character", []string{"ingest", "--dry-run", "households", encodingFile("households-4byte-last.gb18030.csv"), "--database-url", url},
			"", "households inserted=5 updated=0 unchanged=0 rejected=0"},
		{"template after a flag", []string{"ingest", "--log-level", "warn", "--template", "visits"}, "", "# visits: the people's diary"},
	}
	runCases(t, cases)
	body, err := os.ReadFile(rejects)
	if err != nil || !strings.Contains(string(body), "H0102,T09V99,2,120.022,32.132,3,village_code: unknown village_code T09V99") {
		t.Fatalf("rejects file %s = %q (%v), want the rejected row with its line and reason", rejects, body, err)
	}
}

// goodFile is a file of the ingest package's good test county.
func goodFile(name string) string {
	return filepath.Join("..", "..", "ingest", "testdata", "good", name)
}

// encodingFile is a file of the ingest package's encoding corpus.
func encodingFile(name string) string {
	return filepath.Join("..", "..", "ingest", "testdata", "encoding", name)
}

// runCase is one run of the command: its arguments, the error it must end
// with ("" for none) and what it must print (in stdout and stderr).
type runCase struct {
	name    string
	args    []string
	wantErr string
	wantOut string
}

// runCases runs the cases in order, each on what the ones before did.
func runCases(t *testing.T, cases []runCase) {
	t.Helper()
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
