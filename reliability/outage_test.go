package reliability

import (
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// outage is how long PostgreSQL stays down in TestDatabaseOutage: the 60 s
// the reliability issue names. LIANXIN_OUTAGE shortens it while developing.
func outage(t *testing.T) time.Duration {
	if v := os.Getenv("LIANXIN_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("LIANXIN_OUTAGE=%q: %v", v, err)
		}
		return d
	}
	return 60 * time.Second
}

type sample struct {
	phase   string
	path    string
	status  int
	latency time.Duration
}

// TestDatabaseOutage stops PostgreSQL under a steady load: /healthz stays
// 200, /readyz turns 503, requests fail fast with 503 (or are answered from
// the tile cache), goroutines do not pile up, and service is back within 2 s
// of the database's return, with no restart.
func TestDatabaseOutage(t *testing.T) {
	c := newCluster(t, 54339)
	const deadline = 5 * time.Second
	served := c.serveCounty(t, "lxfaults", 3, 16<<20, deadline)
	county, hs := served.county, served.server
	client := &http.Client{Timeout: 2 * deadline}

	town := county.Towns[0].Code
	paths := []string{
		"/api/v1/reports/gaps?town=" + town,
		"/api/v1/reports/summary",
		"/api/v1/towns",
		"/tiles/villages/11/1706/830.mvt",
		"/tiles/h3/10/853/415.mvt",
	}
	get := func(path string) (int, time.Duration) {
		start := time.Now()
		res, err := client.Get(hs.URL + path)
		if err != nil {
			return -1, time.Since(start)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == 503 && os.Getenv("LIANXIN_DEBUG_503") != "" {
			t.Logf("503 %s: %s", path, body)
		}
		return res.StatusCode, time.Since(start)
	}
	for _, p := range append([]string{"/readyz"}, paths...) {
		if status, _ := get(p); status != 200 {
			t.Fatalf("before the outage GET %s = %d, want 200", p, status)
		}
	}

	var phase atomic.Value
	phase.Store("up")
	var mu sync.Mutex
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := paths[i%len(paths)]
				ph := phase.Load().(string)
				status, lat := get(p)
				if phase.Load().(string) != ph {
					continue // straddled a change of phase: belongs to neither
				}
				mu.Lock()
				samples = append(samples, sample{ph, p, status, lat})
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		}(w)
	}
	time.Sleep(2 * time.Second)
	baseGoroutines := runtime.NumGoroutine()

	phase.Store("stopping")
	c.run(t, "stop")
	phase.Store("down")
	downUntil := time.Now().Add(outage(t))
	maxGoroutines := 0
	for time.Now().Before(downUntil) {
		if status, _ := get("/readyz"); status != http.StatusServiceUnavailable {
			t.Errorf("database down: /readyz = %d, want 503", status)
		}
		if status, _ := get("/healthz"); status != http.StatusOK {
			t.Errorf("database down: /healthz = %d, want 200", status)
		}
		maxGoroutines = max(maxGoroutines, runtime.NumGoroutine())
		time.Sleep(500 * time.Millisecond)
	}

	phase.Store("restarting")
	c.run(t, "start") // returns once PostgreSQL accepts connections
	back := time.Now()
	phase.Store("recovering")
	var recovered time.Duration
	for {
		ready, _ := get("/readyz")
		gaps, _ := get(paths[0])
		if ready == 200 && gaps == 200 {
			recovered = time.Since(back)
			break
		}
		if time.Since(back) > 30*time.Second {
			t.Fatalf("not recovered 30 s after the database returned (readyz %d, gaps %d)", ready, gaps)
		}
		time.Sleep(50 * time.Millisecond)
	}
	phase.Store("after")
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	if recovered > 2*time.Second {
		t.Errorf("service back %s after the database returned, want within 2 s", recovered)
	}
	if maxGoroutines > baseGoroutines+50 {
		t.Errorf("goroutines grew from %d to %d while the database was down: requests pile up", baseGoroutines, maxGoroutines)
	}
	byPhase := map[string][]sample{}
	for _, s := range samples {
		byPhase[s.phase] = append(byPhase[s.phase], s)
	}
	for _, s := range byPhase["up"] {
		if s.status != 200 {
			t.Errorf("before the outage GET %s = %d, want 200", s.path, s.status)
		}
	}
	for _, s := range byPhase["after"] {
		if s.status != 200 {
			t.Errorf("after recovery GET %s = %d, want 200", s.path, s.status)
		}
	}
	down := byPhase["down"]
	if len(down) < 20 {
		t.Fatalf("only %d requests during the outage: the load did not run", len(down))
	}
	var lat []time.Duration
	for _, s := range down {
		if s.status != 200 && s.status != http.StatusServiceUnavailable {
			t.Errorf("database down: GET %s = %d, want 503 (or 200 from the tile cache)", s.path, s.status)
		}
		lat = append(lat, s.latency)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p99 := lat[len(lat)*99/100]
	if p99 > time.Second {
		t.Errorf("database down: p99 latency %s, want under 1 s (fail fast)", p99)
	}
	t.Logf("outage %s: %d requests, p99 %s; recovered in %s; goroutines %d → max %d",
		outage(t), len(down), p99, recovered, baseGoroutines, maxGoroutines)
}
