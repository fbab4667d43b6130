package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
)

// versionedCache keeps answers keyed by K for one set of input versions: the
// layer_versions of every table the answer reads (triggers bump them in the
// writing transaction), so an entry is never served after its inputs
// changed. Callers read the versions in the transaction that would compute
// the answer, before the data, so a concurrent write makes an answer newer
// than its key, never older.
type versionedCache[K comparable, V any] struct {
	layers   []string  // the inputs whose versions key the entries
	clone    func(V) V // deep enough that a caller changing its copy cannot change the cache
	mu       sync.Mutex
	max      int
	versions []int64
	entries  map[K]V
	order    []K // oldest first
}

func newVersionedCache[K comparable, V any](max int, layers []string, clone func(V) V) *versionedCache[K, V] {
	if max == 0 {
		max = 32
	}
	return &versionedCache[K, V]{layers: layers, clone: clone, max: max, entries: map[K]V{}}
}

// inputVersions reads the versions of the cache's inputs in tx.
func (c *versionedCache[K, V]) inputVersions(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT layer, version FROM layer_versions WHERE layer = ANY ($1)`, c.layers)
	if err != nil {
		return nil, fmt.Errorf("read layer versions: %w", err)
	}
	defer rows.Close()
	v := make([]int64, len(c.layers))
	for rows.Next() {
		var layer string
		var n int64
		if err := rows.Scan(&layer, &n); err != nil {
			return nil, fmt.Errorf("read layer versions: %w", err)
		}
		v[slices.Index(c.layers, layer)] = n
	}
	return v, rows.Err()
}

// lookup reads the inputs' versions in tx, then the answer for k at them:
// hit reports whether it was there. The versions key the answer the caller
// computes on a miss (put): read before the data, so a concurrent write
// makes an answer newer than its key, never older.
func (c *versionedCache[K, V]) lookup(ctx context.Context, tx pgx.Tx, k K) (versions []int64, answer V, hit bool, err error) {
	if versions, err = c.inputVersions(ctx, tx); err != nil {
		return nil, answer, false, err
	}
	answer, hit = c.get(versions, k)
	return versions, answer, hit, nil
}

// get returns a copy of the answer for k at versions v.
func (c *versionedCache[K, V]) get(v []int64, k K) (V, bool) {
	var zero V
	if c.max < 0 {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Equal(c.versions, v) {
		return zero, false
	}
	got, ok := c.entries[k]
	if !ok {
		return zero, false
	}
	return c.clone(got), true
}

// put keeps a copy of answer for k at versions v, dropping every entry of
// other versions and the oldest entries beyond max.
func (c *versionedCache[K, V]) put(v []int64, k K, answer V) {
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
	c.entries[k] = c.clone(answer)
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

// coverageCache keeps village-coverage answers keyed by the window and
// filter. The answer is the same for every signed-in scope (county-wide
// aggregates, villages and towns readable by all), so entries are shared
// between scopes.
type coverageCache = versionedCache[coverageKey, []coverage.VillageCoverage]

// coverageLayers are the inputs of VillageCoverage.
var coverageLayers = []string{"households", "visits", "villages", "towns"}

type coverageKey struct {
	from, to  int64 // unix seconds of the window's midnights
	town      string
	villages  string // codes joined by NUL
	withSizes bool
}

func newCoverageCache(max int) *coverageCache {
	return newVersionedCache[coverageKey](max, coverageLayers, copyCoverage)
}

func coverageKeyOf(w coverage.Window, f coverage.Filter) coverageKey {
	return coverageKey{from: w.From.Unix(), to: w.To.Unix(), town: f.Town, villages: strings.Join(f.Villages, "\x00"),
		withSizes: f.WithSizes}
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

// cellsCache keeps county-wide cell aggregates (CellAggregates with no
// bound and no town) by resolution and window. Every hexagon tile of a role
// without household access protects the whole county's resolution-8 cells
// (privacy rule 4), so without it each such tile sums the county again. Like
// village coverage, the answer is the same for every signed-in scope.
type cellsCache = versionedCache[cellsKey, []coverage.CellAggregate]

type cellsKey struct {
	res      int
	from, to int64
	leaveOut string // the village ids left out (CountyCells), sorted
}

func newCellsCache(max int) *cellsCache {
	return newVersionedCache[cellsKey](max, coverageLayers, slices.Clone[[]coverage.CellAggregate])
}

// petitionCache keeps the towns' counts of petition households no diary
// entry reached (UnvisitedPetitionHouseholds) by window and the villages
// left out. coverage_petition_unvisited counts county-wide for every
// signed-in scope, so, like village coverage, entries are shared between
// scopes. Every summary and morning check reads them: uncached, the count
// took 24 ms of a 30 ms summary at scale 1.
type petitionCache = versionedCache[petitionKey, []coverage.TownCount]

type petitionKey struct {
	from, to int64
	leaveOut string // the village ids left out, sorted
}

func newPetitionCache(max int) *petitionCache {
	return newVersionedCache[petitionKey](max, coverageLayers, slices.Clone[[]coverage.TownCount])
}

// summaryCache keeps the summary's numbers (SummaryNumbers). Unlike village
// coverage they read detail rows under row-level security (visits,
// projects, members), so an entry belongs to one scope: its user, roles and
// towns are part of the key.
type summaryCache = versionedCache[summaryKey, coverage.Summary]

// summaryLayers are the inputs of SummaryNumbers.
var summaryLayers = []string{"households", "visits", "villages", "towns", "projects", "members", "contact_points"}

type summaryKey struct {
	scope    string // user, roles and towns
	from, to int64
	town     string
	leaveOut string // the village ids left out, sorted
}

func newSummaryCache(max int) *summaryCache {
	return newVersionedCache[summaryKey](max, summaryLayers, copySummary)
}

// summaryKeyOf keys a summary by everything its answer depends on besides
// the data, leaveOut (sorted) included; ok is false for a scope whose rows
// depend on more than the scope says (a member sees the rows of the member
// record their account is tied to, which can change without any layer
// version changing).
func summaryKeyOf(scope lianxin.Scope, w coverage.Window, town string, leaveOut []int32) (k summaryKey, ok bool) {
	if scope.User == "" || scope.Has(lianxin.RoleMember) {
		return summaryKey{}, false
	}
	roles := make([]string, len(scope.Roles))
	for i, r := range scope.Roles {
		roles[i] = string(r)
	}
	slices.Sort(roles)
	towns := slices.Clone(scope.Towns)
	slices.Sort(towns)
	who := fmt.Sprintf("%s\x00%s\x00%t\x00%v", scope.User, strings.Join(roles, ","), scope.AllTowns, towns)
	return summaryKey{scope: who, from: w.From.Unix(), to: w.To.Unix(), town: town, leaveOut: fmt.Sprint(leaveOut)}, true
}

func copySummary(s coverage.Summary) coverage.Summary {
	c := &s.Checks
	c.TownsWithoutActivity = slices.Clone(c.TownsWithoutActivity)
	c.ProjectsWithoutVisit = slices.Clone(c.ProjectsWithoutVisit)
	c.VillagesWithoutVisit = slices.Clone(c.VillagesWithoutVisit)
	c.PetitionVillagesWithoutVisit = slices.Clone(c.PetitionVillagesWithoutVisit)
	c.MembersBelowTarget = slices.Clone(c.MembersBelowTarget)
	c.MembersWithoutContactPoint = slices.Clone(c.MembersWithoutContactPoint)
	c.Towns = slices.Clone(c.Towns)
	return s
}
