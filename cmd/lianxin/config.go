package main

import (
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
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
	TileCacheMB      int
	AuthCacheTTL     time.Duration // how long a resolved session or token is remembered; 0: never
	BasemapURL       string
	DBRole           string   // serve only: database role the server logs in as
	DBRolePassword   string   // its password, where pg_hba.conf asks for one
	SecureCookies    bool     // Secure session cookie behind a TLS-terminating proxy
	CORSOrigins      []string // browser origins allowed to call the API (none by default)
	TrustedProxies   []string // CIDRs whose X-Forwarded-For is believed
	CountyBounds     string   // serve only: the county box west,south,east,north uploads and diary entries are held to

	// Slow clients: headers within ReadHeaderTimeout, the whole request
	// within ReadTimeout unless its body keeps arriving at BodyMinRate.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	BodyMinRate       string
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
}

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:54329/lianxin?sslmode=disable"

// defaultCountyBounds is the demo county's box (ingest.CountyBounds), the
// default of `serve --county-bounds` and `ingest --bounds`.
const defaultCountyBounds = "119.90,31.95,120.35,32.40"

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
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", env.duration("LIANXIN_READ_HEADER_TIMEOUT", 10*time.Second),
		"a client must send its request line and headers within this, or is disconnected (env LIANXIN_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", env.duration("LIANXIN_READ_TIMEOUT", 30*time.Second),
		"a client must send its whole request within this; a body still arriving at --body-min-rate or faster gets longer (env LIANXIN_READ_TIMEOUT)")
	fs.StringVar(&c.BodyMinRate, "body-min-rate", env.str("LIANXIN_BODY_MIN_RATE", "16K"),
		"slowest average rate, per second, at which a request body (an upload) may arrive once --read-timeout has passed, e.g. 16K; 0: --read-timeout is a hard limit (env LIANXIN_BODY_MIN_RATE)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", env.duration("LIANXIN_WRITE_TIMEOUT", 10*time.Minute),
		"longest time to write a response, exports included (env LIANXIN_WRITE_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", env.duration("LIANXIN_IDLE_TIMEOUT", 2*time.Minute),
		"how long a kept-alive connection may sit idle between requests (env LIANXIN_IDLE_TIMEOUT)")
	fs.BoolVar(&c.Migrate, "migrate", env.boolean("LIANXIN_MIGRATE", true),
		"apply pending migrations at start (env LIANXIN_MIGRATE)")
	fs.IntVar(&c.TileCacheMB, "tile-cache-mb", env.integer("LIANXIN_TILE_CACHE_MB", 64),
		"tile cache size in MiB of gzipped tiles; 0 disables it (env LIANXIN_TILE_CACHE_MB)")
	fs.DurationVar(&c.AuthCacheTTL, "auth-cache-ttl", env.duration("LIANXIN_AUTH_CACHE_TTL", 10*time.Second),
		"how long a session or API token, once looked up, is trusted without asking the database; a logout or revocation made by another process (another server, the command line) takes up to this long to apply here; 0 asks every time (env LIANXIN_AUTH_CACHE_TTL)")
	c.bindDBRole(fs, env)
	fs.BoolVar(&c.SecureCookies, "secure-cookies", env.boolean("LIANXIN_SECURE_COOKIES", false),
		"mark the session cookie Secure even over plain HTTP, for TLS ended at a proxy; always Secure over TLS (env LIANXIN_SECURE_COOKIES)")
	fs.Func("cors-origins", "comma-separated origins allowed to call the API from a browser; empty sends no CORS headers (env LIANXIN_CORS_ORIGINS)",
		func(v string) error { c.CORSOrigins = splitList(v); return nil })
	c.CORSOrigins = splitList(env.str("LIANXIN_CORS_ORIGINS", ""))
	fs.Func("trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (env LIANXIN_TRUSTED_PROXIES)",
		func(v string) error { c.TrustedProxies = splitList(v); return nil })
	c.TrustedProxies = splitList(env.str("LIANXIN_TRUSTED_PROXIES", ""))
	fs.StringVar(&c.CountyBounds, "county-bounds", env.str("LIANXIN_COUNTY_BOUNDS", defaultCountyBounds),
		"the county box west,south,east,north: uploaded geometry and diary positions outside are refused, as `ingest --bounds` (env LIANXIN_COUNTY_BOUNDS)")
	fs.StringVar(&c.BasemapURL, "basemap-url", env.str("LIANXIN_BASEMAP_URL", ""),
		"basemap under the web map: a raster tile URL with {z}/{x}/{y}, or a MapLibre style URL; empty draws none (env LIANXIN_BASEMAP_URL)")
}

// bindDBRole registers the database role that work done for a signed-in
// user goes through: the server's requests, and `ingest --as`.
func (c *Config) bindDBRole(fs *flag.FlagSet, env *env) {
	fs.StringVar(&c.DBRole, "db-role", env.str("LIANXIN_DB_ROLE", "lianxin_app"),
		"database role the server (and ingest --as) logs in as (the URL's host and database, this user): owns no table, held to row-level security; migrations still run as the URL's user; empty works as the URL's user (env LIANXIN_DB_ROLE)")
	fs.StringVar(&c.DBRolePassword, "db-role-password", env.str("LIANXIN_DB_ROLE_PASSWORD", ""),
		"password of --db-role, where the database asks for one (env LIANXIN_DB_ROLE_PASSWORD)")
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseRate reads a rate in bytes per second such as 16K, 1M or 4096
// (K and M are binary: 1024 and 1024²).
func parseRate(flagName, v string) (int64, error) {
	s := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(v), "/s"))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40/mult {
		return 0, fmt.Errorf("--%s %q: want bytes per second such as 16K, 1M or 4096", flagName, v)
	}
	return n * mult, nil
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

// checkBasemapURL accepts no basemap, or an absolute http(s) URL: the page
// fetches it from the user's browser, so anything else would fail there,
// later and less clearly.
func checkBasemapURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--basemap-url %q: want an http(s) URL, a raster tile template with {z}/{x}/{y} or a MapLibre style", s)
	}
	return nil
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
