package main

import (
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Config is every setting of the lianxin binary. Precedence: a flag given on
// the command line, then its environment variable, then the default.
type Config struct {
	DatabaseURL      string
	Addr             string
	LogLevel         string
	LogFormat        string
	RequestTimeout   time.Duration
	StatementTimeout time.Duration
	BodyLimit        string
	MaxConns         int
	Migrate          bool
}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:54329/lianxin?sslmode=disable"

// bindCommon registers the settings every subcommand shares.
func (c *Config) bindCommon(fs *flag.FlagSet, env *env) {
	fs.StringVar(&c.DatabaseURL, "database-url", env.str("DATABASE_URL", defaultDatabaseURL),
		"PostgreSQL+PostGIS URL (env DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", env.str("LIANXIN_LOG_LEVEL", "info"), "debug, info, warn or error (env LIANXIN_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env.str("LIANXIN_LOG_FORMAT", "text"), "text or json (env LIANXIN_LOG_FORMAT)")
	fs.DurationVar(&c.StatementTimeout, "statement-timeout", env.duration("LIANXIN_STATEMENT_TIMEOUT", 30*time.Second),
		"PostgreSQL statement_timeout for every session (env LIANXIN_STATEMENT_TIMEOUT)")
	fs.IntVar(&c.MaxConns, "max-conns", env.integer("LIANXIN_MAX_CONNS", 0),
		"database pool size; 0 picks 4 per core, at least 8 (env LIANXIN_MAX_CONNS)")
}

// bindServe registers the server's settings.
func (c *Config) bindServe(fs *flag.FlagSet, env *env) {
	fs.StringVar(&c.Addr, "addr", env.str("LIANXIN_ADDR", ":8080"), "listen address (env LIANXIN_ADDR)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", env.duration("LIANXIN_REQUEST_TIMEOUT", 30*time.Second),
		"deadline of each request (env LIANXIN_REQUEST_TIMEOUT)")
	fs.StringVar(&c.BodyLimit, "body-limit", env.str("LIANXIN_BODY_LIMIT", "256M"),
		"largest request body, e.g. 64M; larger get 413 (env LIANXIN_BODY_LIMIT)")
	fs.BoolVar(&c.Migrate, "migrate", env.boolean("LIANXIN_MIGRATE", true),
		"apply pending migrations at start (env LIANXIN_MIGRATE)")
}

// redactedDatabaseURL keeps the database password out of logs.
func (c Config) redactedDatabaseURL() string {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// env reads environment fallbacks and remembers the first malformed one, so
// a typo in a variable is an error at start rather than a silent default.
type env struct {
	getenv func(string) string
	err    error
}

func (e *env) str(key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

func (e *env) duration(key string, def time.Duration) time.Duration {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%s=%q is not a duration such as 30s", key, v)
	}
	return d
}

func (e *env) integer(key string, def int) int {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%s=%q is not a whole number", key, v)
	}
	return n
}

func (e *env) boolean(key string, def bool) bool {
	v := e.getenv(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil && e.err == nil {
		e.err = fmt.Errorf("%s=%q is not true or false", key, v)
	}
	return b
}
