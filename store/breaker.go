package store

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// breaker makes requests fail fast while the database is unreachable: after
// a connection failure, calls for the next probeEvery return "unavailable"
// at once instead of each waiting out a connect timeout (which piles up
// goroutines under load); then one call is let through to probe, so service
// comes back within probeEvery of the database's return, with no restart.
type breaker struct {
	probeEvery time.Duration
	mu         sync.Mutex
	downSince  time.Time
	lastProbe  time.Time
	lastLoss   time.Time // a connection was lost (terminated, reset)
}

// lossWindow is how long after a lost connection every acquired connection
// is pinged first.
const lossWindow = 5 * time.Second

func (b *breaker) noteLoss(now time.Time) {
	b.mu.Lock()
	b.lastLoss = now
	b.mu.Unlock()
}

func (b *breaker) recentlyLost(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.lastLoss.IsZero() && now.Sub(b.lastLoss) < lossWindow
}

const defaultProbeEvery = 500 * time.Millisecond

// allow reports whether a call may try the database now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.downSince.IsZero() {
		return true
	}
	if now.Sub(b.lastProbe) >= b.probeEvery {
		b.lastProbe = now
		return true
	}
	return false
}

// record notes the outcome of a call that reached for the database.
func (b *breaker) record(err error, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case err == nil:
		b.downSince = time.Time{}
	case isUnreachable(err):
		if b.downSince.IsZero() {
			b.downSince, b.lastProbe = now, now
		}
	}
}

// isUnreachable is true when no connection could be made at all: the
// server is down or refusing, not merely one backend lost.
func isUnreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P03" // cannot connect now (starting up, shutting down)
	}
	return isConnectError(err)
}

// isConnectionLost is true for errors that say the server could not be
// reached or dropped us, not for errors of a query the server ran.
func isConnectionLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03": // admin shutdown, crash shutdown, cannot connect now
			return true
		}
		return false
	}
	if isConnectError(err) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return true
	}
	// A backend killed while idle in the pool shows up on its next use as a
	// broken socket.
	var netErr net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// retryable says a read-only transaction may run once more: its connection
// was lost (a terminated backend, a restarted server), so nothing it did
// took effect. Writes are never retried here: they could land twice.
func retryable(err error) bool {
	return isConnectionLost(err)
}

// readRetry runs fn, a read outside any scoped transaction (a lookup of the
// session, of the layer versions), under the same rules as ReadInScope: fail
// fast while the server is unreachable, and after a lost connection reset the
// pool and run fn once more. fn must be safe to run twice.
func (s *Store) readRetry(ctx context.Context, fn func() error) error {
	attempt := func() error {
		if !s.breaker.allow(time.Now()) {
			return unavailableMsg("the database is unavailable")
		}
		err := fn()
		s.breaker.record(err, time.Now())
		return err
	}
	err := attempt()
	if err != nil && retryable(err) && ctx.Err() == nil {
		s.breaker.noteLoss(time.Now())
		s.pool.Reset()
		err = attempt()
	}
	return err
}
