package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// restartRows makes an import long enough (a few seconds) to be caught in
// each of its phases.
const restartRows = 60000

// restartPhases are the statements of an import the database is crashed
// in, as pg_stat_activity shows them.
var restartPhases = []struct{ name, query string }{
	{"copy into staging", `copy "_ingest"%`},
	// The UPDATE runs inside the WITH that audits the rows it changed
	// (store/ingest_changes.go), so it is matched anywhere in the text.
	{"writing households", `%UPDATE households AS t %`},
	{"inserting households", `INSERT INTO households%`},
}

// householdsSQL sums up the whole households table.
const householdsSQL = `SELECT count(*) || ':' || coalesce(md5(string_agg(h.id || '|' || coalesce(h.external_id, '') || '|' ||
  h.village_id || '|' || h.residents || '|' || ST_AsText(h.location), E'\n' ORDER BY h.id)), '') FROM households h`

// TestDatabaseCrashDuringIngest crashes PostgreSQL (pg_ctl stop -m
// immediate) in each phase of a large `lianxin ingest`, starts it again,
// and checks that nothing of the import landed and that its record says it
// failed; then runs the same import again and checks that every row landed
// exactly once, by count and checksum against the file, and that a third
// run changes nothing.
func TestDatabaseCrashDuringIngest(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 54339)
	st, _, dbURL := c.loadCounty(t, "lxcrashingest", 5, slog.New(slog.NewTextHandler(io.Discard, nil)))
	bin := buildLianxin(t)
	villages := query[string](t, dbURL, `SELECT code FROM villages ORDER BY code LIMIT 20`)
	path, want := demotest.HouseholdsFile(t, dbURL, villages, restartRows, "CRASH")
	before := query[string](t, dbURL, householdsSQL)[0]
	ingest := func() *exec.Cmd {
		return exec.Command(bin, "ingest", "--database-url", dbURL, "--log-level", "warn", "households", path)
	}

	for _, phase := range restartPhases {
		t.Run(phase.name, func(t *testing.T) {
			cmd := ingest()
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			id, err := waitForStatement(ctx, dbURL, phase.query, exited)
			if err != nil {
				cmd.Process.Kill()
				t.Fatalf("waiting for the import to reach %q: %v\n%s", phase.name, err, out.String())
			}
			c.crash(t)
			select {
			case err := <-exited:
				if err == nil {
					t.Fatalf("ingest succeeded although the database crashed in %s:\n%s", phase.name, out.String())
				}
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("ingest still running a minute after the database crashed in %s", phase.name)
			}
			c.run(t, "start")
			if got := query[string](t, dbURL, householdsSQL)[0]; got != before {
				t.Fatalf("crashed in %s: households changed\nbefore %s\nafter  %s", phase.name, before, got)
			}
			// The import's record says it failed, or is gone with the rest:
			// local clusters run synchronous_commit = off, so a crash within
			// a fraction of a second of the record's commit may undo it.
			rec, err := st.Import(ctx, lianxin.SystemScope(), id)
			switch {
			case lianxin.ErrorCode(err) == lianxin.ENotFound:
				t.Logf("import %d: its record was lost in the crash too (an asynchronous commit)", id)
			case err != nil || rec.Status != "failed" || rec.FinishedAt == nil:
				t.Fatalf("import %d after the database crashed under it: status %q finished %v (%v); want failed and finished, or no record",
					id, rec.Status, rec.FinishedAt, err)
			}
		})
	}

	out, err := ingest().CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("inserted=%d ", restartRows)) {
		t.Fatalf("import after the crashed ones: %s (%v); want inserted=%d", out, err, restartRows)
	}
	if got := query[string](t, dbURL, demotest.HouseholdsChecksumSQL("CRASH"))[0]; got != want {
		t.Fatalf("rows landed by the rerun (count:md5): %s, want %s (from the file)", got, want)
	}
	out, err = ingest().CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("unchanged=%d ", restartRows)) {
		t.Fatalf("second full import: %s (%v); want unchanged=%d", out, err, restartRows)
	}
	if got := query[string](t, dbURL, demotest.HouseholdsChecksumSQL("CRASH"))[0]; got != want {
		t.Fatalf("rows after the second full import (count:md5): %s, want %s", got, want)
	}
}

// buildLianxin builds the lianxin binary, so the test runs the command an
// operator runs.
func buildLianxin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lianxin")
	cmd := exec.Command("go", "build", "-o", bin, "lianxin/cmd/lianxin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build lianxin: %v\n%s", err, out)
	}
	return bin
}

// query runs sql on a connection of its own (the cluster restarts between
// calls) and returns its first column.
func query[T any](t *testing.T, url, sql string) []T {
	t.Helper()
	ctx := context.Background()
	conn := storetest.Connect(t, url)
	rows, _ := conn.Query(ctx, sql)
	out, err := pgx.CollectRows(rows, pgx.RowTo[T])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// waitForStatement polls until a running import's backend runs a statement
// matching like, and returns the import's id.
func waitForStatement(ctx context.Context, url, like string, exited <-chan error) (int64, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("the import ended first (%v): make the file larger", err)
		default:
		}
		var id int64
		err := conn.QueryRow(ctx, `SELECT i.id FROM imports i WHERE i.status = 'running' AND EXISTS (
			SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND state = 'active' AND query LIKE $1) ORDER BY i.id DESC LIMIT 1`, like).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, err
		}
	}
	return 0, fmt.Errorf("no statement like %q within 2 minutes", like)
}
