package export

import (
	"strings"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// CRS is an output coordinate system.
type CRS struct {
	// Name is what the caller asked for, normalised: EPSG:4326, EPSG:4490 or GCJ-02.
	Name string
	// Suffix goes into file names ("", "_cgcs2000", "_gcj02").
	Suffix string
	// OGR is what ogr2ogr's -a_srs gets: an EPSG code or, for GCJ-02, a
	// WKT whose name says what it is (GCJ-02 has no EPSG code).
	OGR string
	// GeoJSONName is the name of GeoJSON's (2008) crs member, empty when
	// RFC 7946's default applies: a URN, or for GCJ-02, which has no URN
	// nor EPSG code, the WKT of OGR, which GDAL (and so QGIS) reads from a
	// crs name as it reads a .prj — without it they would take GCJ-02
	// coordinates for WGS 84. Web maps that follow RFC 7946 ignore the
	// member and use the coordinates as they are, as a GCJ-02 overlay
	// wants.
	GeoJSONName string
	geo         geo.CRS
	// latLon writes latitude before longitude, as the EPSG definitions of
	// geographic CRSs order their axes (OGC API – Features Part 2 pages in
	// EPSG:4490 or EPSG:4326; ogccrs.go). The files never do.
	latLon bool
}

// gcj02WKT labels GCJ-02 coordinates: the WGS 84 ellipsoid, with a datum
// and CRS named for what they are, so a .prj never passes them off as WGS 84.
const gcj02WKT = `GEOGCS["GCJ-02 (China's obfuscated WGS 84, for Chinese web maps; not WGS 84)",` +
	`DATUM["GCJ_02_offset_WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],` +
	`PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AXIS["Longitude",EAST],AXIS["Latitude",NORTH]]`

var (
	WGS84    = CRS{Name: "EPSG:4326", OGR: "EPSG:4326", geo: geo.CRSWGS84}
	CGCS2000 = CRS{Name: "EPSG:4490", Suffix: "_cgcs2000", OGR: "EPSG:4490", GeoJSONName: "urn:ogc:def:crs:EPSG::4490", geo: geo.CRSCGCS2000}
	GCJ02    = CRS{Name: "GCJ-02", Suffix: "_gcj02", OGR: gcj02WKT, GeoJSONName: gcj02WKT, geo: geo.CRSGCJ02}
)

// ParseCRS reads the crs parameter: empty or EPSG:4326/wgs84, EPSG:4490/
// cgcs2000, or gcj02/GCJ-02.
func ParseCRS(s string) (CRS, error) {
	if s == "" {
		return WGS84, nil
	}
	c, err := geo.ParseCRS(strings.ReplaceAll(s, "-", ""))
	if err != nil {
		return CRS{}, refuse("crs", ReasonBadCRS, map[string]any{"value": s, "allowed": CRSNames}, "crs %q: want EPSG:4326, EPSG:4490 or gcj02", s)
	}
	switch c {
	case geo.CRSCGCS2000:
		return CGCS2000, nil
	case geo.CRSGCJ02:
		return GCJ02, nil
	}
	return WGS84, nil
}

// Transform returns g in the CRS: GCJ-02 moves coordinates, a latitude-
// first CRS swaps them; g is not modified.
func (c CRS) Transform(g orb.Geometry) orb.Geometry {
	if g == nil {
		return g
	}
	if c.geo == geo.CRSGCJ02 {
		g = geo.TransformGeometry(g, func(p orb.Point) orb.Point { return geo.FromWGS84(geo.CRSGCJ02, p) })
	}
	if c.latLon {
		g = geo.TransformGeometry(g, func(p orb.Point) orb.Point { return orb.Point{p[1], p[0]} })
	}
	return g
}

// IsGCJ02 reports whether coordinates are shifted to GCJ-02.
func (c CRS) IsGCJ02() bool { return c.geo == geo.CRSGCJ02 }
