package export

import "lianxin"

// The coordinate systems of OGC API – Features pages (Part 2, "Coordinate
// Reference Systems by Reference"). The collections are stored and served
// in CRS84 (longitude, latitude); EPSG:4490 (CGCS2000) and EPSG:4326 are
// served on request with the same coordinates, as the exports write
// CGCS2000 (crs.go: the two agree to well under a metre here), but in the
// axis order their EPSG definitions give, latitude first, which the
// standard requires and GDAL and QGIS expect of them. GCJ-02 has no EPSG
// code nor URI, so it is not among them (the exports offer it).
const (
	CRS84URI    = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	EPSG4490URI = "http://www.opengis.net/def/crs/EPSG/0/4490"
	EPSG4326URI = "http://www.opengis.net/def/crs/EPSG/0/4326"
)

// OGCCRSURIs lists the CRSs every collection is served in, its storage CRS
// (CRS84) first.
var OGCCRSURIs = []string{CRS84URI, EPSG4490URI, EPSG4326URI}

var ogcCRSs = map[string]CRS{
	CRS84URI:    WGS84,
	EPSG4490URI: {Name: CGCS2000.Name, Suffix: CGCS2000.Suffix, OGR: CGCS2000.OGR, geo: CGCS2000.geo, latLon: true},
	EPSG4326URI: {Name: WGS84.Name, OGR: WGS84.OGR, geo: WGS84.geo, latLon: true},
}

// OGCCRS returns the CRS a crs or bbox-crs parameter (param) names by its
// URI; empty is CRS84. Another CRS is refused, listing the URIs served.
func OGCCRS(param, uri string) (CRS, error) {
	if uri == "" {
		return WGS84, nil
	}
	c, ok := ogcCRSs[uri]
	if !ok {
		return CRS{}, lianxin.Refuse(lianxin.EInvalid, param, ReasonBadCRS, map[string]any{"value": uri, "allowed": OGCCRSURIs},
			"%s %q: the collections are served in %s, %s (CGCS2000) and %s", param, uri, CRS84URI, EPSG4490URI, EPSG4326URI)
	}
	return c, nil
}

// LatLon reports whether the CRS orders latitude first.
func (c CRS) LatLon() bool { return c.latLon }
