package tiles

import (
	"context"
	"sync"
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
