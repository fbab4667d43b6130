// Package api is lianxin's HTTP edge and the only package that imports Echo.
// It turns requests into calls on domain services (each described by a small
// interface defined here, where it is used), and their results and errors
// into JSON, CSV, GeoJSON or tiles. routes.go lists the whole API.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"lianxin"
)

// Config is the HTTP layer's part of lianxin's configuration.
type Config struct {
	Addr           string
	RequestTimeout time.Duration // deadline of every request's context
	BodyLimit      string        // e.g. "64M": larger bodies get 413
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	// Slow clients (ListenAndServe): ReadHeaderTimeout bounds the request
	// line and headers (default 10 s); ReadTimeout the whole request, except
	// that a body still arriving at BodyMinRate bytes/s or faster (on
	// average) gets longer; IdleTimeout a kept-alive connection between
	// requests (default 2 min).
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	BodyMinRate       int64
	BasemapURL        string // optional basemap under the web map (GET /api/v1/config)
	// SecureCookies marks the session cookie Secure even when this process
	// sees plain HTTP (TLS ends at a proxy); it is always Secure over TLS.
	SecureCookies bool
	// CORSOrigins lists the origins allowed to call the API from a browser;
	// empty (the default) sends no CORS headers at all.
	CORSOrigins []string
	// TrustedProxies (CIDRs) may set X-Forwarded-For; empty trusts none.
	TrustedProxies []string
}

// Deps are the services the server calls. A nil service leaves its routes out.
type Deps struct {
	Logger *slog.Logger
	Health HealthChecker
	// Metrics registers lianxin's collectors; nil makes a private registry.
	Metrics *prometheus.Registry
	// Web is the built web map (frontend.Dist()), served at / for every GET no route matches.
	Web fs.FS
	// Auth signs callers in (auth.Service). With it nil nobody can sign in,
	// and only public routes answer (or DefaultScope's, in tests).
	Auth Authenticator
	// DefaultScope, when set, is the scope of requests that carry no
	// credentials. Tests of other packages set it (to lianxin.SystemScope())
	// to drive handlers without signing in; `lianxin serve` never does.
	DefaultScope *lianxin.Scope
	// Tiles serves vector tiles and TileJSON (tiles.Service).
	Tiles TileServer
	// Export writes layer exports and serves OGC API – Features (export.Service).
	Export Exporter
	// Import runs uploaded imports (ingest.Service).
	Import Importer
	// Reports serves the coverage reports, snapshots and the web map's
	// lookups (campaign, towns, teams, villages); *store.Store.
	Reports ReportStore
	// Diary writes people's diary entries from the web map (diary.Service).
	Diary DiaryWriter
}

// Server is the configured Echo instance.
type Server struct {
	cfg     Config
	deps    Deps
	echo    *echo.Echo
	log     *slog.Logger
	metrics *metrics
	// chain is every middleware of every route that a tile request does
	// not pass by, in order (use); tileChain is the tile handler wrapped in
	// it once, and tileCtxs its pooled contexts (see serveTile).
	chain     []echo.MiddlewareFunc
	tileChain echo.HandlerFunc
	tileCtxs  sync.Pool
}

// use adds middleware that every route runs, and keeps it for the tile
// route's chain composed once.
func (s *Server) use(mw ...echo.MiddlewareFunc) {
	s.chain = append(s.chain, mw...)
	s.echo.Use(mw...)
}

// useExceptTiles adds middleware that every route runs but that lets every
// tile request pass untouched (its skipper says so): the tile route's chain
// leaves it out instead of calling it to be skipped.
func (s *Server) useExceptTiles(mw ...echo.MiddlewareFunc) {
	s.echo.Use(mw...)
}

// NewServer wires middleware and routes.
func NewServer(cfg Config, deps Deps) *Server {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Metrics == nil {
		deps.Metrics = prometheus.NewRegistry()
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "64M"
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{cfg: cfg, deps: deps, echo: e, log: deps.Logger, metrics: newMetrics(deps.Metrics)}
	e.HTTPErrorHandler = s.handleError
	s.use(
		requestIDs(newRequestIDs()),
		s.recoverPanics(),
		s.logRequests(), // and the latency metric
	)
	// Each of these skips every tile request: no tile route takes a body
	// (GET and HEAD only), a tile's build has a deadline of its own, and
	// tiles are sent gzipped already.
	s.useExceptTiles(
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit: cfg.BodyLimit,
			// No route reads the body of a GET or HEAD.
			Skipper: func(c echo.Context) bool { return safeMethod(c.Request().Method) },
		}),
		// A tile's build has a deadline of its own (tiles.Options.BuildTimeout):
		// a cached tile, most of them, is spared a timer and a copy of the request.
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: cfg.RequestTimeout,
			Skipper: func(c echo.Context) bool { return isDownload(c) || c.Path() == tileRoute }}),
		middleware.GzipWithConfig(middleware.GzipConfig{
			// Tiles are cached gzipped and sent as they are; binary
			// downloads are compressed already or gain too little to spend a
			// core on, and keep their Content-Length.
			Skipper: func(c echo.Context) bool {
				return c.Path() == "/metrics" || strings.HasPrefix(c.Path(), "/tiles/") || isBinaryDownload(c)
			},
		}),
	)
	s.use(s.retryLostReads())
	s.useSecurity()
	s.routes()
	s.tileChain = s.tile
	for i := len(s.chain) - 1; i >= 0; i-- {
		s.tileChain = s.chain[i](s.tileChain)
	}
	return s
}

// ServeHTTP serves a request: a tile through serveTile, anything else
// (and a tile path serveTile does not read exactly as Echo's router
// would) through Echo. Tests drive the server through it without a socket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if seg, ok := tileSegments(r); ok {
		s.serveTile(w, r, seg)
		return
	}
	s.echo.ServeHTTP(w, r)
}

// ListenAndServe serves until ctx ends, then shuts down gracefully, letting
// requests in flight finish for up to 10 seconds. A client that dribbles
// its headers is cut off after ReadHeaderTimeout, one that dribbles a body
// once it falls below BodyMinRate after ReadTimeout (see paceBodies).
func (s *Server) ListenAndServe(ctx context.Context) error {
	orDefault := func(d, def time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		return d
	}
	srv := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           paceBodies(s, s.cfg.ReadTimeout, s.cfg.WriteTimeout, s.cfg.BodyMinRate),
		ConnContext:       s.ConnContext,
		ReadHeaderTimeout: orDefault(s.cfg.ReadHeaderTimeout, 10*time.Second),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       orDefault(s.cfg.IdleTimeout, 2*time.Minute),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	s.shutdownImports(ctx)
	if err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logRequests records every request's latency in /metrics and logs the
// request at info (5xx at error), both with the status the error handler
// will answer. Nothing is built for a level the logger leaves out: the
// request log costs a warm tile next to nothing at --log-level warn.
func (s *Server) logRequests() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := statusOfResult(c, err)
			latency := time.Since(start)
			s.metrics.observe(c, status, latency)
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			ctx := c.Request().Context()
			if !s.log.Enabled(ctx, level) {
				return err
			}
			req, res := c.Request(), c.Response()
			attrs := []slog.Attr{
				slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("status", status),
				slog.Duration("latency", latency), slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
				slog.String("remote_ip", c.RealIP()), slog.Int64("bytes", res.Size),
			}
			if err != nil {
				attrs = append(attrs, slog.String("error", err.Error()))
			}
			s.log.LogAttrs(ctx, level, "request", attrs...)
			return err
		}
	}
}

// newRequestIDs returns a generator of request IDs unique to this process
// and unlikely to repeat across restarts: a random prefix and a counter.
// They only tie log lines together, so they need not be unguessable, and
// unlike Echo's default they cost no read of the system's random source.
func newRequestIDs() func() string {
	var prefix [8]byte
	_, _ = rand.Read(prefix[:])
	base := hex.EncodeToString(prefix[:])
	var n atomic.Uint64
	return func() string {
		b := make([]byte, 0, 32)
		b = append(b, base...)
		b = append(b, '-')
		b = strconv.AppendUint(b, n.Add(1), 36)
		return string(b)
	}
}

// requestIDs sets every response's X-Request-Id, as Echo's RequestID
// middleware does: the request's own, if it carries one, else a new one
// from next. The header is written under its canonical key, and a
// request's ID is passed on as it came (a slice of one value), so only a
// new ID allocates.
func requestIDs(next func() string) echo.MiddlewareFunc {
	return func(h echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id := c.Request().Header[echo.HeaderXRequestID]
			if len(id) == 0 || id[0] == "" {
				id = []string{next()}
			}
			c.Response().Header()[echo.HeaderXRequestID] = id[:1:1]
			return h(c)
		}
	}
}

// recoverPanics turns a panic into a logged 500 in our error shape.
func (s *Server) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "error", err, "path", c.Request().URL.Path, "stack", string(stack))
			return err
		},
	})
}
