package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo/demotest"
)

// TestMain lets a test run this package's main as a child process (the
// real `lianxin` binary, built into the test binary), so that a test can
// kill it.
func TestMain(m *testing.M) {
	if os.Getenv("LIANXIN_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashRows is large enough that an import takes a few seconds, so it can
// be killed in each of its phases.
const crashRows = 60000

// importPhases are the statements an import can be killed in, as
// pg_stat_activity shows them.
var importPhases = []struct{ name, query string }{
	{"copy into staging", `copy "_ingest"%`},
	// The UPDATE runs inside the WITH that audits the rows it changed
	// (store/ingest_changes.go), so it is matched anywhere in the text.
	{"writing households", `%UPDATE households AS t %`},
	{"inserting households", `INSERT INTO households%`},
}

// TestKilledIngestLeavesNothing kills a real `lianxin ingest` (SIGKILL)
// in each phase of a large import, then checks that nothing landed, that
// the import's record is marked failed rather than left running, and that
// running the same import again lands every row exactly once.
func TestKilledIngestLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var villages []string
	rows, _ := conn.Query(ctx, `SELECT code FROM villages ORDER BY code LIMIT 20`)
	if villages, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(villages) == 0 {
		t.Fatalf("village codes: %v, %v", villages, err)
	}
	path, want := demotest.HouseholdsFile(t, url, villages, crashRows, "KILL")
	before := checksum(t, url)
	for _, phase := range importPhases {
		t.Run(phase.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "ingest", "--database-url", url, "--log-level", "warn", "households", path)
			cmd.Env = append(os.Environ(), "LIANXIN_TEST_RUN_MAIN=1")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			id, err := waitForPhase(ctx, conn, phase.query, exited)
			if err != nil {
				t.Fatalf("waiting for the import to reach %q: %v", phase.name, err)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-exited
			// The killed client's backend ends its transaction when it
			// finds the socket closed; then the data is as before.
			if err := waitIdle(ctx, conn); err != nil {
				t.Fatal(err)
			}
			if got := checksum(t, url); got != before {
				t.Fatalf("killed in %s: database changed\nbefore %s\nafter  %s", phase.name, before, got)
			}
			rec, err := st.Import(ctx, lianxin.SystemScope(), id)
			if err != nil || rec.Status != "failed" || rec.FinishedAt == nil {
				t.Fatalf("import %d after its process was killed: status %q finished %v (%v); want failed, finished",
					id, rec.Status, rec.FinishedAt, err)
			}
		})
	}
	out, err := runMain(t, "ingest", "--database-url", url, "--log-level", "warn", "households", path)
	if err != nil || !strings.Contains(out, fmt.Sprintf("inserted=%d ", crashRows)) {
		t.Fatalf("import after the killed ones: %s (%v); want inserted=%d", out, err, crashRows)
	}
	var got string
	if err := conn.QueryRow(ctx, demotest.HouseholdsChecksumSQL("KILL")).Scan(&got); err != nil || got != want {
		t.Fatalf("rows landed by the rerun: %s (%v), want %s", got, err, want)
	}
	out, err = runMain(t, "ingest", "--database-url", url, "--log-level", "warn", "households", path)
	if err != nil || !strings.Contains(out, fmt.Sprintf("unchanged=%d ", crashRows)) {
		t.Fatalf("second full import: %s (%v); want unchanged=%d", out, err, crashRows)
	}
}

func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LIANXIN_TEST_RUN_MAIN=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitForPhase polls until a running import's backend runs a statement
// matching query, and returns the import's id.
func waitForPhase(ctx context.Context, conn *pgx.Conn, query string, exited <-chan error) (int64, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return 0, fmt.Errorf("the import ended first (%v): make the file larger", err)
		default:
		}
		var running bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE $1)`,
			query).Scan(&running); err != nil {
			return 0, err
		}
		if running {
			var id int64
			err := conn.QueryRow(ctx, `SELECT id FROM imports WHERE status = 'running' ORDER BY id DESC LIMIT 1`).Scan(&id)
			return id, err
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no statement like %q within 2 minutes", query)
}

// waitIdle waits until no other backend of the database is in a
// transaction.
func waitIdle(ctx context.Context, conn *pgx.Conn) error {
	for range 3000 {
		var busy bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)`).Scan(&busy); err != nil {
			return err
		}
		if !busy {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("the killed import's transaction is still open after 30 s")
}
