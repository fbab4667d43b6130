package ingest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/planar"

	"lianxin/geo"
)

// CountyBounds is the box the demo county lies in (119.90–120.35°E,
// 31.95–32.40°N). Points outside the box are rejected unless Options.Bounds
// names another.
var CountyBounds = orb.Bound{Min: orb.Point{119.90, 31.95}, Max: orb.Point{120.35, 32.40}}

// Row is one decoded and checked row, ready for the store. Values holds one
// entry per layer field, in the layer's order: string, int64, bool or
// time.Time, or nil when the cell was empty.
type Row struct {
	Line   int64
	Values []any
	// Geom is in WGS84 lon/lat; nil when the layer has none or it was empty.
	Geom orb.Geometry
	// Cell is the H3 cell (resolution geo.FineResolution) of the point, or of
	// the centroid of a line or polygon; 0 when Geom is nil.
	Cell int64
}

// raw is what a decoder read for one row, before any checking: the text of
// every layer field ("" when empty or absent) and the geometry in one of its
// three forms.
type raw struct {
	line     int64
	vals     []string
	lon, lat string
	wkt      string
	geom     orb.Geometry
	// geomKept: the file has no geometry columns, and the store keeps a
	// stored row's geometry (Layer.GeomKeptOnUpdate) or refuses a new row.
	geomKept bool
	// record is the row as read, for the rejects file: []string for CSV,
	// the feature's JSON for GeoJSON.
	record any
}

// maxInt32 bounds integer fields stored as PostgreSQL int.
const maxInt32 = math.MaxInt32

// convert checks a raw row against the layer and turns it into a Row. The
// error names the field and the reason.
func (c *converter) convert(r *raw) (*Row, *RowError) {
	l := c.layer
	row := &Row{Line: r.line, Values: make([]any, len(l.Fields))}
	r.lon, r.lat, r.wkt = halfWidth(r.lon), halfWidth(r.lat), halfWidth(r.wkt) // full-width input (fullwidth.go)
	// Every fault of the row is reported (the first carries the others),
	// so that a clerk fixes the row once.
	var first *RowError
	fault := func(e *RowError) {
		if first == nil {
			first = e
			return
		}
		first.more = append(first.more, *e)
	}
	for i := range l.Fields {
		f := &l.Fields[i]
		v, err := parseValue(f, r.vals[i])
		if err != nil {
			fault(c.rowErrOf(r.line, f.Name, err))
			continue
		}
		row.Values[i] = v
	}
	g, field, err := c.geometry(r)
	if err != nil {
		fault(c.rowErrOf(r.line, field, err))
		return nil, first
	}
	if first != nil {
		if g != nil {
			if err := c.checkPlace(g); err != nil {
				fault(c.rowErrOf(r.line, field, c.placeAsGiven(err)))
			}
		}
		return nil, first
	}
	if g == nil {
		if l.GeomRequired && !r.geomKept {
			e := c.rowErr(r.line, "geometry", "missing: give "+c.geomHint())
			e.Code = CodeGeometryMissing
			return nil, e
		}
		return row, nil
	}
	if err := c.checkPlace(g); err != nil {
		return nil, c.rowErrOf(r.line, field, c.placeAsGiven(err))
	}
	cell, err := geo.CellIDOf(representative(g), geo.FineResolution)
	if err != nil {
		return nil, c.rowErr(r.line, field, err.Error())
	}
	row.Geom, row.Cell = g, cell
	return row, nil
}

// converter carries what convert needs besides the row.
type converter struct {
	layer  *Layer
	file   string
	unit   string // "line" or "feature"
	crs    geo.CRS
	bounds orb.Bound
	// swapped and outside count rows rejected for their place, for the
	// file-level hint.
	swapped, outside int64
}

func (c *converter) rowErr(line int64, field, reason string) *RowError {
	return &RowError{File: c.file, Unit: c.unit, Line: line, Field: field, Reason: reason}
}

// rowErrOf is rowErr with the code and parameters err carries (codes.go).
func (c *converter) rowErrOf(line int64, field string, err error) *RowError {
	e := c.rowErr(line, field, err.Error())
	e.Code, e.Params = codeOf(err)
	return e
}

// geomHintZH is geomHint in Chinese (missing_geometry's hint_zh).
func (c *converter) geomHintZH() string {
	if c.layer.Geom == PointGeom {
		return "经度、纬度两列（经度, 纬度）或 WKT 列"
	}
	return "WKT 列（wkt）或 GeoJSON 几何"
}

func (c *converter) geomHint() string {
	switch c.layer.Geom {
	case PointGeom:
		return "lon and lat columns (经度, 纬度) or a WKT column"
	default:
		return "a WKT column (wkt) or a GeoJSON geometry"
	}
}

func parseValue(f *Field, s string) (any, error) {
	if readsHalfWidth(f) {
		s = halfWidth(s) // full-width input (fullwidth.go)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if f.Required {
			return nil, coded(CodeRequired, nil, "required, but empty")
		}
		return nil, nil
	}
	if !utf8.ValidString(s) {
		return nil, coded(CodeBadText, nil, "not valid text in the file's encoding")
	}
	switch f.Type {
	case Text:
		if len(f.Enum) == 0 {
			if len(s) > 4000 {
				return nil, coded(CodeTooLong, map[string]any{"max": 4000}, "longer than 4000 bytes")
			}
			if (isCode(f) || keepsDigits(f)) && excelScientific(s) {
				return nil, coded(CodeExcelScientific, map[string]any{"value": s}, "%q is a long number Excel shortened to scientific notation: format the column as text "+
					"(设置单元格格式 → 文本), type the numbers again and save", s)
			}
			return s, nil
		}
		if v, ok := f.Values[s]; ok {
			return v, nil
		}
		low := strings.ToLower(s)
		for _, e := range f.Enum {
			if e == low {
				return e, nil
			}
		}
		params := map[string]any{"value": s, "allowed": f.Enum}
		if words := acceptedWords(f); len(words) > 0 {
			params["allowed_zh"] = words
		}
		return nil, coded(CodeNotOneOf, params, "%q is not one of %s", s, strings.Join(f.Enum, ", "))
	case Int:
		n, err := strconv.ParseInt(strings.TrimSuffix(s, ".0"), 10, 64)
		if err != nil {
			return nil, coded(CodeBadNumber, map[string]any{"value": s}, "%q is not a whole number", s)
		}
		maxV := int64(maxInt32)
		if f.Name == "investment_yuan" {
			maxV = math.MaxInt64
		}
		if n < f.Min || n > maxV {
			return nil, coded(CodeOutOfRange, map[string]any{"value": n, "min": f.Min, "max": maxV}, "%d is outside %d..%d", n, f.Min, maxV)
		}
		return n, nil
	case Bool:
		switch strings.ToLower(s) {
		case "1", "true", "t", "yes", "y", "是", "有", "√", "✓":
			return true, nil
		case "0", "false", "f", "no", "n", "否", "无", "×":
			return false, nil
		}
		return nil, coded(CodeBadBool, map[string]any{"value": s}, "%q is not yes or no (是/否, 1/0, true/false)", s)
	case Date:
		for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "20060102", "2006.1.2", "2006年1月2日"} {
			if t, err := time.Parse(layout, chineseDate(s)); err == nil {
				return t, nil
			}
		}
		return nil, coded(CodeBadDate, map[string]any{"value": s}, "%q is not a date such as 2026-03-05", s)
	case Timestamp:
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		cs := chineseDate(s)
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
			"2006-1-2 15:04:05", "2006-1-2 15:04", "2006.1.2 15:04:05", "2006.1.2 15:04",
			"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2"} {
			if t, err := time.ParseInLocation(layout, cs, chinaTime); err == nil {
				return t, nil
			}
		}
		return nil, coded(CodeBadDate, map[string]any{"value": s}, "%q is not a date and time such as 2026-03-05 14:30", s)
	}
	return nil, fmt.Errorf("field type %v unknown", f.Type)
}

// chineseDate rewrites the common Chinese ways of writing a date and time
// (Excel's long date 2026年11月24日, with 8:00, 8时, 8点30分 or 8时30分15秒
// after it; full-width colons and spaces) as 2026/11/24 8:30 for the
// layouts above; other text is returned trimmed.
func chineseDate(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "年月日号时点分秒：\u3000") {
		return s
	}
	s = strings.NewReplacer("年", "/", "月", "/", "日", " ", "号", " ", "时", ":", "点", ":", "分", ":", "秒", "",
		"：", ":", "\u3000", " ").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimSuffix(s, "/")
	if strings.HasSuffix(s, ":") {
		// 8时 is 8:, 8时30分 8:30: — both end at a whole minute.
		s += "00"
	}
	return s
}

// acceptedWords lists the words besides the enum's own that f accepts
// (入户走访, 走访农户, …), in the enum's order, for a Chinese reject.
func acceptedWords(f *Field) []string {
	var out []string
	for _, e := range f.Enum {
		var words []string
		for w, v := range f.Values {
			if v == e {
				words = append(words, w)
			}
		}
		slices.Sort(words)
		out = append(out, words...)
	}
	return out
}

// isCode reports a field holding a code or number that identifies a row:
// its digits are the value, never a quantity.
func isCode(f *Field) bool {
	return f.Name == "code" || f.Name == "external_id" || f.Name == "household_id" || strings.HasSuffix(f.Name, "_code")
}

// excelScientific reports text such as 3.21299E+15: what Excel saves for a
// number of more than 11 digits in a column of the General format. The
// digits are lost, and as a code it would name no row, or the wrong one.
func excelScientific(s string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	if !ok || mant == "" || exp == "" || strings.Trim(exp, "0123456789") != "" {
		return false
	}
	whole, frac, _ := strings.Cut(mant, ".")
	return whole != "" && strings.Trim(whole, "0123456789") == "" && strings.Trim(frac, "0123456789") == ""
}

// chinaTime is UTC+8, the zone of times written without one.
var chinaTime = time.FixedZone("CST", 8*3600)

// geometry builds the row's geometry from whichever form the decoder found,
// converts it to WGS84 and to the layer's stored kind. The field names the
// column a problem is in.
func (c *converter) geometry(r *raw) (orb.Geometry, string, error) {
	var g orb.Geometry
	field := "geometry"
	switch {
	case r.geom != nil:
		g = r.geom
	case r.wkt != "":
		field = "wkt"
		if len(r.wkt) > maxWKTBytes {
			return nil, field, coded(CodeTooLong, map[string]any{"max": maxWKTBytes}, "WKT longer than %d bytes", maxWKTBytes)
		}
		if err := checkWKTNesting(r.wkt); err != nil {
			return nil, field, coded(CodeWKTTooDeep, map[string]any{"max": maxWKTNesting}, "%s", err)
		}
		var err error
		g, err = wkt.Unmarshal(strings.TrimSpace(r.wkt))
		if err != nil {
			return nil, field, coded(CodeBadWKT, map[string]any{"value": valueStart(r.wkt)}, "not WKT: %v", err)
		}
	case r.lon != "" || r.lat != "":
		field = "lon/lat"
		lon, err1 := strconv.ParseFloat(strings.TrimSpace(r.lon), 64)
		lat, err2 := strconv.ParseFloat(strings.TrimSpace(r.lat), 64)
		if err1 != nil || err2 != nil {
			return nil, field, coded(CodeBadNumber, map[string]any{"value": r.lon + ", " + r.lat}, "lon %q lat %q: not two decimal numbers", r.lon, r.lat)
		}
		g = orb.Point{lon, lat}
	default:
		return nil, field, nil
	}
	if err := finite(g); err != nil {
		return nil, field, err
	}
	g, err := asKind(g, c.layer.Geom)
	if err != nil {
		return nil, field, err
	}
	if c.crs != geo.CRSWGS84 && c.crs != geo.CRSCGCS2000 && c.crs != "" {
		g = geo.TransformGeometry(g, func(p orb.Point) orb.Point { return geo.ToWGS84(c.crs, p) })
	}
	return g, field, nil
}

// maxWKTBytes bounds one WKT value; a boundary of a few thousand vertices is
// well under it.
const maxWKTBytes = 4 << 20

func finite(g orb.Geometry) error {
	b := g.Bound()
	for _, v := range []float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return coded(CodeBadNumber, map[string]any{"value": fmt.Sprint(v)}, "coordinates are not finite numbers")
		}
	}
	if orb.Equal(g, orb.Collection{}) || isEmpty(g) {
		return coded(CodeGeometryMissing, nil, "geometry is empty")
	}
	return nil
}

func isEmpty(g orb.Geometry) bool {
	switch v := g.(type) {
	case orb.Polygon:
		return len(v) == 0 || len(v[0]) == 0
	case orb.MultiPolygon:
		return len(v) == 0
	case orb.LineString:
		return len(v) == 0
	case orb.MultiLineString:
		return len(v) == 0
	case orb.MultiPoint:
		return len(v) == 0
	case orb.Collection:
		return len(v) == 0
	}
	return false
}

// asKind turns g into the geometry type the layer stores, or says why not.
func asKind(g orb.Geometry, k GeomKind) (orb.Geometry, error) {
	switch k {
	case PointGeom:
		if p, ok := g.(orb.Point); ok {
			return p, nil
		}
		if mp, ok := g.(orb.MultiPoint); ok && len(mp) == 1 {
			return mp[0], nil
		}
	case PolygonGeom:
		switch v := g.(type) {
		case orb.Polygon:
			return orb.MultiPolygon{v}, nil
		case orb.MultiPolygon:
			return v, nil
		}
	case LineGeom:
		switch v := g.(type) {
		case orb.LineString:
			return orb.MultiLineString{v}, nil
		case orb.MultiLineString:
			return v, nil
		}
	case AnyGeom:
		switch g.(type) {
		case orb.Point, orb.LineString, orb.Polygon, orb.MultiPoint, orb.MultiLineString, orb.MultiPolygon:
			return g, nil
		}
	case NoGeom:
		return nil, fmt.Errorf("this layer has no geometry")
	}
	return nil, coded(CodeWrongGeometry, map[string]any{"got": g.GeoJSONType(), "want": fmt.Sprint(k),
		"got_zh": geometryZH(g.GeoJSONType()), "want_zh": geometryZH(fmt.Sprint(k))}, "a %s where the layer wants a %v", g.GeoJSONType(), k)
}

// checkPlace rejects geometry outside the county box, and says so plainly
// when the coordinates would fall inside it with longitude and latitude
// swapped.
func (c *converter) checkPlace(g orb.Geometry) error {
	b := g.Bound()
	if c.bounds.Contains(b.Min) && c.bounds.Contains(b.Max) {
		return nil
	}
	swapped := orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}}
	if c.bounds.Contains(swapped.Min) && c.bounds.Contains(swapped.Max) {
		c.swapped++
		return coded(CodeCoordsSwapped, map[string]any{"lon": b.Min[0], "lat": b.Min[1]}, "coordinates look swapped: (%.6f, %.6f) is latitude, longitude; want longitude first", b.Min[0], b.Min[1])
	}
	c.outside++
	return coded(CodeOutsideCounty, map[string]any{"lon": b.Min[0], "lat": b.Min[1]}, "(%.6f, %.6f) lies outside the county (%.2f–%.2f°E, %.2f–%.2f°N)",
		b.Min[0], b.Min[1], c.bounds.Min[0], c.bounds.Max[0], c.bounds.Min[1], c.bounds.Max[1])
}

// representative is the point whose H3 cell a row stores: the point itself,
// or the centroid of a line or polygon.
func representative(g orb.Geometry) orb.Point {
	if p, ok := g.(orb.Point); ok {
		return p
	}
	p, _ := planar.CentroidArea(g)
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || (p == orb.Point{}) {
		return g.Bound().Center()
	}
	return p
}
