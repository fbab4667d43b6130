package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lianxin"
)

type metrics struct {
	registry *prometheus.Registry
	latency  *prometheus.HistogramVec

	// observers keeps each label set's histogram, so a request looks it up
	// by a plain map key instead of hashing and checking its label values
	// in the vector (routes, methods and statuses are few). The map is
	// never changed once published: a new label set publishes a copy (under
	// mu), so a request reads it without a lock, which the requests of
	// every core would otherwise write in turn.
	mu        sync.Mutex
	observers atomic.Pointer[map[latencyLabels]prometheus.Observer]
}

type latencyLabels struct {
	route, method string
	status        int
}

func (m *metrics) observer(l latencyLabels) prometheus.Observer {
	if o, ok := (*m.observers.Load())[l]; ok {
		return o
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.observers.Load()
	if o, ok := old[l]; ok {
		return o
	}
	o := m.latency.WithLabelValues(l.route, l.method, statusLabel(l.status))
	next := make(map[latencyLabels]prometheus.Observer, len(old)+1)
	maps.Copy(next, old)
	next[l] = o
	m.observers.Store(&next)
	return o
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		registry: reg,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lianxin_http_request_duration_seconds",
			Help:    "HTTP request latency by route, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method", "status"}),
	}
	m.observers.Store(&map[latencyLabels]prometheus.Observer{})
	reg.MustRegister(m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records one request's latency under its route, method and status.
func (m *metrics) observe(c echo.Context, status int, latency time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	m.observer(latencyLabels{route, c.Request().Method, status}).Observe(latency.Seconds())
}

// statusOfResult is the status a request is answered with: the response's,
// or, for a handler's error, the one handleError sends (499 when the client
// went away and nothing is sent).
func statusOfResult(c echo.Context, err error) int {
	if err == nil || c.Response().Committed {
		return c.Response().Status
	}
	var le *lianxin.Error
	var he *echo.HTTPError
	code := lianxin.EInternal
	switch {
	case errors.As(err, &le):
		code = le.Code
	case errors.As(err, &he):
		if c, ok := codeOfStatus[he.Code]; ok {
			code = c
		}
	case errors.Is(err, context.DeadlineExceeded):
		code = lianxin.EUnavailable
	case errors.Is(err, context.Canceled):
		return 499
	}
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// statusLabel spells a status without allocating for the common ones.
func statusLabel(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case http.StatusNotModified:
		return "304"
	case http.StatusBadRequest:
		return "400"
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	case http.StatusNotFound:
		return "404"
	case http.StatusInternalServerError:
		return "500"
	case http.StatusServiceUnavailable:
		return "503"
	}
	return strconv.Itoa(status)
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

// PoolUsage is a snapshot of the database connection pool.
type PoolUsage struct {
	Acquired, Idle, Total, Max int32
	// AcquireWaits counts acquires that found no idle connection and had
	// to wait for one (pgxpool's EmptyAcquireCount).
	AcquireWaits int64
	// AcquireWait is the total time spent waiting to acquire.
	AcquireWait time.Duration
}

// StatSources feed /metrics at scrape time; nil fields are left out.
type StatSources struct {
	// TileCache reports the tile cache's hits, misses and size in bytes
	// (tiles.Service.CacheStats).
	TileCache func() (hits, misses, bytes uint64)
	Pool      func() PoolUsage
	// ImportTotals reports rows imported (inserted, updated or unchanged)
	// and rows rejected, over every import the database records.
	ImportTotals func(ctx context.Context) (rows, rejects int64, err error)
}

// RegisterStats adds the collectors of src to reg.
func RegisterStats(reg prometheus.Registerer, src StatSources) error {
	return reg.Register(statsCollector{src: src})
}

var (
	descTileHits     = prometheus.NewDesc("lianxin_tile_cache_hits_total", "Tile requests answered from the cache.", nil, nil)
	descTileMisses   = prometheus.NewDesc("lianxin_tile_cache_misses_total", "Tile requests that built the tile.", nil, nil)
	descTileBytes    = prometheus.NewDesc("lianxin_tile_cache_bytes", "Weighted size of the tile cache (gzipped tiles and keys).", nil, nil)
	descPoolAcquired = prometheus.NewDesc("lianxin_db_pool_acquired_connections", "Connections in use.", nil, nil)
	descPoolIdle     = prometheus.NewDesc("lianxin_db_pool_idle_connections", "Idle connections.", nil, nil)
	descPoolTotal    = prometheus.NewDesc("lianxin_db_pool_total_connections", "Open connections.", nil, nil)
	descPoolMax      = prometheus.NewDesc("lianxin_db_pool_max_connections", "The pool's size limit.", nil, nil)
	descPoolWaits    = prometheus.NewDesc("lianxin_db_pool_acquire_waits_total", "Acquires that had to wait for a connection.", nil, nil)
	descPoolWaitSecs = prometheus.NewDesc("lianxin_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", nil, nil)
	descImportRows   = prometheus.NewDesc("lianxin_import_rows_total", "Rows imported (inserted, updated or unchanged), all imports recorded.", nil, nil)
	descImportRejs   = prometheus.NewDesc("lianxin_import_rejects_total", "Rows rejected by imports, all imports recorded.", nil, nil)
	descImportUp     = prometheus.NewDesc("lianxin_import_totals_up", "1 when the import totals could be read at this scrape.", nil, nil)
)

// statsCollector reads its sources at scrape time, so nothing on the
// request path pays for the figures.
type statsCollector struct{ src StatSources }

func (c statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTileHits, descTileMisses, descTileBytes, descPoolAcquired, descPoolIdle,
		descPoolTotal, descPoolMax, descPoolWaits, descPoolWaitSecs, descImportRows, descImportRejs, descImportUp} {
		ch <- d
	}
}

func (c statsCollector) Collect(ch chan<- prometheus.Metric) {
	if f := c.src.TileCache; f != nil {
		h, m, b := f()
		ch <- prometheus.MustNewConstMetric(descTileHits, prometheus.CounterValue, float64(h))
		ch <- prometheus.MustNewConstMetric(descTileMisses, prometheus.CounterValue, float64(m))
		ch <- prometheus.MustNewConstMetric(descTileBytes, prometheus.GaugeValue, float64(b))
	}
	if f := c.src.Pool; f != nil {
		p := f()
		ch <- prometheus.MustNewConstMetric(descPoolAcquired, prometheus.GaugeValue, float64(p.Acquired))
		ch <- prometheus.MustNewConstMetric(descPoolIdle, prometheus.GaugeValue, float64(p.Idle))
		ch <- prometheus.MustNewConstMetric(descPoolTotal, prometheus.GaugeValue, float64(p.Total))
		ch <- prometheus.MustNewConstMetric(descPoolMax, prometheus.GaugeValue, float64(p.Max))
		ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(p.AcquireWaits))
		ch <- prometheus.MustNewConstMetric(descPoolWaitSecs, prometheus.CounterValue, p.AcquireWait.Seconds())
	}
	if f := c.src.ImportTotals; f != nil {
		// A scrape has no request context of ours; bound the query itself.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rows, rejects, err := f(ctx)
		up := 0.0
		if err == nil {
			up = 1
			ch <- prometheus.MustNewConstMetric(descImportRows, prometheus.CounterValue, float64(rows))
			ch <- prometheus.MustNewConstMetric(descImportRejs, prometheus.CounterValue, float64(rejects))
		}
		ch <- prometheus.MustNewConstMetric(descImportUp, prometheus.GaugeValue, up)
	}
}
