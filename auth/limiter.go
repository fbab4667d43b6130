package auth

import (
	"sync"
	"time"
)

// limiter counts failed sign-ins per key (client address, username) in a
// fixed window and refuses a key that reached the limit until its window
// ends. It is in memory: a restart forgets it, and the per-account lock-out
// in the database is what survives. It holds at most maxKeys keys, dropping
// expired ones first and then the oldest, so a flood of invented usernames
// cannot grow it without bound.
type limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	maxKeys int
	keys    map[string]*window
}

type window struct {
	start    time.Time
	failures int
}

func newLimiter(limit int, w time.Duration, maxKeys int) *limiter {
	return &limiter{limit: limit, window: w, maxKeys: maxKeys, keys: map[string]*window{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.keys[key]
	if !ok || now.Sub(w.start) >= l.window {
		return true
	}
	return w.failures < l.limit
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.keys[key]
	if !ok || now.Sub(w.start) >= l.window {
		if !ok && len(l.keys) >= l.maxKeys {
			l.evict(now)
		}
		l.keys[key] = &window{start: now, failures: 1}
		return
	}
	w.failures++
}

// evict drops expired windows, and the oldest one if none has expired.
func (l *limiter) evict(now time.Time) {
	var oldestKey string
	var oldest time.Time
	for k, w := range l.keys {
		if now.Sub(w.start) >= l.window {
			delete(l.keys, k)
			continue
		}
		if oldestKey == "" || w.start.Before(oldest) {
			oldestKey, oldest = k, w.start
		}
	}
	if len(l.keys) >= l.maxKeys && oldestKey != "" {
		delete(l.keys, oldestKey)
	}
}
