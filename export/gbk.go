package export

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"lianxin"
)

// A GBK shapefile (encoding=gbk, code page 936 for older ArcGIS) cannot
// hold every character: rare characters of village and person names
// (生僻字 such as 𠮷, outside GBK's 21,886) have no code there, and GDAL's
// iconv drops them with a warning nobody reads, so 舍𠮷村 arrived as 舍村.
// No silent loss: such an export is refused, naming the features by the
// key people search them by (a code, or a household's or diary entry's
// external id: 户编号, 日记编号 — not lianxin's internal id), the field and
// the characters by code point (U+1F44D: an emoji or a rare character
// shows as an empty box in many fonts, so its glyph alone tells nothing),
// and pointing to encoding=utf-8, which holds every character. Refused
// rather than replaced with "?": a shapefile whose names quietly became
// "?" imports again as renamed villages and changed diary entries. The check (check=true) scans the rows the same way, so
// the web map says it before the download starts.

// ReasonGBKUnencodable refuses a GBK shapefile whose text GBK cannot hold:
// {layer, field, key (the field naming the features: code, external_id,
// or id), features (up to gbkFeaturesNamed of their keys), count (features
// in all), chars (the characters), code_points (theirs, "U+1F44D U+20BB7")}.
const ReasonGBKUnencodable = "gbk_unencodable"

// gbkFeaturesNamed bounds the features a refusal names.
const gbkFeaturesNamed = 10

// gbkGuard checks each row's text before it reaches GDAL and remembers the
// rows GBK cannot hold; next, when set, gets every row (the feed to
// ogr2ogr).
type gbkGuard struct {
	layer    *Layer
	next     rowWriter
	keyAt    int    // index of the field naming a feature (featureKey), -1 for none
	key      string // its name
	features []string
	count    int
	field    string
	chars    []rune
	enc      *encoding.Encoder // not safe to share between exports
}

func newGBKGuard(l *Layer, next rowWriter) *gbkGuard {
	g := &gbkGuard{layer: l, next: next, enc: simplifiedchinese.GBK.NewEncoder()}
	g.keyAt, g.key = featureKey(l)
	return g
}

func (g *gbkGuard) begin() error {
	if g.next == nil {
		return nil
	}
	return g.next.begin()
}

func (g *gbkGuard) end() error {
	if g.next == nil {
		return nil
	}
	return g.next.end()
}

func (g *gbkGuard) row(r *Row) error {
	bad := false
	for i, v := range r.Values {
		s, ok := v.(string)
		if !ok || isASCII(s) {
			continue
		}
		chars := notInGBK(g.enc, s)
		if len(chars) == 0 {
			continue
		}
		bad = true
		if g.field == "" {
			g.field = g.layer.Fields[i].Name
		}
		for _, c := range chars {
			if !slices.Contains(g.chars, c) && len(g.chars) < 20 {
				g.chars = append(g.chars, c)
			}
		}
	}
	if bad {
		g.count++
		if len(g.features) < gbkFeaturesNamed {
			g.features = append(g.features, keyOf(r, g.keyAt))
		}
	}
	if g.next == nil {
		return nil
	}
	return g.next.row(r)
}

// err is the refusal of what the rows held, or nil when GBK holds them all.
func (g *gbkGuard) err() error {
	if g.count == 0 {
		return nil
	}
	more := ""
	if g.count > len(g.features) {
		more = fmt.Sprintf(" and %d more", g.count-len(g.features))
	}
	points := codePoints(g.chars)
	return lianxin.Refuse(lianxin.EInvalid, "encoding", ReasonGBKUnencodable,
		map[string]any{"layer": g.layer.Name, "field": g.field, "key": g.key, "features": g.features, "count": g.count,
			"chars": string(g.chars), "code_points": points},
		"encoding gbk: layer %s has text GBK cannot hold (%s in field %s of %s %s%s); a GBK shapefile would lose it, so ask encoding=utf-8 (ArcGIS 10.2.1 and later, QGIS read its .cpg)",
		g.layer.Name, points, g.field, g.key, strings.Join(g.features, ", "), more)
}

// codePoints names characters as Unicode writes them: "U+1F44D U+20BB7".
func codePoints(chars []rune) string {
	out := make([]string, len(chars))
	for i, c := range chars {
		out[i] = fmt.Sprintf("U+%04X", c)
	}
	return strings.Join(out, " ")
}

// CheckEncoding scans the rows req would export for text its encoding
// cannot hold (a GBK shapefile's), for the download check: the refusal
// the download would get, found before it starts. Other requests pass
// without a query.
func (s *Service) CheckEncoding(ctx context.Context, scope lianxin.Scope, req Request) error {
	if req.Format != Shapefile || req.Encoding != GBK {
		return nil
	}
	l, err := s.check(scope, req)
	if err != nil {
		return err
	}
	g := newGBKGuard(l, nil)
	if _, err := s.src.ExportRows(ctx, scope, l, req.Filter, Page{}, g.row); err != nil {
		return err
	}
	return g.err()
}

// notInGBK returns the characters of s that GBK (enc) has no code for.
func notInGBK(enc *encoding.Encoder, s string) []rune {
	var out []rune
	for _, c := range s {
		if c < 0x80 {
			continue
		}
		if _, err := enc.String(string(c)); err != nil {
			out = append(out, c)
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
