package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"lianxin/coverage"
)

// coverageCache keeps village-coverage answers keyed by the window and
// filter, for one set of input versions: the layer_versions of every table
// the answer reads (triggers bump them in the writing transaction, with the
// coverage rows), so an entry is never served after its inputs changed.
// The answer is the same for every signed-in scope (county-wide aggregates,
// villages and towns readable by all), so entries are shared between scopes.
type coverageCache struct {
	mu       sync.Mutex
	max      int
	versions []int64
	entries  map[coverageKey][]coverage.VillageCoverage
	order    []coverageKey // oldest first
}

// coverageLayers are the inputs of VillageCoverage.
var coverageLayers = []string{"households", "visits", "villages", "towns"}

type coverageKey struct {
	from, to  int64 // unix seconds of the window's midnights
	town      string
	villages  string // codes joined by NUL
	withSizes bool
}

func newCoverageCache(max int) *coverageCache {
	if max == 0 {
		max = 32
	}
	return &coverageCache{max: max, entries: map[coverageKey][]coverage.VillageCoverage{}}
}

func coverageKeyOf(w coverage.Window, f coverage.Filter) coverageKey {
	return coverageKey{from: w.From.Unix(), to: w.To.Unix(), town: f.Town, villages: strings.Join(f.Villages, "\x00"),
		withSizes: f.WithSizes}
}

// inputVersions reads the versions of the coverage inputs in tx.
func inputVersions(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT layer, version FROM layer_versions WHERE layer = ANY ($1)`, coverageLayers)
	if err != nil {
		return nil, fmt.Errorf("read layer versions: %w", err)
	}
	defer rows.Close()
	v := make([]int64, len(coverageLayers))
	for rows.Next() {
		var layer string
		var n int64
		if err := rows.Scan(&layer, &n); err != nil {
			return nil, fmt.Errorf("read layer versions: %w", err)
		}
		v[slices.Index(coverageLayers, layer)] = n
	}
	return v, rows.Err()
}

// get returns a copy of the answer for k at versions v.
func (c *coverageCache) get(v []int64, k coverageKey) ([]coverage.VillageCoverage, bool) {
	if c.max < 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.versions, v) {
		return nil, false
	}
	vs, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	return copyCoverage(vs), true
}

// put keeps a copy of vs for k at versions v, dropping every entry of
// other versions and the oldest entries beyond max.
func (c *coverageCache) put(v []int64, k coverageKey, vs []coverage.VillageCoverage) {
	if c.max < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.versions, v) {
		// Versions only grow: an answer computed at older versions than the
		// cache holds is dropped rather than replacing newer entries.
		if c.versions != nil && older(v, c.versions) {
			return
		}
		c.versions = slices.Clone(v)
		clear(c.entries)
		c.order = c.order[:0]
	}
	if _, ok := c.entries[k]; !ok {
		c.order = append(c.order, k)
	}
	c.entries[k] = copyCoverage(vs)
	for len(c.order) > c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// older reports whether a precedes b in some layer.
func older(a, b []int64) bool {
	for i := range a {
		if a[i] < b[i] {
			return true
		}
	}
	return false
}

// copyCoverage copies vs deeply enough that a caller changing its rows (the
// privacy layer suppresses figures in place) cannot change the cache.
func copyCoverage(vs []coverage.VillageCoverage) []coverage.VillageCoverage {
	out := slices.Clone(vs)
	for i := range out {
		if out[i].LastVisitOn != nil {
			d := *out[i].LastVisitOn
			out[i].LastVisitOn = &d
		}
		out[i].UnvisitedSizes = slices.Clone(out[i].UnvisitedSizes)
	}
	return out
}
