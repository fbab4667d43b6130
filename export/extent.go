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
// it): the extent itself, under the scope, and a number that changes with
// every write to any layer, so a cached extent is never stale.
type ExtentSource interface {
	LayerExtent(ctx context.Context, scope lianxin.Scope, l *Layer) (Extent, error)
	DataVersion(ctx context.Context) (int64, error)
}

// extentCacheMax bounds the cache (layers × distinct scopes).
const extentCacheMax = 4096

// extentCache keeps extents until the data changes. Scanning a county's
// households for their box takes seconds at scale 10, and OGC clients read
// /collections every time they connect.
type extentCache struct {
	mu      sync.Mutex
	version int64
	m       map[string]Extent
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

// Extent returns the extent of layer l in scope, from the cache while no
// layer has changed.
func (s *Service) Extent(ctx context.Context, scope lianxin.Scope, l *Layer) (Extent, error) {
	src, ok := s.src.(ExtentSource)
	if !ok {
		return Extent{}, nil
	}
	version, err := src.DataVersion(ctx)
	if err != nil {
		return Extent{}, err
	}
	key := l.Name + "|" + scopeKey(scope)
	c := &s.extents
	c.mu.Lock()
	if c.m == nil || c.version != version || len(c.m) >= extentCacheMax {
		c.version, c.m = version, map[string]Extent{}
	}
	e, hit := c.m[key]
	c.mu.Unlock()
	if hit {
		return e, nil
	}
	if e, err = src.LayerExtent(ctx, scope, l); err != nil {
		return Extent{}, err
	}
	c.mu.Lock()
	if c.version == version {
		c.m[key] = e
	}
	c.mu.Unlock()
	return e, nil
}
