package ingest

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"lianxin/geo"
)

// placeAsGiven rewords a row refused for lying outside the county when the
// file's coordinates were converted (--crs gcj02): the refusal names the
// point as the file gave it, rounded to 6 decimals, not the converted one
// with 14 the clerk never typed; the converted point goes with it
// (wgs84_lon, wgs84_lat) and the coordinate system (crs). Other errors,
// and points read as they are (WGS84, CGCS2000), pass unchanged.
func (c *converter) placeAsGiven(err error) error {
	var ce *codedError
	if c.crs == "" || c.crs == geo.CRSWGS84 || c.crs == geo.CRSCGCS2000 || !errors.As(err, &ce) || ce.code != CodeOutsideCounty {
		return err
	}
	lon, ok1 := ce.params["lon"].(float64)
	lat, ok2 := ce.params["lat"].(float64)
	if !ok1 || !ok2 {
		return err
	}
	given := geo.FromWGS84(c.crs, orb.Point{lon, lat})
	gl, ga := round6(given[0]), round6(given[1])
	return coded(CodeOutsideCounty, map[string]any{"lon": gl, "lat": ga, "crs": string(c.crs),
		"wgs84_lon": round6(lon), "wgs84_lat": round6(lat)},
		"(%v, %v) in %s (%v, %v in WGS84) lies outside the county (%.2f–%.2f°E, %.2f–%.2f°N)",
		gl, ga, c.crs, round6(lon), round6(lat), c.bounds.Min[0], c.bounds.Max[0], c.bounds.Min[1], c.bounds.Max[1])
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// outsideCountyZH is the Chinese of an outside_county reject: the point as
// the file gave it, and for converted coordinates the system and the
// WGS84 point it became.
func outsideCountyZH(p func(string) string) string {
	r := "位置（" + p("lon") + ", " + p("lat") + "）不在本县范围内"
	if p("crs") != "" {
		r += fmt.Sprintf("（按 %s 坐标换算为 WGS84 是 %s, %s）", p("crs"), p("wgs84_lon"), p("wgs84_lat"))
	}
	return r
}
