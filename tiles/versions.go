package tiles

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"lianxin"
)

// Versions maps a table to its layer_versions count.
type Versions map[string]int64

// versionGate reads the data versions for every request, yet runs at most
// one read at a time: a request joins the next read that starts after it
// arrived (never one already in flight, whose answer may predate a commit
// the caller has seen), so under load one query answers a whole batch of
// requests and a write that committed before a request began is always seen.
type versionGate struct {
	read    func(ctx context.Context, scope lianxin.Scope) (Versions, error)
	timeout time.Duration

	mu      sync.Mutex
	running bool
	waiting *versionCall
}

type versionCall struct {
	done  chan struct{}
	ctx   context.Context
	scope lianxin.Scope
	v     Versions
	err   error
}

func (g *versionGate) get(ctx context.Context, scope lianxin.Scope) (Versions, error) {
	g.mu.Lock()
	c := g.waiting
	if c == nil {
		// The shared read outlives any one caller's cancellation but keeps
		// the first caller's values and a deadline of its own. The table
		// has no town column, so whose scope reads it does not matter.
		c = &versionCall{done: make(chan struct{}), ctx: context.WithoutCancel(ctx), scope: scope}
		g.waiting = c
	}
	if !g.running {
		g.running = true
		g.waiting = nil
		go g.run(c)
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.v, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *versionGate) run(c *versionCall) {
	for c != nil {
		ctx, cancel := context.WithTimeout(c.ctx, g.timeout)
		c.v, c.err = g.read(ctx, c.scope)
		cancel()
		close(c.done)
		g.mu.Lock()
		c = g.waiting
		g.waiting = nil
		if c == nil {
			g.running = false
		}
		g.mu.Unlock()
	}
}

// Feed tells a Service when layer versions change, so a warm tile needs no
// query at all (the store implements it with LISTEN/NOTIFY).
type Feed interface {
	// ListenLayers runs until ctx ends. It calls up(true) once every later
	// committed change will be reported, up(false) as soon as changes may
	// be missed, and changed after each change (at the latest when the
	// notification arrives; for the process's own writes, right after
	// their commit).
	ListenLayers(ctx context.Context, up func(bool), changed func())
}

// versionCache keeps the layer versions in memory while a Feed is up. Any
// change (or the feed going down) drops the copy, and the next request reads
// the table again through the gate; while the feed is down every request
// reads, as it would without a feed. A read's answer is kept only if no
// change arrived since it started, so an answer older than a change heard
// is never kept.
type versionCache struct {
	gate *versionGate

	mu     sync.Mutex
	up     bool
	gen    uint64   // counts changes and feed transitions
	cached Versions // nil: none held
	// hot is cached while up, else nil: set under mu, read without it,
	// so the warm requests of every core do not take turns on mu.
	hot atomic.Pointer[Versions]
}

func (vc *versionCache) setUp(up bool) {
	vc.mu.Lock()
	vc.up, vc.cached = up, nil
	vc.hot.Store(nil)
	vc.gen++
	vc.mu.Unlock()
}

func (vc *versionCache) changed() {
	vc.mu.Lock()
	vc.cached = nil
	vc.hot.Store(nil)
	vc.gen++
	vc.mu.Unlock()
}

// live reports whether versions are answered from memory right now.
func (vc *versionCache) live() bool {
	vc.mu.Lock()
	defer vc.mu.Unlock()
	return vc.up && vc.cached != nil
}

func (vc *versionCache) get(ctx context.Context, scope lianxin.Scope) (Versions, error) {
	if v := vc.hot.Load(); v != nil {
		return *v, nil
	}
	vc.mu.Lock()
	if vc.up && vc.cached != nil {
		v := vc.cached
		vc.mu.Unlock()
		return v, nil
	}
	gen, up := vc.gen, vc.up
	vc.mu.Unlock()
	v, err := vc.gate.get(ctx, scope)
	if err != nil || !up {
		return v, err
	}
	vc.mu.Lock()
	if vc.up && vc.gen == gen && vc.cached == nil {
		vc.cached = v
		vc.hot.Store(&v)
	}
	vc.mu.Unlock()
	return v, nil
}
