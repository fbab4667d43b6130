package auth

import (
	"sync/atomic"
	"time"
)

// ConnMemo remembers the last API token one client connection presented and
// whose it is. A map in a browser or QGIS asks for dozens of tiles a second
// over one keep-alive connection with the same token; answered from the
// memo, each skips hashing the token and looking the hash up in the caller
// cache (about 2 µs, a twentieth of a cached tile's time in the server).
//
// The memo answers only what the caller cache would: it is void after any
// drop from the cache in this process (a revocation, a role change, a
// disabled user) and lasts no longer than the cache entry it copied
// (CacheTTL from when that entry was read from the database), so a change
// made by another process reaches a connection no later than it reaches the
// cache. The zero value is empty and ready; it is safe for concurrent use
// (HTTP/2 streams share a connection).
type ConnMemo struct {
	last atomic.Pointer[memoEntry]
}

type memoEntry struct {
	token string
	user  User
	gen   uint64    // the caller cache's drop count when it was read
	until time.Time // the cache entry's expiry
}

// recall returns the user of token if the memo holds it, made at drop count
// gen and not expired at now.
func (m *ConnMemo) recall(token string, gen uint64, now time.Time) (User, bool) {
	e := m.last.Load()
	if e == nil || e.gen != gen || !sameToken(e.token, token) || !now.Before(e.until) {
		return User{}, false
	}
	return e.user, true
}

// keep remembers token's user, read at drop count gen, until until.
func (m *ConnMemo) keep(token string, u User, gen uint64, until time.Time) {
	if e := m.last.Load(); e != nil && e.gen == gen && e.until.Equal(until) && sameToken(e.token, token) {
		return // a concurrent stream kept the same
	}
	m.last.Store(&memoEntry{token: token, user: u, gen: gen, until: until})
}

// sameToken compares two tokens in time that depends only on their length:
// behind a proxy that reuses its connections, one connection carries many
// clients' tokens, and the time of a comparison must not tell one client
// how much of its guess matches another's token.
func sameToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff byte
	for i := 0; i < len(a); i++ {
		diff |= a[i] ^ b[i]
	}
	return diff == 0
}
