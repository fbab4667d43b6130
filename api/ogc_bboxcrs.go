package api

import (
	"maps"
	"net/url"

	"lianxin"
	"lianxin/export"
)

// ogcBBoxCRS reads bbox-crs (OGC API – Features Part 2): the collections
// are served in CRS84 only (no Part 2 in /conformance), so CRS84 is taken
// and dropped, and any other CRS refused up front, naming bbox-crs — before
// a box in metres is read as degrees and refused as "longitudes must lie
// in -180..180", or a clause of the filter is silently left out.
func ogcBBoxCRS(q url.Values) (url.Values, error) {
	v, ok := q["bbox-crs"]
	if !ok {
		return q, nil
	}
	if len(v) != 1 || v[0] != crs84 {
		got := ""
		if len(v) > 0 {
			got = v[0]
		}
		return q, lianxin.Refuse(lianxin.EInvalid, "bbox-crs", export.ReasonBadCRS, map[string]any{"value": got, "allowed": []string{crs84}},
			"bbox-crs %q: the collections are served in CRS84 (%s) only; give bbox in longitude,latitude", got, crs84)
	}
	q = maps.Clone(q)
	q.Del("bbox-crs")
	return q, nil
}
