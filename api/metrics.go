package api

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	registry *prometheus.Registry
	latency  *prometheus.HistogramVec
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
	reg.MustRegister(m.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				if he, ok := err.(*echo.HTTPError); ok {
					status = he.Code
				} else if status < 400 {
					status = 500
				}
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.latency.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
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
