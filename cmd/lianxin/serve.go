package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"lianxin/api"
	"lianxin/auth"
	"lianxin/diary"
	"lianxin/export"
	"lianxin/frontend"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/tiles"
)

func openStore(ctx context.Context, cfg Config, stderr io.Writer) (*slog.Logger, *store.Store, error) {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, nil, err
	}
	if buf, ok := stderr.(*logBuffer); ok {
		log = slog.New(flushOnWarn{log.Handler(), buf})
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{
		MaxConns: int32(cfg.MaxConns), StatementTimeout: cfg.StatementTimeout, Logger: log,
		Role: cfg.DBRole, RolePassword: cfg.DBRolePassword,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", cfg.redactedDatabaseURL(), err)
	}
	return log, st, nil
}

func runServe(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	cfg.bindServe(fs, env)
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if err := checkBasemapURL(cfg.BasemapURL); err != nil {
		return err
	}
	if _, err := parseRate("body-min-rate", cfg.BodyMinRate); err != nil {
		return err
	}
	if _, err := countyBounds(cfg); err != nil {
		return err
	}
	// The request log's lines are written out in batches (logBuffer); the
	// deferred Close, after the server has shut down, writes the last.
	logs := newLogBuffer(stderr, logFlushInterval)
	defer logs.Close()
	log, st, err := openStore(ctx, cfg, logs)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Migrate {
		migrateCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		v, err := st.Migrate(migrateCtx)
		cancel()
		if err != nil {
			return err
		}
		log.Info("schema current", "version", v)
	}
	srv, tileSrv, err := buildServer(cfg, st, log, prometheus.NewRegistry())
	if err != nil {
		return err
	}
	// Warm tiles take layer versions from memory while this listener is
	// connected (LISTEN lianxin_layers), and read them per request otherwise.
	go tileSrv.Follow(ctx, st)
	log.Info("serving", "addr", cfg.Addr, "database", cfg.redactedDatabaseURL())
	return srv.ListenAndServe(ctx)
}

// logFlushInterval bounds how long serve holds an info line back.
const logFlushInterval = 200 * time.Millisecond

func runMigrate(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	if err := parse(fs, args, env); err != nil {
		return err
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d\n", v)
	return nil
}

// newServer builds the HTTP server with every service, as `serve` runs it;
// the security tests drive the same wiring.
func newServer(cfg Config, st *store.Store, log *slog.Logger, reg *prometheus.Registry) (*api.Server, error) {
	srv, _, err := buildServer(cfg, st, log, reg)
	return srv, err
}

// buildServer is newServer that also returns the tile service, whose
// version listener `serve` starts.
func buildServer(cfg Config, st *store.Store, log *slog.Logger, reg *prometheus.Registry) (*api.Server, *tiles.Service, error) {
	tileCache := int64(cfg.TileCacheMB) << 20
	if cfg.TileCacheMB <= 0 {
		tileCache = -1
	}
	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: tileCache, BuildTimeout: cfg.RequestTimeout})
	if err != nil {
		return nil, nil, err
	}
	authCache := cfg.AuthCacheTTL
	if authCache <= 0 {
		authCache = -1
	}
	authSvc, err := auth.New(st, auth.Options{Logger: log, CacheTTL: authCache})
	if err != nil {
		return nil, nil, err
	}
	err = api.RegisterStats(reg, api.StatSources{TileCache: tileSrv.CacheStats, ImportTotals: st.ImportTotals,
		Pool: func() api.PoolUsage {
			p := st.PoolStats()
			return api.PoolUsage{Acquired: p.AcquiredConns(), Idle: p.IdleConns(), Total: p.TotalConns(), Max: p.MaxConns(),
				AcquireWaits: p.EmptyAcquireCount(), AcquireWait: p.AcquireDuration()}
		}})
	if err != nil {
		return nil, nil, fmt.Errorf("register metrics: %w", err)
	}
	bounds, err := countyBounds(cfg)
	if err != nil {
		return nil, nil, err
	}
	var bodyMinRate int64
	if cfg.BodyMinRate != "" {
		if bodyMinRate, err = parseRate("body-min-rate", cfg.BodyMinRate); err != nil {
			return nil, nil, err
		}
	}
	importSvc := ingest.NewService(context.Background(), st, log, "")
	importSvc.Bounds = bounds
	return api.NewServer(api.Config{
		Addr: cfg.Addr, RequestTimeout: cfg.RequestTimeout, BodyLimit: cfg.BodyLimit,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout, BodyMinRate: bodyMinRate,
		WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout,
		BasemapURL: cfg.BasemapURL, SecureCookies: cfg.SecureCookies, CORSOrigins: cfg.CORSOrigins,
		TrustedProxies: cfg.TrustedProxies,
	}, api.Deps{Logger: log, Health: st, Metrics: reg, Web: frontend.Dist(), Tiles: tileSrv,
		Auth: authSvc, Export: export.New(st, export.Options{Logger: log}),
		// Uploaded imports run in the background; the server's shutdown
		// waits for them a while, then cancels them (they roll back whole).
		Import:  importSvc,
		Reports: st,
		// Diary entries from the web map hold points to the county box
		// uploaded imports use (--county-bounds).
		Diary: diary.NewService(st, bounds)}), tileSrv, nil
}

// countyBounds reads --county-bounds; unset (a Config built in a test) is
// the zero box, which ingest and diary take as ingest.CountyBounds.
func countyBounds(cfg Config) (orb.Bound, error) {
	if cfg.CountyBounds == "" {
		return orb.Bound{}, nil
	}
	b, err := parseBounds(cfg.CountyBounds)
	if err != nil {
		return orb.Bound{}, fmt.Errorf("--county-bounds: %w", err)
	}
	return b, nil
}
