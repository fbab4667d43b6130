package tiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
)

// Source builds tiles from the database; the store implements it.
type Source interface {
	// LayerVersions returns every row of layer_versions.
	LayerVersions(ctx context.Context, scope lianxin.Scope) (Versions, error)
	// CampaignStartsOn returns the campaign's first day, the start of the
	// default window.
	CampaignStartsOn(ctx context.Context, scope lianxin.Scope) (time.Time, error)
	// LayerTile returns one layer of one tile as MVT bytes (empty when the
	// tile holds no feature). It runs under ctx: a cancelled request
	// cancels its query.
	LayerTile(ctx context.Context, scope lianxin.Scope, q Query) ([]byte, error)
	// VillageBounds returns every village outline's lon/lat box.
	VillageBounds(ctx context.Context, scope lianxin.Scope) ([]VillageBound, error)
	BoundsSource
}

// Coverage gives the figures the coverage engine computes: per village for
// the villages layer, per H3 cell for the hexagon layer and the clusters of
// the households and visits layers. An adapter over the engine implements it.
type Coverage interface {
	// VillageFigures returns every village's figures for the window.
	VillageFigures(ctx context.Context, scope lianxin.Scope, f Filter) ([]VillageFigures, error)
	// HexCells returns the cells at q.Resolution with data that meet
	// HexBound(q.Tile), for q.Filter's window and town.
	HexCells(ctx context.Context, scope lianxin.Scope, q Query) ([]Cell, error)
}

// AllowFunc decides whether scope may see layer; a non-nil error (a
// *lianxin.Error with code forbidden) refuses the tile.
type AllowFunc func(scope lianxin.Scope, layer *Layer) error

// DefaultAllow is lianxin's one rule of which layer needs which grant
// (Scope.MayReadLayer): households and visits need HouseholdPoints, as on
// every other path that serves them.
func DefaultAllow(scope lianxin.Scope, layer *Layer) error {
	return scope.MayReadLayer(layer.Name)
}

// Options configure a Service.
type Options struct {
	// CacheBytes bounds the tile cache (gzipped bytes plus keys); 0 takes
	// 64 MiB, a negative value disables the cache.
	CacheBytes int64
	// Allow gates layers by scope; nil is DefaultAllow.
	Allow AllowFunc
	// VersionTimeout bounds the shared read of layer_versions (default 5s).
	VersionTimeout time.Duration
	// BuildTimeout bounds the building of one tile (default 30s, the
	// server's request timeout). The HTTP layer gives tile requests no
	// deadline of their own: a cached tile needs none, and this one, with
	// VersionTimeout, bounds every wait on the database.
	BuildTimeout time.Duration
	// Now is the clock of the default window (default time.Now).
	Now func() time.Time
}

// Service answers tile requests from the cache or the sources.
type Service struct {
	src      Source
	cov      Coverage
	allow    AllowFunc
	cache    *otter.Cache[string, *entry]
	counter  *stats.Counter
	versions *versionCache
	now      func() time.Time
	// buildTimeout: see Options.BuildTimeout.
	buildTimeout time.Duration
	day          atomic.Pointer[todayKey] // today()'s last answer
	startsOn     atomic.Pointer[campaignStart]
	loaders      sync.Pool // of *loader
	figures      figureMemo
}

// entry is a cached tile: gzipped bytes, or none when the tile is empty,
// and its ETag, kept so a warm tile costs no hash of its key.
type entry struct {
	gz     []byte
	rawLen int
	etag   string
	// etagValue and lengthValue are etag and len(gz) as header values.
	etagValue, lengthValue []string
}

// New returns a Service. cov may be nil until the coverage engine is wired;
// the layers that need it then answer unavailable.
func New(src Source, cov Coverage, opt Options) (*Service, error) {
	if opt.CacheBytes == 0 {
		opt.CacheBytes = 64 << 20
	}
	if opt.Allow == nil {
		opt.Allow = DefaultAllow
	}
	if opt.VersionTimeout <= 0 {
		opt.VersionTimeout = 5 * time.Second
	}
	if opt.BuildTimeout <= 0 {
		opt.BuildTimeout = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Service{src: src, cov: cov, allow: opt.Allow, counter: stats.NewCounter(), now: opt.Now, buildTimeout: opt.BuildTimeout}
	s.versions = &versionCache{gate: &versionGate{read: src.LayerVersions, timeout: opt.VersionTimeout}}
	if opt.CacheBytes > 0 {
		c, err := otter.New(&otter.Options[string, *entry]{
			MaximumWeight: uint64(opt.CacheBytes),
			Weigher: func(k string, e *entry) uint32 {
				return uint32(len(k) + len(e.gz) + len(e.etag) + 96)
			},
			StatsRecorder: s.counter,
		})
		if err != nil {
			return nil, fmt.Errorf("tile cache: %w", err)
		}
		s.cache = c
	}
	return s, nil
}

// Follow keeps the layer versions in memory from f's notifications until
// ctx ends; call it in a goroutine of its own. Without it (and while f is
// not connected) every request reads the versions from the database. Either
// way a change committed before a request began is seen by that request,
// except for a change by another process whose notification is still in
// flight (a few milliseconds on one machine).
func (s *Service) Follow(ctx context.Context, f Feed) {
	f.ListenLayers(ctx, s.versions.setUp, s.versions.changed)
}

// VersionsLive reports whether layer versions are answered from memory
// (Follow's feed is connected and a current copy is held).
func (s *Service) VersionsLive() bool { return s.versions.live() }

// Request is one tile request: one or more layers of one tile.
type Request struct {
	Layers []*Layer
	Tile   geo.TileZXY
	Filter Filter
}

// Tile is an answer.
type Tile struct {
	// Gzip holds the tile gzipped; nil when the tile is empty.
	Gzip []byte
	// RawLen is the length of the uncompressed tile.
	RawLen int
	ETag   string
	// ETagValue and LengthValue are ETag and len(Gzip) as HTTP header
	// values, kept with the cached tile and shared by every response that
	// sends it, so a warm tile allocates none; read-only. Nil for a
	// not-modified answer.
	ETagValue, LengthValue []string
}

// Raw returns the tile uncompressed, for clients that do not accept gzip.
func (t Tile) Raw() ([]byte, error) {
	if len(t.Gzip) == 0 {
		return nil, nil
	}
	raw, err := gunzipBytes(t.Gzip, t.RawLen)
	if err != nil {
		return nil, fmt.Errorf("gunzip cached tile: %w", err)
	}
	return raw, nil
}

// tileRev changes whenever what the tile SQL writes changes, so clients'
// cached tiles and ETags of an older build are not reused.
const tileRev = "2" // 2: hexagons wound as exterior rings

// check validates the request and returns its cache key and the data
// versions the key was made of.
func (s *Service) check(ctx context.Context, scope lianxin.Scope, r Request) (string, Versions, error) {
	if err := r.Tile.Validate(); err != nil {
		return "", nil, lianxin.Errorf(lianxin.EInvalid, "%s", err.Error())
	}
	if len(r.Layers) == 0 {
		return "", nil, lianxin.Errorf(lianxin.EInvalid, "layers: name at least one")
	}
	for _, l := range r.Layers {
		if int(r.Tile.Z) < l.MinZoom {
			return "", nil, lianxin.Errorf(lianxin.EInvalid, "tile %s: layer %s starts at zoom %d (its TileJSON says so)", r.Tile, l.Name, l.MinZoom)
		}
		if err := s.allow(scope, l); err != nil {
			return "", nil, err
		}
	}
	v, err := s.versions.get(ctx, scope)
	if err != nil {
		return "", nil, fmt.Errorf("read layer versions: %w", err)
	}
	return string(appendKey(make([]byte, 0, 160), scope, r, v, s.today())), v, nil
}

// today returns dayKey of now, formatted once a day: a request only
// compares the clock with the day's bounds (converting it to the county's
// zone on every request cost more than the rest of the key).
func (s *Service) today() []byte {
	now := s.now()
	if d := s.day.Load(); d != nil && !now.Before(d.from) && now.Before(d.until) {
		return d.key
	}
	day := coverage.Day(now)
	d := &todayKey{from: day, until: day.AddDate(0, 0, 1), key: dayKey(now)}
	s.day.Store(d)
	return d.key
}

// todayKey is one day's dayKey, from its first instant until the next
// day's.
type todayKey struct {
	from, until time.Time
	key         []byte
}

// dayKey is today's date in UTC+8 as the cache key spells an open window's
// end.
func dayKey(now time.Time) []byte {
	return coverage.Day(now).AppendFormat(nil, coverage.DayLayout)
}

// appendKey appends r's cache key: what the tile's bytes depend on, with
// today (dayKey) standing for an open window's end. It runs for every tile
// request, so it appends to one buffer and formats nothing.
func appendKey(b []byte, scope lianxin.Scope, r Request, v Versions, today []byte) []byte {
	b = append(b, tileRev...)
	for _, l := range r.Layers {
		b = append(b, '|')
		b = append(b, l.Name...)
		b = append(b, '@')
		if l.Windowed {
			b = r.Filter.appendWindowKey(b, today)
			if r.Filter.From.IsZero() {
				// An open start is the campaign's first day.
				b = append(b, ":c"...)
				b = strconv.AppendInt(b, v[CampaignTable], 10)
			}
		}
		b = append(b, '|')
		b = append(b, r.Filter.TownCode...)
		for _, t := range l.Tables {
			b = append(b, ':')
			b = strconv.AppendInt(b, v[t], 10)
		}
	}
	if slices.ContainsFunc(r.Layers, func(l *Layer) bool { return l.Name == H3 }) {
		b = append(b, "|m="...)
		b = append(b, r.Filter.Metric...)
	}
	b = append(b, '|')
	b = strconv.AppendUint(b, uint64(r.Tile.Z), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(r.Tile.X), 10)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(r.Tile.Y), 10)
	b = append(b, '|')
	return appendScopeKey(b, scope)
}

// appendScopeKey appends the part of the scope that can change a tile's
// content.
func appendScopeKey(b []byte, s lianxin.Scope) []byte {
	roles := s.Roles
	if !slices.IsSorted(roles) {
		roles = slices.Clone(roles)
		slices.Sort(roles)
	}
	for i, r := range roles {
		if i > 0 {
			b = append(b, '+')
		}
		b = append(b, r...)
	}
	if s.AllTowns {
		b = append(b, "/all"...)
	} else {
		towns := s.Towns
		if !slices.IsSorted(towns) {
			towns = slices.Clone(towns)
			slices.Sort(towns)
		}
		for _, t := range towns {
			b = append(b, '/')
			b = strconv.AppendInt(b, int64(t), 10)
		}
	}
	if s.HouseholdPoints {
		b = append(b, "/hh"...)
	}
	if s.PersonalFields {
		b = append(b, "/pf"...)
	}
	if s.Has(lianxin.RoleMember) && !s.AllTowns && !s.Has(lianxin.RoleTeamLeader) {
		// A member's detail rows are their own (migration 010): one
		// member's tile is not another's.
		b = append(b, "/u:"...)
		b = append(b, s.User...)
	}
	return b
}

func etagOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// Tile answers r. When ifNoneMatch names the tile's current ETag it returns
// notModified and no bytes, having read only the data versions.
func (s *Service) Tile(ctx context.Context, scope lianxin.Scope, r Request, ifNoneMatch string) (t Tile, notModified bool, err error) {
	key, v, err := s.check(ctx, scope, r)
	if err != nil {
		return Tile{}, false, err
	}
	// The ETag is a hash of the key; a cached tile carries its own, so only a
	// revalidation hashes the key before the lookup.
	var etag string
	if ifNoneMatch != "" {
		etag = etagOf(key)
		if etagMatches(ifNoneMatch, etag) {
			return Tile{ETag: etag}, true, nil
		}
	}
	var e *entry
	if s.cache == nil {
		e, err = s.load(ctx, scope, r, v, key)
	} else {
		// The loader is pooled: a closure over the request would be
		// allocated on every request, a cached tile's too, for the rare one
		// that builds. The cache calls it, if at all, before Get returns.
		l, _ := s.loaders.Get().(*loader)
		if l == nil {
			l = &loader{s: s}
		}
		l.scope, l.r, l.v = scope, r, v
		e, err = s.cache.Get(ctx, key, l)
		if err != nil && errors.Is(err, context.Canceled) && ctx.Err() == nil {
			// We waited on another request's load, and that request went away.
			e, err = s.cache.Get(ctx, key, l)
		}
		*l = loader{s: s}
		s.loaders.Put(l)
	}
	if err != nil {
		return Tile{}, false, err
	}
	return Tile{Gzip: e.gz, RawLen: e.rawLen, ETag: e.etag, ETagValue: e.etagValue, LengthValue: e.lengthValue}, false, nil
}

// loader builds the tile of one request for the cache (otter.Loader).
type loader struct {
	s     *Service
	scope lianxin.Scope
	r     Request
	v     Versions
}

func (l *loader) Load(ctx context.Context, key string) (*entry, error) {
	return l.s.load(ctx, l.scope, l.r, l.v, key)
}

func (l *loader) Reload(ctx context.Context, key string, _ *entry) (*entry, error) {
	return l.Load(ctx, key)
}

// load builds the tile of r, keyed key, within the build timeout.
func (s *Service) load(ctx context.Context, scope lianxin.Scope, r Request, v Versions, key string) (*entry, error) {
	ctx, cancel := context.WithTimeout(ctx, s.buildTimeout)
	defer cancel()
	e, err := s.build(ctx, scope, r, v)
	if e != nil {
		e.etag = etagOf(key)
		e.etagValue = []string{e.etag}
		e.lengthValue = []string{strconv.Itoa(len(e.gz))}
	}
	return e, err
}

// etagMatches reads If-None-Match: a list of ETags, weak or strong, or *.
func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}

// build makes the tile of r from the data at versions v (or newer).
func (s *Service) build(ctx context.Context, scope lianxin.Scope, r Request, v Versions) (*entry, error) {
	var err error
	r.Filter, err = r.Filter.resolveWindow(func() (time.Time, error) { return s.campaignStart(ctx, scope, v) }, s.now())
	if err != nil {
		return nil, fmt.Errorf("tile %s: %w", r.Tile, err)
	}
	var raw []byte
	for _, l := range r.Layers {
		q := Query{Layer: l, Tile: r.Tile, Filter: r.Filter, Margin: float64(Buffer) / Extent, Versions: v}
		var b []byte
		switch {
		case l.Name == H3:
			q.Resolution = HexResolution(int(r.Tile.Z))
			b, err = s.hexTile(ctx, scope, q)
		case l.Clustered(int(r.Tile.Z)):
			q.Clustered, q.Resolution = true, HexResolution(int(r.Tile.Z))
			b, err = s.clusterTile(ctx, scope, q)
		case l.Name == "villages":
			if s.cov == nil {
				return nil, lianxin.Errorf(lianxin.EUnavailable, "layer villages: the coverage engine is not wired")
			}
			var figs []VillageFigures
			if figs, err = s.villageFigures(ctx, scope, l, r.Filter, v); err == nil {
				q.Villages = VillagesIn(figs, r.Tile, q.Margin)
				b, err = s.src.LayerTile(ctx, scope, q)
			}
		default:
			b, err = s.src.LayerTile(ctx, scope, q)
		}
		if err != nil {
			return nil, fmt.Errorf("tile %s layer %s: %w", r.Tile, l.Name, err)
		}
		// An MVT is a sequence of layer messages: tiles of single layers
		// concatenate into one tile of all of them. A single layer's bytes
		// are only read (gzipped): not copied. Appending to them could write
		// into the spare capacity of a memoised answer.
		if len(r.Layers) == 1 {
			raw = b
		} else {
			raw = append(raw, b...)
		}
	}
	e := &entry{rawLen: len(raw)}
	if len(raw) > 0 {
		if e.gz, err = gzipBytes(raw); err != nil {
			return nil, fmt.Errorf("tile %s: %w", r.Tile, err)
		}
	}
	return e, nil
}

// CacheStats reports the cache's hits, misses and weighted size in bytes.
func (s *Service) CacheStats() (hits, misses, bytes uint64) {
	if s.cache == nil {
		return 0, 0, 0
	}
	st := s.counter.Snapshot()
	return st.Hits, st.Misses, s.cache.WeightedSize()
}

// TileJSON describes layer l for the caller, with tiles at tileURL.
func (s *Service) TileJSON(ctx context.Context, scope lianxin.Scope, l *Layer, tileURL string) (TileJSON, error) {
	if err := s.allow(scope, l); err != nil {
		return TileJSON{}, err
	}
	b, err := s.src.DataBounds(ctx, scope)
	if err != nil {
		return TileJSON{}, err
	}
	return NewTileJSON(l, tileURL, b), nil
}
