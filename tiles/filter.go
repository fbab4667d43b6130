package tiles

import (
	"strings"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
)

// Filter narrows a tile. The zero Filter is the whole campaign, every town.
type Filter struct {
	// From and To bound the window [From, To) of visits, midnights in UTC+8;
	// zero means the coverage engine's default: from the campaign's start,
	// to the end of today.
	From, To time.Time
	// TownCode keeps one town's rows; empty keeps all the scope allows.
	TownCode string
	// Metric is the hexagon layer's metric; empty is "visited_share".
	Metric string
}

// Metrics of the hexagon layer. Every tile carries all of them as
// attributes; the metric names the one a client styles by, and is part of
// the request's validation only.
var Metrics = []string{"visited_share", "households", "residents", "visits", "special_waiting", "open_problems"}

// ParseFilter reads the query parameters from, to (days YYYY-MM-DD in
// UTC+8, to exclusive), town (a town code) and metric.
func ParseFilter(from, to, town, metric string) (Filter, error) {
	var f Filter
	var err error
	if f.From, err = parseInstant("from", from); err != nil {
		return f, err
	}
	if f.To, err = parseInstant("to", to); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() {
		if _, err := coverage.NewWindow(f.From, f.To); err != nil {
			return f, err
		}
	}
	if !validCode(town) {
		return f, lianxin.Errorf(lianxin.EInvalid, "town %.40q: want a town code (letters, digits, - or _)", town)
	}
	f.TownCode = town
	if metric != "" {
		ok := false
		for _, m := range Metrics {
			ok = ok || m == metric
		}
		if !ok {
			return f, lianxin.Errorf(lianxin.EInvalid, "metric %.40q: want one of %s", metric, strings.Join(Metrics, ", "))
		}
	}
	f.Metric = metric
	return f, nil
}

func parseInstant(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return coverage.ParseDay(name, s)
}

// appendWindowKey appends the window's part of a cache key. An open end
// of the window is keyed by today's date (today, YYYY-MM-DD in UTC+8),
// since it means "until the end of today".
func (f Filter) appendWindowKey(b, today []byte) []byte {
	b = appendInstantKey(b, f.From)
	b = append(b, '~')
	if f.To.IsZero() {
		b = append(b, "today="...)
		return append(b, today...)
	}
	return appendInstantKey(b, f.To)
}

func appendInstantKey(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return t.UTC().AppendFormat(b, time.RFC3339Nano)
}

// Query is what the store needs to build one layer of one tile.
type Query struct {
	Layer  *Layer
	Tile   geo.TileZXY
	Filter Filter
	// Clustered: serve Layer.ClusterFields, one point per H3 cell at
	// Resolution. Set by the service from the zoom.
	Clustered  bool
	Resolution int
	// Margin is the share of the tile's width by which the selection is
	// widened (the MVT buffer).
	Margin float64
	// Villages carries the coverage engine's figures into the villages
	// layer's query: those of the villages the tile can hold (VillagesIn).
	Villages []VillageFigures
	// Versions are the data versions the tile's key was made of (set by the
	// service; nil: not known), which the engine's memos are keyed by.
	Versions Versions
}

// VillageFigures are one village's coverage figures for a window, as the
// coverage engine computes them.
type VillageFigures struct {
	VillageID        int32
	VisitedResidents int64
	// Coverage is visited residents over resident population; NaN when
	// the village has no population (the tile then leaves it out).
	Coverage        float64
	Reached         bool
	ResidentsNeeded int64
	SpecialWaiting  int64
	// SpecialWaitingHidden leaves special_waiting out of the tile (privacy
	// rule 3).
	SpecialWaitingHidden bool
	// SpecialWaitingHouseholds counts the special-group households not
	// visited once each (special_waiting_households);
	// SpecialWaitingHouseholdsHidden leaves it out of the tile.
	SpecialWaitingHouseholds       int64
	SpecialWaitingHouseholdsHidden bool
	// Bound is the village outline's lon/lat box (WithBounds sets it); the
	// zero Bound is not known, and meets every tile.
	Bound orb.Bound
	// NoFigures: the village is drawn without figures (the privacy rules
	// suppress them, or the engine has none).
	NoFigures bool
}

// VillageBound is a village outline's lon/lat box.
type VillageBound struct {
	ID    int32
	Bound orb.Bound
}

// WithBounds returns one entry for each village of bounds, every village
// with an outline: its figures from figs with its Bound, or NoFigures when
// figs has none for it.
func WithBounds(figs []VillageFigures, bounds []VillageBound) []VillageFigures {
	byID := make(map[int32]int, len(figs))
	for i, f := range figs {
		byID[f.VillageID] = i
	}
	out := make([]VillageFigures, len(bounds))
	for i, b := range bounds {
		if j, ok := byID[b.ID]; ok {
			out[i] = figs[j]
		} else {
			out[i] = VillageFigures{VillageID: b.ID, NoFigures: true}
		}
		out[i].Bound = b.Bound
	}
	return out
}

// SelectionBox is the lon/lat box of the villages tile t can show: t
// widened by margin (a share of its width, as Query.Margin), and by as much
// again, in degrees of the tile's own span on each axis, so it holds the
// tile's buffer (drawn in web mercator, whose latitude span over a tile
// varies by far less than that).
func SelectionBox(t geo.TileZXY, margin float64) orb.Bound {
	tb := t.Bound()
	padLon := (tb.Max[0] - tb.Min[0]) * 2 * margin
	padLat := (tb.Max[1] - tb.Min[1]) * 2 * margin
	return orb.Bound{Min: orb.Point{tb.Min[0] - padLon, tb.Min[1] - padLat}, Max: orb.Point{tb.Max[0] + padLon, tb.Max[1] + padLat}}
}

// VillagesIn returns the villages of figs (made by WithBounds) whose box
// meets SelectionBox(t, margin): the villages a tile of the layer draws.
//
// The tile query joins the outlines to this list by id, rather than finding
// them by && and joining every village's figures: under row-level security
// PostgreSQL evaluates no leaky operator before the policies, and PostGIS's
// && is not leakproof, so the GiST index could not serve the query and every
// outline was tested, and binding all 3,420 villages' figures to every tile
// of the scale-10 county cost more than drawing the tile's own villages
// (BENCHMARKS.md, Vector tiles). The boxes come with the figures, memoised
// by the villages' version, so they follow every change of an outline.
func VillagesIn(figs []VillageFigures, t geo.TileZXY, margin float64) []VillageFigures {
	sel := SelectionBox(t, margin)
	var out []VillageFigures
	// By index: a VillageFigures is about 100 bytes, and the scale-10
	// county's 3,420 copied for every tile showed in the server's profile.
	for i := range figs {
		b := &figs[i].Bound
		if *b == (orb.Bound{}) || b.Intersects(sel) {
			out = append(out, figs[i])
		}
	}
	return out
}

// Buffer is the MVT buffer (in tile units of a 4096 extent) around every
// tile, so that lines and outlines cross tile edges without seams.
const Buffer = 64

// Extent is the MVT extent of every tile.
const Extent = 4096

// validCode accepts the characters of the county's codes, so that nothing
// else reaches a query or a cache key.
func validCode(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
