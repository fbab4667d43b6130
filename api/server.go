// Package api is lianxin's HTTP edge and the only package that imports Echo.
// It turns requests into calls on domain services (each described by a small
// interface defined here, where it is used), and their results and errors
// into JSON, CSV, GeoJSON or tiles. routes.go lists the whole API.
package api

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
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
	BasemapURL     string // optional basemap under the web map (GET /api/v1/config)
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
}

// Server is the configured Echo instance.
type Server struct {
	cfg     Config
	deps    Deps
	echo    *echo.Echo
	log     *slog.Logger
	metrics *metrics
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
	e.Use(
		middleware.RequestID(),
		s.recoverPanics(),
		s.logRequests(),
		s.metrics.middleware(),
		middleware.BodyLimit(cfg.BodyLimit),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: cfg.RequestTimeout, Skipper: isDownload}),
		middleware.GzipWithConfig(middleware.GzipConfig{
			// Tiles are cached gzipped and sent as they are.
			Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" || strings.HasPrefix(c.Path(), "/tiles/") },
		}),
		s.retryLostReads(),
	)
	s.useSecurity()
	s.routes()
	return s
}

// ServeHTTP lets tests drive the server without a socket.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// ListenAndServe serves until ctx ends, then shuts down gracefully, letting
// requests in flight finish for up to 10 seconds.
func (s *Server) ListenAndServe(ctx context.Context) error {
	srv := &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
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

func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true,
		LogRemoteIP: true, LogResponseSize: true, LogError: true, HandleError: false,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
				slog.String("remote_ip", v.RemoteIP), slog.Int64("bytes", v.ResponseSize),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
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
