package export

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// rowWriter writes one format row by row. Nothing is kept between rows
// but a reused byte buffer, so memory does not grow with the layer.
type rowWriter interface {
	begin() error
	row(r *Row) error
	end() error
}

// bufferSize of the writers' bufio: large enough that a socket write
// carries many features, small enough not to matter for memory.
const bufferSize = 64 << 10

// geojsonWriter writes a FeatureCollection, or with seq one feature per
// line (GeoJSONSeq, newline-delimited).
type geojsonWriter struct {
	w     *bufio.Writer
	layer *Layer
	crs   CRS
	seq   bool
	// head is appended after "FeatureCollection" (members such as links),
	// tail after the features array; both optional.
	head []byte
	tail func(PageEnd) []byte
	// max, when above zero, is how many features to write: a row beyond it
	// only tells that more follow.
	max  int64
	last PageEnd
	// skip is the index of a field left out of the properties (-1: none):
	// a download of an importable layer carries its id as the feature id
	// only, since the import reads a property id as the external id.
	skip int
	buf  []byte
	n    int64
}

// PageEnd is what the end of a page of features tells its links: how many
// features it holds, the last one's id, and whether more follow.
type PageEnd struct {
	N      int64
	LastID int64
	More   bool
}

func newGeoJSONWriter(w io.Writer, l *Layer, crs CRS) *geojsonWriter {
	return &geojsonWriter{w: bufio.NewWriterSize(w, bufferSize), layer: l, crs: crs, skip: -1}
}

func (g *geojsonWriter) begin() error {
	if g.seq {
		return nil
	}
	b := append(g.buf[:0], `{"type":"FeatureCollection","name":`...)
	name := g.layer.Name
	if g.crs.IsGCJ02() {
		name += g.crs.Suffix // GDAL's layer name, as in a GeoPackage
	}
	b = appendJSONString(b, name)
	if g.crs.GeoJSONName != "" {
		b = append(b, `,"crs":{"type":"name","properties":{"name":`...)
		b = appendJSONString(b, g.crs.GeoJSONName)
		b = append(b, `}}`...)
	}
	if g.crs.IsGCJ02() {
		b = append(b, `,"coordinate_system":"GCJ-02: coordinates shifted for Chinese web maps (Gaode, Tencent); NOT WGS 84 and not CGCS2000"`...)
	}
	b = append(b, g.head...)
	b = append(b, `,"features":[`...)
	g.buf = b
	_, err := g.w.Write(b)
	return err
}

func (g *geojsonWriter) row(r *Row) error {
	if g.max > 0 && g.n >= g.max {
		g.last.More = true
		return nil
	}
	g.last.LastID = r.ID
	b := g.buf[:0]
	if !g.seq && g.n > 0 {
		b = append(b, ',')
	}
	if !g.seq {
		b = append(b, '\n')
	}
	var err error
	if b, err = appendFeature(b, g.layer, g.crs, r, g.skip); err != nil {
		return err
	}
	if g.seq {
		b = append(b, '\n')
	}
	g.buf = b
	g.n++
	_, err = g.w.Write(b)
	return err
}

func (g *geojsonWriter) end() error {
	if !g.seq {
		b := append(g.buf[:0], "\n]"...)
		if g.tail != nil {
			g.last.N = g.n
			b = append(b, g.tail(g.last)...)
		}
		b = append(b, "}\n"...)
		g.buf = b
		if _, err := g.w.Write(b); err != nil {
			return err
		}
	}
	return g.w.Flush()
}

// appendFeature appends one GeoJSON Feature, without the property of field
// index skip (-1: every property).
func appendFeature(b []byte, l *Layer, crs CRS, r *Row, skip int) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendScalarMust(b, r.ID)
	b = append(b, `,"geometry":`...)
	var err error
	if b, err = appendGeoJSONGeometry(b, crs.Transform(r.Geom)); err != nil {
		return b, fmt.Errorf("feature %d: %w", r.ID, err)
	}
	b = append(b, `,"properties":{`...)
	first := true
	for i, f := range l.Fields {
		if i == skip {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		switch v := r.Values[i].(type) {
		case nil:
			b = append(b, "null"...)
		case string:
			b = appendJSONString(b, v)
		case time.Time:
			b = append(b, '"')
			b = formatTime(b, f.Type, v)
			b = append(b, '"')
		default:
			if b, err = appendScalar(b, f.Type, v); err != nil {
				return b, fmt.Errorf("feature %d field %s: %w", r.ID, f.Name, err)
			}
		}
	}
	return append(b, "}}"...), nil
}

func appendScalarMust(b []byte, id int64) []byte {
	b, _ = appendScalar(b, Integer64, id)
	return b
}

// csvWriter writes CSV for people, with the geometry as WKT in the last
// column: it starts with a UTF-8 byte-order mark so Excel reads Chinese
// text, ends lines with CRLF and defuses cells that Excel would run as
// formulas. (What ogr2ogr reads is feedWriter's.)
type csvWriter struct{ csvOut }

func newCSVWriter(w io.Writer, l *Layer, crs CRS) *csvWriter {
	c := &csvWriter{newCSVOut(w, l, crs)}
	c.keep = l.importColumns()
	return c
}

// csvOut is what the CSV writers share: the buffered output, the layer, the
// coordinate system, the header's names, which fields are written and a
// line buffer.
type csvOut struct {
	w     *bufio.Writer
	layer *Layer
	crs   CRS
	names []string // header name of each field
	keep  []bool   // fields written; nil: all
	buf   []byte
}

func newCSVOut(w io.Writer, l *Layer, crs CRS) csvOut {
	return csvOut{w: bufio.NewWriterSize(w, bufferSize), layer: l, crs: crs, names: l.FieldNames()}
}

func (c *csvOut) end() error { return c.w.Flush() }

// wktColumn names the CSV geometry column: wkt, or wkt_gcj02 when the
// coordinates are GCJ-02.
func (c *csvWriter) wktColumn() string {
	if c.crs.IsGCJ02() {
		return "wkt_gcj02"
	}
	return "wkt"
}

func (c *csvWriter) begin() error {
	b := append(c.buf[:0], 0xEF, 0xBB, 0xBF)
	b = appendCSVHeader(b, c.names, c.keep)
	if c.layer.Geometry != NoGeometry {
		b = append(b, ',')
		b = appendCSVString(b, c.wktColumn(), false)
	}
	c.buf = append(b, '\r', '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *csvWriter) row(r *Row) error {
	b, err := appendCSVFields(c.buf[:0], c.layer, r, c.keep, true, false)
	if err != nil {
		return err
	}
	if c.layer.Geometry != NoGeometry {
		b = append(b, ',')
		if b, err = appendWKTCell(b, c.crs, r); err != nil {
			return err
		}
	}
	c.buf = append(b, '\r', '\n')
	_, err = c.w.Write(c.buf)
	return err
}

// appendCSVHeader appends the quoted names of the fields keep says (all
// when nil).
func appendCSVHeader(b []byte, names []string, keep []bool) []byte {
	first := true
	for i, name := range names {
		if keep != nil && !keep[i] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendCSVString(b, name, false)
	}
	return b
}

// appendCSVFields appends r's fields as CSV cells, every string quoted:
// with defuse, cells Excel would run as formulas are defused; with
// shortBools, booleans are t and f.
func appendCSVFields(b []byte, l *Layer, r *Row, keep []bool, defuse, shortBools bool) ([]byte, error) {
	return appendCSVFieldsText(b, l, r, keep, nil, defuse, shortBools)
}

// appendCSVFieldsText is appendCSVFields with the fields marked in text
// quoted whatever their type, so that GDAL (QUOTED_FIELDS_AS_STRING) makes
// them text fields: a shapefile's date-times and its H3 id (shapefileText).
func appendCSVFieldsText(b []byte, l *Layer, r *Row, keep, text []bool, defuse, shortBools bool) ([]byte, error) {
	var err error
	first := true
	for i, f := range l.Fields {
		if keep != nil && !keep[i] {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		switch v := r.Values[i].(type) {
		case nil:
		case string:
			b = appendCSVString(b, v, defuse)
		case bool:
			if !shortBools {
				if b, err = appendScalar(b, f.Type, v); err != nil {
					return nil, fmt.Errorf("row %d field %s: %w", r.ID, f.Name, err)
				}
			} else if v {
				b = append(b, 't')
			} else {
				b = append(b, 'f')
			}
		case time.Time:
			if text != nil && text[i] {
				b = append(formatTime(append(b, '"'), f.Type, v), '"')
				break
			}
			b = formatTime(b, f.Type, v)
		default:
			quote := text != nil && text[i]
			if quote {
				b = append(b, '"')
			}
			if b, err = appendScalar(b, f.Type, v); err != nil {
				return nil, fmt.Errorf("row %d field %s: %w", r.ID, f.Name, err)
			}
			if quote {
				b = append(b, '"')
			}
		}
	}
	return b, nil
}

// appendWKTCell appends r's geometry in crs as a quoted WKT cell, or an
// empty cell for a row without one.
func appendWKTCell(b []byte, crs CRS, r *Row) ([]byte, error) {
	if r.Geom == nil {
		return b, nil
	}
	b = append(b, '"')
	b, err := appendWKT(b, crs.Transform(r.Geom))
	if err != nil {
		return nil, fmt.Errorf("row %d: %w", r.ID, err)
	}
	return append(b, '"'), nil
}

// appendCSVString quotes s, doubling quotes. With defuse, a cell Excel
// would evaluate (starting with = + - @ or a tab/CR) gets a leading
// apostrophe, the usual guard against formula injection.
func appendCSVString(b []byte, s string, defuse bool) []byte {
	b = append(b, '"')
	if defuse && s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			b = append(b, '\'')
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"', '"')
		} else {
			b = append(b, s[i])
		}
	}
	return append(b, '"')
}
