package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// TestTerminatedBackendLeavesNothing cuts the import's database connection
// (pg_terminate_backend, as a database restart would) in each phase of an
// import, and checks that nothing landed, that the import is recorded as
// failed, and that running it again lands every row exactly once.
func TestTerminatedBackendLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st, url := storetest.New(t)
	loadCounty(t, st)
	path := filepath.Join(t.TempDir(), "many.csv")
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	const n = 40000
	for i := range n {
		fmt.Fprintf(&b, "T%05d,T01V01,%d,%.6f,%.6f\n", i, 1+i%4, 120.001+float64(i%1000)*0.00004, 32.101+float64(i/1000)*0.002)
	}
	writeFile(t, path, b.String())
	before := checksum(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, phase := range []struct{ name, query string }{
		{"copy into staging", `copy "_ingest"%`},
		{"checks", `SELECT line, field, reason, code, params FROM (%`},
		{"inserting households", `INSERT INTO households%`},
	} {
		t.Run(phase.name, func(t *testing.T) {
			done := make(chan struct{})
			var rec ingest.Record
			var runErr error
			go func() {
				defer close(done)
				rec, runErr = ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "households", Path: path})
			}()
			var killed int
			for killed == 0 {
				select {
				case <-done:
					t.Fatalf("the import ended before reaching %q (%v): make the file larger", phase.name, runErr)
				default:
				}
				if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE $1`,
					phase.query).Scan(&killed); err != nil {
					t.Fatal(err)
				}
				time.Sleep(2 * time.Millisecond)
			}
			<-done
			if runErr == nil {
				t.Fatalf("import whose backend was terminated in %s returned no error", phase.name)
			}
			if after := checksum(t, url); after != before {
				t.Fatalf("terminated in %s: database changed\nbefore %s\nafter  %s", phase.name, before, after)
			}
			got, err := st.Import(ctx, lianxin.SystemScope(), rec.ID)
			if err != nil || got.Status != ingest.StatusFailed {
				t.Fatalf("import %d: status %q (%v), want %q", rec.ID, got.Status, err, ingest.StatusFailed)
			}
		})
	}
	rec, err := importFile(t, st, "households", path, ingest.Options{})
	if err != nil || rec.Inserted != n {
		t.Fatalf("import after the terminated ones: inserted %d, %v; want %d", rec.Inserted, err, n)
	}
	var count, distinct int
	if err := queryRow(url, `SELECT count(*), count(DISTINCT external_id) FROM households WHERE external_id LIKE 'T%'`, &count, &distinct); err != nil || count != n || distinct != n {
		t.Fatalf("households T%%: %d rows, %d distinct (%v); want %d", count, distinct, err, n)
	}
}

// TestServiceShutdown: a shutdown that has time lets an import finish; one
// that runs out of time cancels it, and it rolls back whole and is recorded
// as failed; after either, new imports are refused.
func TestServiceShutdown(t *testing.T) {
	ctx := context.Background()
	st, url := storetest.New(t)
	loadCounty(t, st)
	var b strings.Builder
	b.WriteString("external_id,village_code,residents,lon,lat\n")
	const n = 40000
	for i := range n {
		fmt.Fprintf(&b, "S%05d,T01V01,2,%.6f,%.6f\n", i, 120.001+float64(i%1000)*0.00004, 32.101+float64(i/1000)*0.002)
	}
	big := b.String()
	small := "external_id,village_code,residents,lon,lat\nS1,T01V01,2,120.01,32.11\n"
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, tc := range []struct {
		name       string
		body       string
		wait       time.Duration
		wantStatus string
		wantRows   int
	}{
		{"drained", small, time.Minute, ingest.StatusSucceeded, 1},
		{"cancelled", big, 0, ingest.StatusFailed, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := ingest.NewService(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
			scope := lianxin.SystemScope()
			rec, err := svc.Start(ctx, scope, ingest.Upload{Layer: "households", FileName: "h.csv"}, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.wait == 0 {
				// Cancel once the rows are streaming in.
				for copying := false; !copying; time.Sleep(2 * time.Millisecond) {
					if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
						AND state = 'active' AND query LIKE 'copy "_ingest"%')`).Scan(&copying); err != nil {
						t.Fatal(err)
					}
				}
			}
			shutdownCtx, cancel := context.WithTimeout(ctx, tc.wait)
			defer cancel()
			err = svc.Shutdown(shutdownCtx)
			if (err == nil) != (tc.wantStatus == ingest.StatusSucceeded) {
				t.Fatalf("Shutdown(%s) = %v; want an error only when it had to cancel", tc.wait, err)
			}
			got, err := st.Import(ctx, scope, rec.ID)
			if err != nil || got.Status != tc.wantStatus {
				t.Fatalf("import %d after shutdown: status %q (%v), want %q", rec.ID, got.Status, err, tc.wantStatus)
			}
			var rows int
			if err := queryRow(url, `SELECT count(*) FROM households WHERE external_id LIKE 'S%'`, &rows); err != nil || rows != tc.wantRows {
				t.Fatalf("households S%%: %d (%v), want %d", rows, err, tc.wantRows)
			}
			if _, err := svc.Start(ctx, scope, ingest.Upload{Layer: "households", FileName: "h.csv"}, strings.NewReader(small)); lianxin.ErrorCode(err) != lianxin.EUnavailable {
				t.Fatalf("Start after Shutdown: %v; want unavailable", err)
			}
		})
	}
}
