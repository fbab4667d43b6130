package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// earthMeanRadiusMetres is the WGS84 mean radius R1 = (2a + b) / 3. The
// haversine on this sphere is within about 0.5% of the ellipsoidal geodesic,
// well inside the uncertainty of a household location.
const earthMeanRadiusMetres = 6371008.8

// DistanceMetres returns the great-circle distance between two lon/lat
// points, by the haversine formula on a sphere of the WGS84 mean radius.
func DistanceMetres(a, b orb.Point) float64 {
	lat1 := a.Lat() * math.Pi / 180
	lat2 := b.Lat() * math.Pi / 180
	sinDLat := math.Sin((lat2 - lat1) / 2)
	sinDLon := math.Sin((b.Lon() - a.Lon()) * math.Pi / 180 / 2)
	h := sinDLat*sinDLat + math.Cos(lat1)*math.Cos(lat2)*sinDLon*sinDLon
	return 2 * earthMeanRadiusMetres * math.Asin(math.Sqrt(min(h, 1)))
}

// LengthMetres returns the length of a lon/lat line string as the sum of
// DistanceMetres over its segments.
func LengthMetres(ls orb.LineString) float64 {
	var total float64
	for i := 1; i < len(ls); i++ {
		total += DistanceMetres(ls[i-1], ls[i])
	}
	return total
}
