package geo

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
)

// Parameters of the public GCJ-02 forward transform: the Krasovsky 1940
// ellipsoid's semi-major axis and first eccentricity squared.
const (
	gcjA  = 6378245.0
	gcjEE = 0.00669342162296594323
)

// Limits of the inverse iteration. The shift changes by only a few parts in
// a thousand of any move of the point, so each step cuts the error several
// hundredfold; in Jiangsu four evaluations reach the tolerance.
const (
	gcjInverseTolDeg  = 1e-9
	gcjInverseMaxIter = 30
)

// WGS84ToGCJ02 applies the GCJ-02 obfuscation to a lon/lat WGS84 point.
// Points outside China's rough bounding box are returned unchanged, as the
// phone map apps do.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if outsideChina(p) {
		return p
	}
	lon, lat := p.Lon(), p.Lat()
	dLat := gcjShiftLat(lon-105.0, lat-35.0)
	dLon := gcjShiftLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - gcjEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((gcjA * (1 - gcjEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (gcjA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

// GCJ02ToWGS84 undoes WGS84ToGCJ02. GCJ-02 has no closed-form inverse, so it
// iterates w ← w − (WGS84ToGCJ02(w) − p) until the forward transform of w is
// within 1e-9 degrees of p (about 0.1 mm), or 30 iterations.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	w := p
	for range gcjInverseMaxIter {
		g := WGS84ToGCJ02(w)
		dLon, dLat := g.Lon()-p.Lon(), g.Lat()-p.Lat()
		if math.Abs(dLon) < gcjInverseTolDeg && math.Abs(dLat) < gcjInverseTolDeg {
			break
		}
		w = orb.Point{w.Lon() - dLon, w.Lat() - dLat}
	}
	return w
}

// outsideChina is the coarse box the public transform uses; it includes
// some neighbouring countries, which is the transform's own behaviour.
func outsideChina(p orb.Point) bool {
	lon, lat := p.Lon(), p.Lat()
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

func gcjShiftLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjShiftLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// CRS names a coordinate reference system that input data may arrive in.
type CRS string

// The coordinate reference systems we accept. All are lon/lat in degrees.
const (
	CRSWGS84    CRS = "wgs84"
	CRSCGCS2000 CRS = "cgcs2000" // treated as WGS84; see the package comment
	CRSGCJ02    CRS = "gcj02"
)

// ParseCRS reads a CRS name, ignoring case and surrounding space. It also
// accepts "epsg:4326" for WGS84 and "epsg:4490" for CGCS2000.
func ParseCRS(s string) (CRS, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case string(CRSWGS84), "epsg:4326":
		return CRSWGS84, nil
	case string(CRSCGCS2000), "epsg:4490":
		return CRSCGCS2000, nil
	case string(CRSGCJ02):
		return CRSGCJ02, nil
	}
	return "", fmt.Errorf("parse crs %q: want one of %s, %s, %s", s, CRSWGS84, CRSCGCS2000, CRSGCJ02)
}

// ToWGS84 converts a lon/lat point in crs to WGS84. It panics on a CRS not
// returned by ParseCRS: silently passing GCJ-02 data through would misplace
// it by hundreds of metres.
func ToWGS84(crs CRS, p orb.Point) orb.Point {
	switch crs {
	case CRSWGS84, CRSCGCS2000:
		return p
	case CRSGCJ02:
		return GCJ02ToWGS84(p)
	}
	panic(fmt.Sprintf("geo.ToWGS84: unknown crs %q", string(crs)))
}

// FromWGS84 converts a lon/lat WGS84 point to crs. It panics on a CRS not
// returned by ParseCRS.
func FromWGS84(crs CRS, p orb.Point) orb.Point {
	switch crs {
	case CRSWGS84, CRSCGCS2000:
		return p
	case CRSGCJ02:
		return WGS84ToGCJ02(p)
	}
	panic(fmt.Sprintf("geo.FromWGS84: unknown crs %q", string(crs)))
}

// TransformGeometry returns a copy of g with f applied to every vertex; g is
// not modified. An orb.Bound is transformed by its two corners only, which
// is adequate for the small, smooth shifts used here.
func TransformGeometry(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	return project.Geometry(orb.Clone(g), f)
}
