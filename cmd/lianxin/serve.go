package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lianxin/api"
	"lianxin/store"
)

func openStore(ctx context.Context, cfg Config, stderr io.Writer) (*store.Store, error) {
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{
		MaxConns: int32(cfg.MaxConns), StatementTimeout: cfg.StatementTimeout, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", cfg.redactedDatabaseURL(), err)
	}
	return st, nil
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
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, stderr)
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
	reg := prometheus.NewRegistry()
	srv := api.NewServer(api.Config{
		Addr: cfg.Addr, RequestTimeout: cfg.RequestTimeout, BodyLimit: cfg.BodyLimit,
		ReadTimeout: 5 * time.Minute, WriteTimeout: 10 * time.Minute,
	}, api.Deps{Logger: log, Health: st, Metrics: reg})
	log.Info("serving", "addr", cfg.Addr, "database", cfg.redactedDatabaseURL())
	return srv.ListenAndServe(ctx)
}

func runMigrate(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	if err := parse(fs, args, env); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, stderr)
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
