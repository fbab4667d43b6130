package store

import (
	"encoding/binary"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"
)

// SRID of every stored geometry (WGS84; CGCS2000 is treated as the same).
const SRID = 4326

// EncodeEWKB turns an orb geometry into EWKB with SRID 4326, the form
// PostGIS accepts for a typed geometry column in binary COPY and parameters.
func EncodeEWKB(g orb.Geometry) ([]byte, error) {
	t, err := toGeom(g)
	if err != nil {
		return nil, err
	}
	return ewkb.Marshal(t, binary.LittleEndian)
}

// DecodeWKB reads what ST_AsBinary returns. Counts in the headers are
// checked against the bytes first (checkWKB), so a corrupt value is refused
// before the decoder allocates or recurses by them.
func DecodeWKB(b []byte) (orb.Geometry, error) {
	if err := checkWKB(b); err != nil {
		return nil, err
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("decode WKB: %w", err)
	}
	return g, nil
}

func toGeom(g orb.Geometry) (geom.T, error) {
	switch v := g.(type) {
	case orb.Point:
		return geom.NewPointFlat(geom.XY, []float64{v[0], v[1]}).SetSRID(SRID), nil
	case orb.LineString:
		return geom.NewLineStringFlat(geom.XY, flatLine(v)).SetSRID(SRID), nil
	case orb.MultiLineString:
		ls := geom.NewMultiLineString(geom.XY).SetSRID(SRID)
		for _, l := range v {
			if err := ls.Push(geom.NewLineStringFlat(geom.XY, flatLine(l))); err != nil {
				return nil, err
			}
		}
		return ls, nil
	case orb.Polygon:
		return toPolygon(v).SetSRID(SRID), nil
	case orb.MultiPolygon:
		mp := geom.NewMultiPolygon(geom.XY).SetSRID(SRID)
		for _, p := range v {
			if err := mp.Push(toPolygon(p)); err != nil {
				return nil, err
			}
		}
		return mp, nil
	case orb.MultiPoint:
		return geom.NewMultiPointFlat(geom.XY, flatLine(orb.LineString(v))).SetSRID(SRID), nil
	default:
		return nil, fmt.Errorf("geometry type %T is not stored", g)
	}
}

func toPolygon(p orb.Polygon) *geom.Polygon {
	var flat []float64
	ends := make([]int, 0, len(p))
	for _, r := range p {
		flat = append(flat, flatLine(orb.LineString(r))...)
		ends = append(ends, len(flat))
	}
	return geom.NewPolygonFlat(geom.XY, flat, ends)
}

func flatLine(l orb.LineString) []float64 {
	flat := make([]float64, 0, 2*len(l))
	for _, p := range l {
		flat = append(flat, p[0], p[1])
	}
	return flat
}
