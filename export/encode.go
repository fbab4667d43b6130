package export

import (
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// Row is one feature as the store streams it: Values follow Layer.Fields.
// A Row is valid only during the callback that receives it.
type Row struct {
	ID     int64
	Geom   orb.Geometry // nil: no geometry
	Values []any        // string, int32, int64, float64, bool, time.Time or nil
}

// appendCoord writes a coordinate with the fewest digits that read back
// as the same float64: an exported file imports again unchanged (the
// import compares geometries exactly), where rounding to 1e-7 degrees
// (GDAL's GeoJSON default) made every sub-centimetre coordinate an update.
func appendCoord(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Chinese text stays as UTF-8;
// invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendList appends items between open and close, separated by commas,
// each written by appendItem: the nesting of coordinates, the same in
// GeoJSON (brackets) and WKT (parentheses).
func appendList[T any](b []byte, open, close byte, items []T, appendItem func([]byte, T) []byte) []byte {
	b = append(b, open)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendItem(b, it)
	}
	return append(b, close)
}

func appendPosition(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = appendCoord(b, p[0])
	b = append(b, ',')
	b = appendCoord(b, p[1])
	return append(b, ']')
}

func appendPositions[P ~[]orb.Point](b []byte, ps P) []byte {
	return appendList(b, '[', ']', ps, appendPosition)
}

func appendRings[R ~[]orb.Ring](b []byte, rings R) []byte {
	return appendList(b, '[', ']', rings, appendPositions[orb.Ring])
}

// appendGeoJSONGeometry appends g as a GeoJSON geometry object, or null.
func appendGeoJSONGeometry(b []byte, g orb.Geometry) ([]byte, error) {
	switch v := g.(type) {
	case nil:
		return append(b, "null"...), nil
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPosition(b, v)
	case orb.MultiPoint:
		b = append(b, `{"type":"MultiPoint","coordinates":`...)
		b = appendPositions(b, v)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendPositions(b, v)
	case orb.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":`...)
		b = appendList(b, '[', ']', v, appendPositions[orb.LineString])
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendRings(b, v)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":`...)
		b = appendList(b, '[', ']', v, appendRings[orb.Polygon])
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendGeoJSONGeometry(b, x); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	default:
		return b, fmt.Errorf("geometry type %T has no GeoJSON form", g)
	}
	return append(b, '}'), nil
}

// appendWKTPosition appends "x y".
func appendWKTPosition(b []byte, p orb.Point) []byte {
	b = appendCoord(b, p[0])
	b = append(b, ' ')
	return appendCoord(b, p[1])
}

// appendWKTPoint appends "(x y)": a point's own text, and each member of a
// MULTIPOINT in the form every reader takes (PostGIS writes it so too).
func appendWKTPoint(b []byte, p orb.Point) []byte {
	b = append(b, '(')
	b = appendWKTPosition(b, p)
	return append(b, ')')
}

func appendWKTPoints[P ~[]orb.Point](b []byte, ps P) []byte {
	return appendList(b, '(', ')', ps, appendWKTPosition)
}

func appendWKTRings[R ~[]orb.Ring](b []byte, rings R) []byte {
	return appendList(b, '(', ')', rings, appendWKTPoints[orb.Ring])
}

// appendWKT appends g as OGC WKT; nil appends nothing (an empty cell).
func appendWKT(b []byte, g orb.Geometry) ([]byte, error) {
	switch v := g.(type) {
	case nil:
		return b, nil
	case orb.Point:
		b = append(b, "POINT "...)
		b = appendWKTPoint(b, v)
	case orb.MultiPoint:
		b = append(b, "MULTIPOINT "...)
		b = appendList(b, '(', ')', v, appendWKTPoint)
	case orb.LineString:
		b = append(b, "LINESTRING "...)
		b = appendWKTPoints(b, v)
	case orb.MultiLineString:
		b = append(b, "MULTILINESTRING "...)
		b = appendList(b, '(', ')', v, appendWKTPoints[orb.LineString])
	case orb.Polygon:
		b = append(b, "POLYGON "...)
		b = appendWKTRings(b, v)
	case orb.MultiPolygon:
		b = append(b, "MULTIPOLYGON "...)
		b = appendList(b, '(', ')', v, appendWKTRings[orb.Polygon])
	case orb.Collection:
		b = append(b, "GEOMETRYCOLLECTION ("...)
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendWKT(b, x); err != nil {
				return b, err
			}
		}
		b = append(b, ')')
	default:
		return b, fmt.Errorf("geometry type %T has no WKT form", g)
	}
	return b, nil
}

// appendReal writes a float so that every reader sees a real, never an
// integer: 1 is written 1.0.
func appendReal(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	for _, c := range b[n:] {
		if c == '.' {
			return b
		}
	}
	return append(b, '.', '0')
}

// appendScalar appends a non-string value as JSON/CSV text (the two agree
// on numbers and booleans). Strings and times are the caller's business.
func appendScalar(b []byte, t FieldType, v any) ([]byte, error) {
	switch x := v.(type) {
	case int32:
		if t == Real {
			return appendReal(b, float64(x)), nil
		}
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		if t == Real {
			return appendReal(b, float64(x)), nil
		}
		return strconv.AppendInt(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		if t == Integer || t == Integer64 {
			return strconv.AppendInt(b, int64(x), 10), nil
		}
		return appendReal(b, x), nil
	case float32:
		return appendReal(b, float64(x)), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	}
	return b, fmt.Errorf("value %v (%T) of a %s field", v, v, t)
}

// formatTime writes dates as days and instants in campaign time.
func formatTime(b []byte, t FieldType, v time.Time) []byte {
	if t == Date {
		return v.AppendFormat(b, time.DateOnly)
	}
	return v.In(CampaignZone).AppendFormat(b, time.RFC3339)
}
