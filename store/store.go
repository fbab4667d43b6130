// Package store is lianxin's PostgreSQL + PostGIS layer and the only package
// that imports pgx. It opens the pool, applies the embedded migrations, runs
// every query under the caller's lianxin.Scope and carries the SQL of the
// domain packages, which speak to it through small interfaces of their own.
//
// Geometry crosses the boundary explicitly: EWKB (go-geom) on the way in,
// ST_AsBinary into orb on the way out.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lianxin"
)

// Options tunes the pool. Zero values take the defaults documented on each.
type Options struct {
	// MaxConns bounds the pool (default 4 × cores, at least 8); size it below
	// the server's max_connections with room for admin sessions.
	MaxConns int32
	// StatementTimeout is PostgreSQL's statement_timeout for every session
	// (default 30s), a backstop behind the request's own deadline.
	StatementTimeout time.Duration
	Logger           *slog.Logger
	// Role, when set, is the database role the pool connects as (with
	// RolePassword, if the server asks for one): the server runs as
	// lianxin_app, which owns no table and is held to row-level security,
	// while the URL's user stays the owner that Migrate connects as.
	Role         string
	RolePassword string
	// CoverageCache is how many village-coverage answers to keep in memory,
	// keyed by the layer versions of their inputs (default 32; negative: none).
	CoverageCache int
}

// Store wraps the connection pool.
type Store struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	breaker *breaker
	role    string          // Options.Role
	owner   *pgx.ConnConfig // the URL's own user, for migrations
	covers  *coverageCache  // village coverage by input versions (coverage_cache.go)
	sums    *summaryCache   // summary numbers by input versions and scope
	cells   *cellsCache     // county-wide cell aggregates by input versions
	// petitions: the towns' unvisited petition households by input versions
	petitions *petitionCache
	// onWrite is set by ListenLayers (tiles_listen.go).
	onWrite atomic.Pointer[writeHook]
}

// Open connects to databaseURL and checks that the server answers.
func Open(ctx context.Context, databaseURL string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	} else if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	timeout := opt.StatementTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "lianxin"
	cfg.HealthCheckPeriod = 5 * time.Second
	brk := &breaker{probeEvery: defaultProbeEvery}
	// Connections idle a second are pinged on acquire (pgx's default); for a
	// few seconds after a lost connection every acquire pings, so a pool whose
	// backends were all terminated hands out only live ones.
	cfg.ShouldPing = func(_ context.Context, p pgxpool.ShouldPingParams) bool {
		return p.IdleDuration >= time.Second || brk.recentlyLost(time.Now())
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	owner := cfg.ConnConfig.Copy()
	if opt.Role != "" {
		asRole(cfg, opt.Role, opt.RolePassword)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return &Store{pool: pool, log: log, role: opt.Role, owner: owner, breaker: brk,
		covers: newCoverageCache(opt.CoverageCache), sums: newSummaryCache(opt.CoverageCache),
		cells: newCellsCache(opt.CoverageCache), petitions: newPetitionCache(opt.CoverageCache)}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping checks the server answers within ctx.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return unavailable(err)
	}
	return nil
}

// PoolStats reports pool usage for metrics.
func (s *Store) PoolStats() *pgxpool.Stat { return s.pool.Stat() }

// InScope runs fn in a transaction whose session settings carry the caller's
// scope (lianxin.user, lianxin.towns, lianxin.all_towns,
// lianxin.personal_fields, lianxin.roles), set with
// set_config(..., true) so they end with the transaction and never reach the
// next request on a pooled connection. Row-level security policies read them.
func (s *Store) InScope(ctx context.Context, scope lianxin.Scope, fn func(pgx.Tx) error) error {
	return s.inScope(ctx, scope, pgx.TxOptions{}, fn)
}

// ReadInScope is InScope for read-only work.
func (s *Store) ReadInScope(ctx context.Context, scope lianxin.Scope, fn func(pgx.Tx) error) error {
	return s.inScope(ctx, scope, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// setScopeSQL sets a scope for the rest of the transaction. lianxin.roles
// (comma-separated) lets a policy tell an admin from another county-wide
// scope (the campaign's end, migration 039); the batched reads of tiles
// (batchScopeSQL) leave it unset, as nothing they read asks.
const setScopeSQL = `SELECT set_config('lianxin.user', $1, true),
       set_config('lianxin.towns', $2, true),
       set_config('lianxin.all_towns', $3, true),
       set_config('lianxin.personal_fields', $4, true),
       set_config('lianxin.roles', $5, true)`

// setScope runs setScopeSQL for scope in tx.
func setScope(ctx context.Context, tx pgx.Tx, scope lianxin.Scope) error {
	roles := make([]string, len(scope.Roles))
	for i, r := range scope.Roles {
		roles[i] = string(r)
	}
	if _, err := tx.Exec(ctx, setScopeSQL, scope.User, townList(scope.Towns), strconv.FormatBool(scope.AllTowns),
		strconv.FormatBool(scope.PersonalFields), strings.Join(roles, ",")); err != nil {
		return fmt.Errorf("set scope: %w", err)
	}
	return nil
}

func (s *Store) inScope(ctx context.Context, scope lianxin.Scope, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	var fnStarted bool
	attempt := func() error {
		if !s.breaker.allow(time.Now()) {
			return unavailableMsg("the database is unavailable")
		}
		fnStarted = false
		err := pgx.BeginTxFunc(ctx, s.pool, opts, func(tx pgx.Tx) error {
			if err := setScope(ctx, tx, scope); err != nil {
				return err
			}
			fnStarted = true
			return fn(tx)
		})
		if err == nil && opts.AccessMode != pgx.ReadOnly {
			s.noteWrite()
		}
		s.breaker.record(err, time.Now())
		return err
	}
	err := attempt()
	if err != nil && retryable(err) && ctx.Err() == nil {
		// Whatever killed this connection (a restart, pg_terminate_backend)
		// most likely killed its idle siblings too: drop them all, so the
		// retry and the requests after it start on fresh connections.
		s.breaker.noteLoss(time.Now())
		s.pool.Reset()
		// A connection that died idle in the pool fails at BEGIN or at the
		// scope settings, before fn ran: any transaction may run again then.
		// Once fn has run, only its caller knows whether running it twice is
		// safe (fn may have collected rows): the error says the connection
		// was lost, and the HTTP layer retries a whole read request once.
		if !fnStarted {
			s.log.Warn("retrying after a connection lost before use", "error", err)
			err = attempt()
		}
	}
	return translate(err)
}

// batchScopeSQL opens a batched read (readBatchInScope): read-only, the
// caller's scope, JIT off and the plan cache mode ($5), all in one statement.
// set_config(..., true) lasts until the end of the transaction, here the
// implicit one PostgreSQL runs a pipeline in up to its Sync: nothing of it
// reaches the next request on the connection. transaction_read_only is what
// BEGIN READ ONLY sets; switching it on is allowed at any point of a
// transaction.
const batchScopeSQL = `SELECT set_config('transaction_read_only', 'on', true),
       set_config('lianxin.user', $1, true),
       set_config('lianxin.towns', $2, true),
       set_config('lianxin.all_towns', $3, true),
       set_config('lianxin.personal_fields', $4, true),
       set_config('jit', 'off', true),
       set_config('plan_cache_mode', $5, true)`

// Plan cache modes of a batched read (readBatchInScope).
const (
	planAuto    = "auto"               // PostgreSQL's own choice
	planCustom  = "force_custom_plan"  // planned for each call's parameters
	planGeneric = "force_generic_plan" // planned once per connection
)

// readBatchInScope runs b's statements as one read-only transaction under
// scope in a single round trip. It is for hot reads whose statements do not
// depend on one another's answers (a tile): ReadInScope spends a round trip
// on each of BEGIN, the settings and COMMIT. pgx sends a batch as one
// pipeline ending in a single Sync, and PostgreSQL runs a pipeline outside
// BEGIN as one implicit transaction, committed at the Sync (rolled back
// when a statement fails): so the batch is batchScopeSQL (read-only, the
// scope, JIT off, planMode) then b, with no BEGIN or COMMIT to send,
// parse and run. The plans under row-level security cost enough to be
// compiled by JIT, which took longer than running them (200 ms of a 60 ms
// households tile). b's callbacks collect the answers; like every read here
// it fails fast while the database is down and runs once more when the
// connection was lost, so the callbacks must tolerate a second run.
func (s *Store) readBatchInScope(ctx context.Context, scope lianxin.Scope, planMode string, b *pgx.Batch) error {
	err := s.readRetry(ctx, func() error {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			// As ReadInScope's BEGIN would: translate says whether the
			// database is unreachable; a cancelled request stays cancelled.
			return err
		}
		defer conn.Release()
		full := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
		full.Queue(batchScopeSQL, scope.User, townList(scope.Towns), strconv.FormatBool(scope.AllTowns),
			strconv.FormatBool(scope.PersonalFields), planMode)
		for _, q := range b.QueuedQueries {
			// Copies: a sent query keeps the description of the statement
			// it prepared on its connection, which a retry's new connection
			// does not have ("prepared statement does not exist").
			full.QueuedQueries = append(full.QueuedQueries, &pgx.QueuedQuery{SQL: q.SQL, Arguments: q.Arguments, Fn: q.Fn})
		}
		err = conn.SendBatch(ctx, full).Close()
		if err != nil && !conn.Conn().IsClosed() && conn.Conn().PgConn().TxStatus() != 'I' {
			// Only a broken pipeline leaves a transaction open (the Sync
			// ends the implicit one): end it here so the pool keeps the
			// connection instead of closing it.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_, _ = conn.Exec(rctx, "ROLLBACK")
			cancel()
		}
		return err
	})
	return translate(err)
}

func townList(ids []int32) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(int64(id), 10)
	}
	return strings.Join(parts, ",")
}

// translate turns database failures a caller can act on into *lianxin.Error
// and leaves the rest wrapped as they are (internal).
func translate(err error) error {
	if err == nil {
		return nil
	}
	var le *lianxin.Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &lianxin.Error{Code: lianxin.ENotFound, Message: "not found"}
	}
	// A failed connect may carry the server's reason (database missing,
	// shutting down) as a PgError: it is still "unavailable", not a query error.
	if isConnectError(err) {
		return unavailable(err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return fmt.Errorf("%w: %w", lianxin.Errorf(lianxin.EConflict, "already exists"), err)
		case "57014": // query_canceled: statement_timeout or cancel
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("%w: %w", lianxin.Errorf(lianxin.EUnavailable, "the query took too long"), err)
		case "57P01", "57P02": // admin shutdown (pg_terminate_backend), crash
			return fmt.Errorf("%w: %w", lianxin.ErrConnectionLost, unavailable(err))
		case "57P03", "53300": // cannot connect now, too many connections
			return unavailable(err)
		}
		return err
	}
	if isConnectionLost(err) {
		return fmt.Errorf("%w: %w", lianxin.ErrConnectionLost, unavailable(err))
	}
	return err
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", lianxin.Errorf(lianxin.EUnavailable, "the database is unavailable"), err)
}

func unavailableMsg(msg string) error {
	return lianxin.Errorf(lianxin.EUnavailable, "%s", msg)
}
