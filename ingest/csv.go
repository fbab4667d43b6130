package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// csvDecoder reads a CSV file (comma, semicolon or tab separated; the
// header row decides) whose header names the layer's fields.
type csvDecoder struct {
	r      *csv.Reader
	layer  *Layer
	file   string
	cols   []int // file column -> layer field index, or one of the col* codes
	header []string
	line   int64 // line of the record last read
	// geomKept: the file has no geometry columns and the layer keeps a
	// stored row's geometry (Layer.GeomKeptOnUpdate).
	geomKept bool
}

const (
	colIgnored = -1 - iota
	colLon
	colLat
	colWKT
)

// newCSVDecoder reads the header and maps its columns. r yields UTF-8.
func newCSVDecoder(r *bufio.Reader, layer *Layer, file string) (*csvDecoder, error) {
	d := &csvDecoder{layer: layer, file: file}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	// Lines starting with # are comments: the templates explain their
	// columns that way and import as they are.
	cr.Comment = '#'
	d.r = cr
	cr.Comma = sniffDelimiter(r)
	header, err := d.readHeader(cr)
	if err != nil {
		return nil, err
	}
	d.header = header
	d.line = 1
	if err := d.mapHeader(header); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *csvDecoder) readHeader(cr *csv.Reader) ([]string, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fileInvalid(d.file, "line", 0, FileEmpty, nil, "%s is empty: want a header row naming the columns, then one row per %s", d.file, singular(d.layer.Name))
	}
	if err != nil {
		return nil, d.fatal(err)
	}
	if err := d.checkUTF8(rec, 1); err != nil {
		return nil, err
	}
	return append([]string(nil), rec...), nil
}

// sniffDelimiter picks comma, tab or semicolon, whichever the header line
// has most of (Excel writes semicolons in some locales, tabs when asked).
func sniffDelimiter(r *bufio.Reader) rune {
	head, _ := r.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	best, bestN := ',', bytes.Count(head, []byte{','})
	for _, c := range []rune{'\t', ';'} {
		if n := bytes.Count(head, []byte{byte(c)}); n > bestN {
			best, bestN = c, n
		}
	}
	return best
}

func (d *csvDecoder) mapHeader(header []string) error {
	l := d.layer
	d.cols = make([]int, len(header))
	seen := make(map[int]string)
	var unknown []string
	var unknownAt []int
	hasLon, hasLat, hasWKT := false, false, false
	for i, h := range header {
		if fi, ok := l.matchField(h); ok {
			if prev, dup := seen[fi]; dup {
				return fileInvalid(d.file, "line", 1, FileAmbiguousColumns, map[string]any{"first": prev, "second": h, "field": l.Fields[fi].Name},
					"%s line 1: columns %q and %q both give %s", d.file, prev, h, l.Fields[fi].Name)
			}
			seen[fi] = h
			d.cols[i] = fi
			continue
		}
		switch {
		case l.Geom != NoGeom && matchAny(h, wktAliases):
			d.cols[i], hasWKT = colWKT, true
		case l.Geom == PointGeom && matchAny(h, lonAliases):
			d.cols[i], hasLon = colLon, true
		case l.Geom == PointGeom && matchAny(h, latAliases):
			d.cols[i], hasLat = colLat, true
		case matchAny(h, ignoredHeaders) || matchAny(h, rowNumberHeaders) || strings.TrimSpace(h) == "":
			d.cols[i] = colIgnored
		default:
			d.cols[i] = colIgnored
			unknown = append(unknown, h)
			unknownAt = append(unknownAt, i+1)
		}
	}
	// A generic 编号 beside the layer's own key column numbers the rows:
	// ignored, as 序号 is. Alone it is refused below, with a hint.
	if ki := slices.IndexFunc(l.Fields, func(f Field) bool { return f.Name == l.Key }); ki >= 0 {
		if _, ok := seen[ki]; ok {
			for i := len(unknown) - 1; i >= 0; i-- {
				if matchAny(unknown[i], genericIDHeaders) {
					unknown = slices.Delete(unknown, i, i+1)
					unknownAt = slices.Delete(unknownAt, i, i+1)
				}
			}
		}
	}
	// Each problem in English for the message, with its code and
	// parameters for the clerk's language.
	var problems []string
	var coded []RowError
	add := func(code string, params map[string]any, msg string) {
		problems = append(problems, msg)
		coded = append(coded, RowError{File: d.file, Unit: "line", Line: 1, Reason: msg, Code: code, Params: params})
	}
	for i, h := range unknown {
		params := map[string]any{"column": h, "position": unknownAt[i]}
		if c, ok := l.closest(h); ok {
			params["suggestion"] = c
			add(FileUnknownColumn, params, fmt.Sprintf("unknown column %q (did you mean %q?)", h, c))
		} else {
			add(FileUnknownColumn, params, fmt.Sprintf("unknown column %q", h))
		}
	}
	for fi, f := range l.Fields {
		if _, ok := seen[fi]; !ok && f.Required {
			zh, others := zhName(&l.Fields[fi])
			add(FileMissingColumn, map[string]any{"column": f.Name, "aliases": f.Aliases, "column_zh": zh, "aliases_zh": others},
				fmt.Sprintf("missing column %s (or %s)", f.Name, strings.Join(f.Aliases, ", ")))
		}
	}
	if hasLon != hasLat {
		add(FileLonLatPair, nil, "lon and lat come as a pair: give both columns (经度 and 纬度)")
	}
	d.geomKept = l.GeomKeptOnUpdate && !hasWKT && !hasLon && !hasLat
	if l.GeomRequired && !d.geomKept && !hasWKT && !(hasLon && hasLat) {
		c := &converter{layer: l}
		add(FileMissingGeometry, map[string]any{"hint": c.geomHint(), "hint_zh": c.geomHintZH()}, "missing the geometry: give "+c.geomHint())
	}
	if len(problems) > 0 && len(seen) == 0 && len(unknown) == 1 && len(header) > 1 {
		// Registers kept in Excel often open with a title row above the
		// header ("东岳镇农户登记表,,,,").
		add(FileTitleRow, map[string]any{"value": unknown[0]},
			fmt.Sprintf("is %q a title above the header? delete that row, so that the column names come first", unknown[0]))
	}
	if len(problems) > 0 {
		return fileProblems(d.file, 1, fmt.Sprintf("%s line 1 (header): %s", d.file, strings.Join(problems, "; ")), coded)
	}
	return nil
}

func (d *csvDecoder) unit() string { return "line" }

// typedHeaders maps each field a reject may name to its column as the file
// spelled it: a layer field by its name, the point's pair as "lon/lat" and
// the WKT column as "wkt" (the names values.go gives them).
func (d *csvDecoder) typedHeaders() map[string]string {
	m := make(map[string]string, len(d.cols))
	var lon, lat string
	for i, c := range d.cols {
		h := strings.TrimSpace(strings.TrimPrefix(d.header[i], "\ufeff"))
		switch {
		case c >= 0:
			m[d.layer.Fields[c].Name] = h
		case c == colLon:
			lon = h
		case c == colLat:
			lat = h
		case c == colWKT:
			m["wkt"] = h
		}
	}
	if lon != "" && lat != "" {
		m["lon/lat"] = lon + "/" + lat
		m["geometry"] = m["lon/lat"]
	}
	if m["wkt"] != "" {
		// The store's checks of the geometry (valid, inside the county)
		// name the geometry, which came from this column.
		m["geometry"] = m["wkt"]
	}
	return m
}

// checkUTF8 refuses text that is not UTF-8 after decoding: a GBK file read
// as UTF-8 (forced, or detected from an all-ASCII start) stops here.
func (d *csvDecoder) checkUTF8(rec []string, line int64) error {
	for _, v := range rec {
		if !utf8.ValidString(v) {
			return fileInvalid(d.file, "line", line, FileNotUTF8, map[string]any{"line": line},
				"%s line %d is not valid UTF-8 text: is the file GBK? import it with --encoding gbk", d.file, line)
		}
	}
	return nil
}

// next reads one record. A record with the wrong number of fields is a row
// error; a broken quote, a too-long line or a read failure ends the file.
func (d *csvDecoder) next() (*raw, error) {
	rec, err := d.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, d.fatal(err)
	}
	line, _ := d.r.FieldPos(0) // only valid after a successful Read
	d.line = int64(line)
	if err := d.checkUTF8(rec, d.line); err != nil {
		return nil, err
	}
	if blankRecord(rec) {
		return d.next() // a blank line, or Excel's ",,,," of a row once formatted
	}
	r := &raw{line: d.line, vals: make([]string, len(d.layer.Fields)), record: append([]string(nil), rec...), geomKept: d.geomKept}
	if len(rec) != len(d.cols) {
		return r, &RowError{File: d.file, Unit: "line", Line: d.line, Field: "",
			Reason: fmt.Sprintf("%d fields where the header has %d (a truncated file or a stray separator?)", len(rec), len(d.cols)),
			Code:   CodeFieldCount, Params: map[string]any{"got": len(rec), "want": len(d.cols)}}
	}
	for i, v := range rec {
		switch c := d.cols[i]; c {
		case colIgnored:
		case colLon:
			r.lon = v
		case colLat:
			r.lat = v
		case colWKT:
			r.wkt = v
		default:
			r.vals[c] = v
		}
	}
	return r, nil
}

// blankRecord reports a record whose every field is empty or spaces.
func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func (d *csvDecoder) fatal(err error) error {
	var pe *csv.ParseError
	line := d.line + 1
	if errors.As(err, &pe) {
		line = int64(pe.StartLine)
		if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
			return fileInvalid(d.file, "line", line, FileBadQuote, map[string]any{"line": line},
				"%s line %d: %v (a truncated file, or a quote inside an unquoted field)", d.file, line, pe.Err)
		}
		err = pe.Err
	}
	if errors.Is(err, errLineTooLong) {
		return fileInvalid(d.file, "line", line, FileLineTooLong, map[string]any{"line": line},
			"%s line %d: longer than the row limit; is this the right file?", d.file, line)
	}
	return wrapRead(d.file, err)
}

func singular(layer string) string {
	switch layer {
	case "villages":
		return "village"
	case "households":
		return "household"
	}
	return strings.TrimSuffix(layer, "s")
}
