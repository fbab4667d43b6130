package tiles

import (
	"strings"
	"time"

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
	// layer's query.
	Villages []VillageFigures
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
