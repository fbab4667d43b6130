package auth

import (
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
)

// callerCache remembers who a session or API token belongs to for a short
// time (Options.CacheTTL), so an authenticated request needs no database
// round trip. Keys are token hashes, never tokens. This process's own
// logouts, revocations and account changes drop entries at once; a change
// made by another process (another server, the command line) is seen within
// the TTL: the TTL is the bound on how long a revoked credential may still
// work there.
type callerCache struct {
	entries *otter.Cache[string, cachedCaller]
	// touched holds the sessions whose last_seen_at this process wrote in
	// the last minute (SessionTouchEvery).
	touched *otter.Cache[string, struct{}]
	// gen counts the drops: a connection's memo (ConnMemo) made before one
	// is no longer believed.
	gen atomic.Uint64
}

type cachedCaller struct {
	user    User
	expires time.Time // sessions only
	// written is when the entry was read from the database (API tokens):
	// a connection's memo of it lasts no longer than the entry.
	written time.Time
}

// SessionTouchEvery is how often, at most, a session in use has its
// last_seen_at (and its idle expiry) written.
const SessionTouchEvery = time.Minute

func newCallerCache(ttl time.Duration) *callerCache {
	if ttl < 0 {
		return nil
	}
	return &callerCache{
		entries: otter.Must(&otter.Options[string, cachedCaller]{
			MaximumSize:      100_000,
			ExpiryCalculator: otter.ExpiryWriting[string, cachedCaller](ttl),
		}),
		touched: otter.Must(&otter.Options[string, struct{}]{
			MaximumSize:      100_000,
			ExpiryCalculator: otter.ExpiryWriting[string, struct{}](SessionTouchEvery),
		}),
	}
}

func (c *callerCache) get(hash []byte) (cachedCaller, bool) {
	if c == nil {
		return cachedCaller{}, false
	}
	return c.entries.GetIfPresent(string(hash))
}

func (c *callerCache) set(hash []byte, e cachedCaller) {
	if c != nil {
		c.entries.Set(string(hash), e)
	}
}

func (c *callerCache) drop(hash []byte) {
	if c != nil {
		c.gen.Add(1)
		c.entries.Invalidate(string(hash))
		c.touched.Invalidate(string(hash))
	}
}

// dropAll forgets every caller: after a change to roles, passwords or
// tokens, whose effect on cached callers is not worth working out.
func (c *callerCache) dropAll() {
	if c != nil {
		c.gen.Add(1)
		c.entries.InvalidateAll()
	}
}

// needsTouch reports whether the session's last_seen_at is due a write, and
// if so notes that it is being written.
func (c *callerCache) needsTouch(hash []byte) bool {
	if c == nil {
		return false
	}
	_, fresh := c.touched.GetIfPresent(string(hash))
	if fresh {
		return false
	}
	_, inserted := c.touched.SetIfAbsent(string(hash), struct{}{})
	return inserted
}
