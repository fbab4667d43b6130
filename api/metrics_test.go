package api_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lianxin/api"
)

func TestMetricsExposeStats(t *testing.T) {
	reg := prometheus.NewRegistry()
	err := api.RegisterStats(reg, api.StatSources{
		TileCache: func() (uint64, uint64, uint64) { return 7, 3, 4096 },
		Pool: func() api.PoolUsage {
			return api.PoolUsage{Acquired: 2, Idle: 5, Total: 7, Max: 16, AcquireWaits: 11, AcquireWait: 1500 * time.Millisecond}
		},
		ImportTotals: func(context.Context) (int64, int64, error) { return 1234, 56, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Metrics: reg})
	srv.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil)) // one latency sample
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		"lianxin_tile_cache_hits_total 7",
		"lianxin_tile_cache_misses_total 3",
		"lianxin_tile_cache_bytes 4096",
		"lianxin_db_pool_acquired_connections 2",
		"lianxin_db_pool_idle_connections 5",
		"lianxin_db_pool_total_connections 7",
		"lianxin_db_pool_max_connections 16",
		"lianxin_db_pool_acquire_waits_total 11",
		"lianxin_db_pool_acquire_wait_seconds_total 1.5",
		"lianxin_import_rows_total 1234",
		"lianxin_import_rejects_total 56",
		"lianxin_import_totals_up 1",
		`lianxin_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /metrics: no line %q in\n%s", want, body)
		}
	}
}
