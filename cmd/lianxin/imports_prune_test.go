package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxin/store"
	"lianxin/store/storetest"
)

// TestImportsPrune runs `lianxin imports prune` over import records of
// several ages: it deletes the rejects files of imports finished before
// the cutoff and nothing else (records, counts, first rejects stay; a
// running import is never pruned), writes one audit line per prune, and a
// dry run deletes nothing. The server's role cannot prune.
func TestImportsPrune(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	conn := storetest.Connect(t, url)
	// An import per age: finished 100 days ago (its file goes), 10 days
	// ago (stays), started 200 days ago and still running (stays), and one
	// finished 100 days ago without a file.
	ids := map[string]int64{}
	for _, imp := range []struct {
		name     string
		finished *time.Duration
		file     int // bytes of its rejects file, 0 without one
	}{
		{"old", ptr(100 * 24 * time.Hour), 1000},
		{"recent", ptr(10 * 24 * time.Hour), 700},
		{"running", nil, 300},
		{"old without file", ptr(100 * 24 * time.Hour), 0},
	} {
		var id int64
		var finished *time.Time
		if imp.finished != nil {
			finished = ptr(time.Now().Add(-*imp.finished))
		}
		status := "succeeded"
		if finished == nil {
			status = "running"
		}
		if err := conn.QueryRow(ctx, `INSERT INTO imports (layer, source, started_by, started_at, finished_at, status, rejected)
			VALUES ('households', 'upload', 'clerk', now() - interval '200 days', $1, $2, 5) RETURNING id`, finished, status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO import_rejects (import_id, ordinal, line, reason) VALUES ($1, 1, 2, 'bad village')`, id); err != nil {
			t.Fatal(err)
		}
		if imp.file > 0 {
			if _, err := conn.Exec(ctx, `INSERT INTO import_rejects_files (import_id, file_name, format, rows, complete, personal, content)
				VALUES ($1, 'h.rejects.csv', 'csv', 5, true, true, $2)`, id, bytes.Repeat([]byte("x"), imp.file)); err != nil {
				t.Fatal(err)
			}
		}
		ids[imp.name] = id
	}
	files := func() []int64 {
		t.Helper()
		var out []int64
		rows, err := conn.Query(ctx, `SELECT import_id FROM import_rejects_files ORDER BY import_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	audits := func() int {
		var n int
		storetest.QueryRow(t, url, `SELECT count(*) FROM audit_log WHERE action = 'imports_prune'`, &n)
		return n
	}
	all := []int64{ids["old"], ids["recent"], ids["running"]}
	kept := []int64{ids["recent"], ids["running"]}

	// The server's role may not delete them.
	app, err := store.Open(ctx, url, store.Options{MaxConns: 2, Role: store.AppRole, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, _, err := app.PruneRejectsFiles(ctx, "app", time.Now(), false); err == nil || !slices.Equal(files(), all) {
		t.Errorf("PruneRejectsFiles as the server's role = %v, files left %v; want an error and every file %v", err, files(), all)
	}

	for _, tc := range []struct {
		name      string
		args      []string
		wantErr   string
		wantOut   string
		wantFiles []int64
		audits    int // audit lines of prunes so far
	}{
		{"no age", []string{"imports", "prune"}, "--older-than is required", "", all, 0},
		{"a bad age", []string{"imports", "prune", "--older-than", "ninety"}, `--older-than "ninety"`, "", all, 0},
		{"an unknown action", []string{"imports", "purge", "--older-than", "90d"}, `unknown imports action "purge"`, "", all, 0},
		{"a dry run", []string{"imports", "prune", "--older-than", "90d", "--dry-run"}, "", "would delete 1 rejects files (1000 bytes)", all, 0},
		{"90 days", []string{"imports", "prune", "--older-than", "90d"}, "", "deleted 1 rejects files (1000 bytes)", kept, 1},
		{"again: nothing left that old", []string{"imports", "prune", "--older-than", "2160h"}, "", "deleted 0 rejects files (0 bytes)", kept, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append(tc.args, "--database-url", url, "--log-level", "warn")
			err := run(ctx, args, func(string) string { return "" }, &out, &out)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("run(%q) = %v, want no error; printed %s", tc.args, err, out.String())
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("run(%q) = %v, want an error containing %q", tc.args, err, tc.wantErr)
			case !strings.Contains(out.String(), tc.wantOut):
				t.Errorf("run(%q) printed %q, want it to contain %q", tc.args, out.String(), tc.wantOut)
			}
			if got := files(); !slices.Equal(got, tc.wantFiles) {
				t.Errorf("after run(%q): rejects files of imports %v, want %v", tc.args, got, tc.wantFiles)
			}
			if got := audits(); got != tc.audits {
				t.Errorf("after run(%q): %d audit lines of prunes, want %d", tc.args, got, tc.audits)
			}
		})
	}

	// The records stay, with their counts and first rejects.
	var records, rejected, firstRejects int64
	storetest.QueryRow(t, url, `SELECT count(*), sum(rejected), (SELECT count(*) FROM import_rejects) FROM imports`, &records, &rejected, &firstRejects)
	if records != 4 || rejected != 20 || firstRejects != 4 {
		t.Errorf("after the prunes: %d import records with %d rejected and %d first rejects, want 4, 20 and 4", records, rejected, firstRejects)
	}
	// The audit line names the command line, the cutoff and the import.
	var actor string
	var rows int64
	var detail []byte
	storetest.QueryRow(t, url, `SELECT actor, rows, detail FROM audit_log WHERE action = 'imports_prune' ORDER BY id LIMIT 1`, &actor, &rows, &detail)
	var d struct {
		Before    string  `json:"finished_before"`
		ImportIDs []int64 `json:"import_ids"`
		Bytes     int64   `json:"bytes"`
	}
	if err := json.Unmarshal(detail, &d); err != nil {
		t.Fatal(err)
	}
	if actor != cliActor || rows != 1 || !slices.Equal(d.ImportIDs, []int64{ids["old"]}) || d.Bytes != 1000 || d.Before == "" {
		t.Errorf("audit line of the prune: actor %q, rows %d, detail %s; want %q, 1, import %d of 1000 bytes and the cutoff",
			actor, rows, detail, cliActor, ids["old"])
	}
}

func ptr[T any](v T) *T { return &v }
