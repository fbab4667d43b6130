package reliability

import (
	"context"
	"io"
	"lianxin/store/storetest"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTerminatedBackendsDuringTraffic kills every server backend again and
// again while reads and writes run: reads never see a 5xx (a lost connection
// is retried once on a fresh one), and every write either answers success
// and lands exactly once, or fails and lands not at all.
func TestTerminatedBackendsDuringTraffic(t *testing.T) {
	ctx := context.Background()
	c := newCluster(t, 54339)
	// No tile cache: every tile goes to the database.
	served := c.serveCounty(t, "lxterminate", 4, -1, 10*time.Second)
	county, hs := served.county, served.server
	dbURL := c.url("lxterminate")

	town := county.Towns[0].Code
	reads := []string{
		"/api/v1/reports/gaps?town=" + town,
		"/api/v1/reports/summary",
		"/api/v1/towns",
		"/tiles/villages/11/1706/830.mvt",
		"/tiles/h3/10/853/415.mvt",
	}
	admin := storetest.Connect(t, dbURL)

	var mu sync.Mutex
	readFailures := map[string]int{}
	reads5xx, readsDone := 0, 0
	writesOK, writesFailed := 0, 0
	kills := 0
	var slowest time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				res, err := http.Get(hs.URL + reads[i%len(reads)])
				if err != nil {
					t.Errorf("GET %s: %v", reads[i%len(reads)], err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mu.Lock()
				slowest = max(slowest, time.Since(start))
				readsDone++
				if res.StatusCode >= 500 {
					reads5xx++
					readFailures[res.Status+" "+strings.TrimSpace(string(body))]++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Add(1)
	go func() { // writes: snapshots, one row per success
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			res, err := http.Post(hs.URL+"/api/v1/snapshots", "application/json", strings.NewReader(`{"as_of":"2026-06-01"}`))
			if err != nil {
				t.Errorf("POST snapshot: %v", err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			if res.StatusCode/100 == 2 {
				writesOK++
			} else {
				writesFailed++
			}
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	// Three kill events, each spaced three times wider than the slowest read
	// seen so far, so that a read retried after one kill is not itself cut
	// by the next: the retry is once, as the server promises, not forever.
	time.Sleep(2 * time.Second)
	for event := 0; event < 3; event++ {
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'lianxin'
			  AND backend_start < statement_timestamp()) k`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		kills += n
		mu.Lock()
		spacing := max(2*time.Second, 3*slowest)
		mu.Unlock()
		time.Sleep(spacing)
	}
	close(stop)
	wg.Wait()

	var stored int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM coverage_snapshots`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d backends terminated in 3 events; %d reads (%d 5xx, slowest %s); writes %d ok, %d failed, %d stored",
		kills, readsDone, reads5xx, slowest, writesOK, writesFailed, stored)
	if kills < 3 || readsDone < 50 || writesOK == 0 {
		t.Fatalf("too little happened to prove anything: %d kills, %d reads, %d writes", kills, readsDone, writesOK)
	}
	if reads5xx > 0 {
		t.Errorf("%d reads answered 5xx while backends were terminated, want none: %v", reads5xx, readFailures)
	}
	if stored != writesOK {
		t.Errorf("%d snapshots stored for %d successful writes: a write was lost or duplicated", stored, writesOK)
	}
}
