package api

import (
	"maps"
	"net/url"
	"strings"

	"lianxin"
	"lianxin/export"
)

// ogcBBoxCRS reads bbox-crs (OGC API – Features Part 2) and returns the
// query with bbox in CRS84 (longitude, latitude) and bbox-crs dropped: a
// box in EPSG:4490 or EPSG:4326 is given latitude first, as those CRSs
// order their axes, and its corners are swapped (the coordinates are the
// same, export/ogccrs.go). Any other CRS is refused up front, naming
// bbox-crs — before a box in metres is read as degrees and refused as
// "longitudes must lie in -180..180", or a clause of the filter is silently
// left out.
func ogcBBoxCRS(q url.Values) (url.Values, error) {
	v, ok := q["bbox-crs"]
	if !ok {
		return q, nil
	}
	got := ""
	if len(v) > 0 {
		got = v[0]
	}
	crs, err := export.OGCCRS("bbox-crs", got)
	if err != nil || len(v) != 1 || got == "" {
		return q, lianxin.Refuse(lianxin.EInvalid, "bbox-crs", export.ReasonBadCRS, map[string]any{"value": got, "allowed": export.OGCCRSURIs},
			"bbox-crs %q: want one of %s; give bbox in that CRS's axis order (CRS84: longitude first)", got, strings.Join(export.OGCCRSURIs, ", "))
	}
	q = maps.Clone(q)
	q.Del("bbox-crs")
	if parts := strings.Split(q.Get("bbox"), ","); crs.LatLon() && len(parts) == 4 {
		q.Set("bbox", strings.Join([]string{parts[1], parts[0], parts[3], parts[2]}, ","))
	}
	return q, nil
}
