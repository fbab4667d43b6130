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
	// tail(n) after the features array; both optional.
	head []byte
	tail func(n int64) []byte
	buf  []byte
	n    int64
}

func newGeoJSONWriter(w io.Writer, l *Layer, crs CRS) *geojsonWriter {
	return &geojsonWriter{w: bufio.NewWriterSize(w, bufferSize), layer: l, crs: crs}
}

func (g *geojsonWriter) begin() error {
	if g.seq {
		return nil
	}
	b := append(g.buf[:0], `{"type":"FeatureCollection","name":`...)
	b = appendJSONString(b, g.layer.Name)
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
	b := g.buf[:0]
	if !g.seq && g.n > 0 {
		b = append(b, ',')
	}
	if !g.seq {
		b = append(b, '\n')
	}
	var err error
	if b, err = appendFeature(b, g.layer, g.crs, r); err != nil {
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
			b = append(b, g.tail(g.n)...)
		}
		b = append(b, "}\n"...)
		g.buf = b
		if _, err := g.w.Write(b); err != nil {
			return err
		}
	}
	return g.w.Flush()
}

// appendFeature appends one GeoJSON Feature.
func appendFeature(b []byte, l *Layer, crs CRS, r *Row) ([]byte, error) {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendScalarMust(b, r.ID)
	b = append(b, `,"geometry":`...)
	var err error
	if b, err = appendGeoJSONGeometry(b, crs.Transform(r.Geom)); err != nil {
		return b, fmt.Errorf("feature %d: %w", r.ID, err)
	}
	b = append(b, `,"properties":{`...)
	for i, f := range l.Fields {
		if i > 0 {
			b = append(b, ',')
		}
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

// csvWriter writes CSV with the geometry as WKT in the last column.
// For people (excel) it starts with a UTF-8 byte-order mark so Excel reads
// Chinese text, ends lines with CRLF and defuses cells that Excel would
// run as formulas; for ogr2ogr it writes plain CSV whose strings are all
// quoted (read with QUOTED_FIELDS_AS_STRING, so a code of digits stays
// text) and whose geometry column is "wkt".
type csvWriter struct {
	w     *bufio.Writer
	layer *Layer
	crs   CRS
	excel bool
	buf   []byte
}

func newCSVWriter(w io.Writer, l *Layer, crs CRS, excel bool) *csvWriter {
	return &csvWriter{w: bufio.NewWriterSize(w, bufferSize), layer: l, crs: crs, excel: excel}
}

// WKTColumn names the CSV geometry column: wkt, or wkt_gcj02 when the
// coordinates are GCJ-02 (for ogr2ogr it is always wkt).
func (c *csvWriter) wktColumn() string {
	if c.excel && c.crs.IsGCJ02() {
		return "wkt_gcj02"
	}
	return "wkt"
}

func (c *csvWriter) eol(b []byte) []byte {
	if c.excel {
		return append(b, '\r', '\n')
	}
	return append(b, '\n')
}

func (c *csvWriter) begin() error {
	b := c.buf[:0]
	if c.excel {
		b = append(b, 0xEF, 0xBB, 0xBF)
	}
	for i, f := range c.layer.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVString(b, f.Name, false)
	}
	if c.layer.Geometry != NoGeometry {
		b = append(b, ',')
		b = appendCSVString(b, c.wktColumn(), false)
	}
	b = c.eol(b)
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

func (c *csvWriter) row(r *Row) error {
	b := c.buf[:0]
	var err error
	for i, f := range c.layer.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := r.Values[i].(type) {
		case nil:
		case string:
			b = appendCSVString(b, v, c.excel)
		case time.Time:
			b = formatTime(b, f.Type, v)
		default:
			if b, err = appendScalar(b, f.Type, v); err != nil {
				return fmt.Errorf("row %d field %s: %w", r.ID, f.Name, err)
			}
		}
	}
	if c.layer.Geometry != NoGeometry {
		b = append(b, ',')
		if r.Geom != nil {
			b = append(b, '"')
			if b, err = appendWKT(b, c.crs.Transform(r.Geom)); err != nil {
				return fmt.Errorf("row %d: %w", r.ID, err)
			}
			b = append(b, '"')
		}
	}
	b = c.eol(b)
	c.buf = b
	_, err = c.w.Write(b)
	return err
}

func (c *csvWriter) end() error { return c.w.Flush() }

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
