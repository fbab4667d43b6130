package export

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
)

// Extent is how far a layer reaches in the caller's scope: the bounding box
// of its geometries (lon/lat, CRS84) and, for a layer with time, its first
// and last instant. Nil members are unknown or empty: a layer without
// geometry, or no rows in scope.
type Extent struct {
	BBox     *orb.Bound
	From, To *time.Time
}

// ExtentSource is what Extent needs from the database (the store implements
// it): the extent itself, under the scope, and a tag that changes with every
// write to the tables the layer's extent in that scope depends on, so a
// cached extent is never stale and a write elsewhere (the diary, every day)
// does not throw away the households' box, which takes seconds to scan.
type ExtentSource interface {
	LayerExtent(ctx context.Context, scope lianxin.Scope, l *Layer) (Extent, error)
	ExtentVersion(ctx context.Context, scope lianxin.Scope, l *Layer) (string, error)
}

// extentCacheMax bounds the cache (layers × distinct scopes).
const extentCacheMax = 4096

// extentCache keeps each layer's extent per scope with the version tag it
// was computed at. OGC clients read /collections every time they connect.
type extentCache struct {
	mu sync.Mutex
	m  map[string]versionedExtent
}

type versionedExtent struct {
	version string
	extent  Extent
}

// scopeKey names what decides which rows a scope sees: the user (members
// see their own rows), the towns and the household grant.
func scopeKey(s lianxin.Scope) string {
	var b strings.Builder
	b.WriteString(s.User)
	b.WriteByte('|')
	if s.AllTowns {
		b.WriteString("all")
	} else {
		towns := slices.Clone(s.Towns)
		slices.Sort(towns)
		for _, t := range towns {
			b.WriteString(strconv.Itoa(int(t)))
			b.WriteByte(',')
		}
	}
	b.WriteString("|" + strconv.FormatBool(s.HouseholdPoints))
	for _, r := range s.Roles {
		b.WriteString("|" + string(r))
	}
	return b.String()
}

// Extent returns the extent of layer l in scope, from the cache while none
// of the layer's inputs has changed.
func (s *Service) Extent(ctx context.Context, scope lianxin.Scope, l *Layer) (Extent, error) {
	src, ok := s.src.(ExtentSource)
	if !ok {
		return Extent{}, nil
	}
	version, err := src.ExtentVersion(ctx, scope, l)
	if err != nil {
		return Extent{}, err
	}
	key := l.Name + "|" + scopeKey(scope)
	c := &s.extents
	c.mu.Lock()
	got, hit := c.m[key]
	c.mu.Unlock()
	if hit && got.version == version {
		return got.extent, nil
	}
	e, err := src.LayerExtent(ctx, scope, l)
	if err != nil {
		return Extent{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= extentCacheMax {
		c.m = map[string]versionedExtent{}
	}
	c.m[key] = versionedExtent{version: version, extent: e}
	c.mu.Unlock()
	return e, nil
}
