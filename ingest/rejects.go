package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"lianxin"
)

// RejectsFileName suggests where the rejects of path go: beside it, with
// .rejects before the extension (GeoPackage and Shapefile rejects are
// written as newline-delimited GeoJSON).
func RejectsFileName(path string) string {
	format, _ := DetectFormat(path)
	base := path
	if i := strings.LastIndexByte(path, '.'); i > strings.LastIndexByte(path, '/') {
		base = path[:i]
	}
	if format == FormatCSV {
		return base + ".rejects.csv"
	}
	return base + ".rejects.geojsonl"
}

// WriteRejects reads the file again and writes every row rec rejected, as
// it was read, with its line and reason added: a CSV with the same header
// plus reject_line and reject_reason ("field: reason") columns (UTF-8 with a BOM,
// so Excel opens it), or newline-delimited GeoJSON with a reject_reason
// property. Fixed, the file imports as it is: the reject columns are ignored.
//
// Beside the reason, in the language of opt.Lang, come the machine
// columns (properties) reject_code — the rejects' codes (codes.go), "; "
// between several, as between their reasons — and reject_params, a JSON
// array of their parameters, one object a code: a script reads those
// whatever the language. A CSV in Chinese (LangZH) heads the line and
// reason 原行号 and 拒绝原因; the machine columns keep their names.
//
// The command line's file (lianxin ingest --skip-invalid) and an upload's
// kept file (BuildRejectsFile, GET /api/v1/imports/{id}/rejects) are both
// written here and have the same columns: one file format, whichever way
// the import ran.
func WriteRejects(ctx context.Context, rec Record, opt Options, w io.Writer) (int64, error) {
	out, err := writeRejects(ctx, rec, opt, w, false, 0)
	return out.rows, err
}

// RejectsHeader is the columns a CSV rejects file adds after the file's
// own, in lang: the line and the reason (原行号, 拒绝原因 in Chinese, for
// the clerk's spreadsheet), then the machine columns reject_code and
// reject_params in either language, for scripts. The importer ignores all
// four (ignoredHeaders), so a fixed file imports as it is.
func RejectsHeader(lang string) []string {
	if lang == LangZH {
		return []string{"原行号", "拒绝原因", "reject_code", "reject_params"}
	}
	return []string{"reject_line", "reject_reason", "reject_code", "reject_params"}
}

// RejectCode is one reject's code and parameters, for the machine columns
// of a rejects file.
type RejectCode struct {
	Code   string
	Params map[string]any
}

// rejectMachine is the reject_code and reject_params values of a row's
// rejects.
func rejectMachine(cs []RejectCode) (code, params string, err error) {
	codes := make([]string, len(cs))
	ps := make([]map[string]any, len(cs))
	for i, c := range cs {
		codes[i], ps[i] = c.Code, c.Params
		if ps[i] == nil {
			ps[i] = map[string]any{}
		}
	}
	b, err := json.Marshal(ps)
	return strings.Join(codes, "; "), string(b), err
}

// MaxRejectsFileBytes bounds the rejects file an upload keeps (in the
// database, for GET /api/v1/imports/{id}/rejects): beyond it the file holds
// the first rejected rows that fit, whole, and says it is not complete.
const MaxRejectsFileBytes = 16 << 20

// RejectsFile is the rejects file an upload keeps: the rows WriteRejects
// writes, for the clerk to download, fix and upload again as it is. A CSV
// upload's is a CSV (as WriteRejects writes it); any other's is a GeoJSON
// FeatureCollection, which a browser and the importer both take whole.
type RejectsFile struct {
	Name   string `json:"name"`   // e.g. households.rejects.csv
	Format string `json:"format"` // FormatCSV or FormatGeoJSON
	// Rows counts the rejected rows the file holds: all of them when
	// Complete, else the first that fit in MaxRejectsFileBytes.
	Rows     int64 `json:"rows"`
	Complete bool  `json:"complete"`
	// Personal says the file holds household personal columns (see
	// MayReadRejects).
	Personal bool   `json:"-"`
	Content  []byte `json:"-"`
}

// MayReadRejects says whether scope may take the rejects file f of import
// rec, which it may see: the rows are as uploaded, so besides seeing the
// import, taking them needs what reading those rows needs elsewhere — the
// household_points grant for a layer of households or where they were
// visited, personal_fields for personal columns — unless they are the
// caller's own upload. A town-scoped reader (a team leader) takes only
// their own: an upload's rejects are its rows as they came, those of other
// towns among them (rejected as another town's), which a colleague of the
// same town may not read.
func MayReadRejects(scope lianxin.Scope, rec Record, f RejectsFile) error {
	if rec.StartedBy != "" && rec.StartedBy == scope.User {
		return nil
	}
	if !scope.AllTowns {
		return lianxin.Errorf(lianxin.EForbidden, "the rejects file of import %d holds its rows as uploaded, which may be other towns': "+
			"only %s, who uploaded it, and county-wide roles take it", rec.ID, rec.StartedBy)
	}
	if lianxin.HouseholdLayer(rec.Layer) && !scope.HouseholdPoints { // the same rule as the layers' (lianxin.LayerRuleOf)
		return lianxin.Errorf(lianxin.EForbidden, "the rejects file of import %d shows %s: your role does not include household points", rec.ID, rec.Layer)
	}
	if f.Personal && !scope.PersonalFields {
		return lianxin.Errorf(lianxin.EForbidden, "the rejects file of import %d holds personal fields: your role does not include personal_fields", rec.ID)
	}
	return nil
}

// ContentType is the file's media type.
func (f RejectsFile) ContentType() string {
	if f.Format == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/geo+json"
}

// BuildRejectsFile reads the file again, as WriteRejects does, into a
// RejectsFile of at most maxBytes; it returns nil when rec rejected no row.
func BuildRejectsFile(ctx context.Context, rec Record, opt Options, maxBytes int64) (*RejectsFile, error) {
	if len(rec.rejectLines) == 0 {
		return nil, nil
	}
	format := opt.Format
	if format == "" {
		format, _ = DetectFormat(opt.Path)
	}
	base := strings.TrimSuffix(rec.FileName, filepath.Ext(rec.FileName))
	f := &RejectsFile{Name: base + ".rejects.csv", Format: FormatCSV}
	if format != FormatCSV {
		f.Name, f.Format = base+".rejects.geojson", FormatGeoJSON
	}
	var b bytes.Buffer
	out, err := writeRejects(ctx, rec, opt, &b, true, maxBytes)
	if err != nil {
		return nil, err
	}
	f.Rows, f.Complete, f.Personal, f.Content = out.rows, out.complete, out.personal, b.Bytes()
	return f, nil
}

// The frame of a rejects FeatureCollection, one feature a line.
const (
	collectionHead = `{"type":"FeatureCollection","features":[` + "\n"
	collectionSep  = ",\n"
	collectionTail = "\n]}\n"
)

// rejectsWritten is what writeRejects wrote: rows, whether they are all
// the rejected rows, and whether the file had personal columns.
type rejectsWritten struct {
	rows               int64
	complete, personal bool
}

// writeRejects writes the rejected rows of rec to w: for GeoJSON as one
// FeatureCollection when collection, else one feature a line. With maxBytes
// > 0 it writes whole rows only while the output stays within maxBytes, and
// says whether every rejected row went in.
func writeRejects(ctx context.Context, rec Record, opt Options, w io.Writer, collection bool, maxBytes int64) (rejectsWritten, error) {
	if len(rec.rejectLines) == 0 {
		return rejectsWritten{complete: true}, nil
	}
	layer, err := LookupLayer(opt.Layer)
	if err != nil {
		return rejectsWritten{}, err
	}
	opt.Progress = nil
	s, closeFn, err := Open(ctx, layer, opt, rec.FileName)
	if err != nil {
		return rejectsWritten{}, err
	}
	defer closeFn()
	codes := rec.rejectCodes
	if codes == nil {
		codes = map[int64][]RejectCode{}
	}
	rows, complete, err := s.writeRejects(rec.rejectLines, codes, w, collection, maxBytes)
	// Known once the rows are read: a GeoJSON feature's properties say.
	return rejectsWritten{rows: rows, complete: complete, personal: s.Personal()}, err
}

// writeRejects writes the rows of rejectLines with their codes and
// parameters (codes) in the machine columns.
func (s *Stream) writeRejects(rejectLines map[int64]string, codes map[int64][]RejectCode, w io.Writer, collection bool, maxBytes int64) (written int64, complete bool, err error) {
	// Each row is made in row first, then written if it fits. row takes
	// only what is left of maxBytes: a rejected row too big for the file
	// is refused as it is made, never held whole (the decoder holds it
	// once, bounded by Options.MaxRowBytes, as the import did).
	var size int64
	row := &rowWriter{limit: -1}
	begin := func(reserve int) {
		row.buf.Reset()
		row.over = false
		if maxBytes > 0 {
			row.limit = maxBytes - size - int64(reserve)
		}
	}
	flush := func() error {
		n, err := w.Write(row.buf.Bytes())
		size += int64(n)
		row.buf.Reset()
		return err
	}
	switch d := s.dec.(type) {
	case *csvDecoder:
		// csv.Writer buffers 4 KiB before it writes to row.
		cw := csv.NewWriter(row)
		begin(0)
		keep := make([]int, 0, len(d.header))
		header := make([]string, 0, len(d.header)+3)
		for i, h := range d.header {
			if !matchAny(h, ignoredHeaders) {
				keep = append(keep, i)
				header = append(header, h)
			}
		}
		header = append(header, RejectsHeader(s.lang)...)
		if _, err := row.Write([]byte("\ufeff")); err == nil {
			_ = cw.Write(header)
			cw.Flush()
		}
		if row.over {
			return 0, false, nil
		}
		if err := cw.Error(); err != nil {
			return 0, false, err
		}
		if err := flush(); err != nil {
			return 0, false, err
		}
		out := make([]string, 0, len(header)+2)
		for {
			r, reason, err := nextRejected(d.next, rejectLines)
			if err != nil {
				return written, false, err
			}
			if r == nil {
				break
			}
			fields := r.record.([]string)
			out = out[:0]
			for _, i := range keep {
				if i < len(fields) {
					out = append(out, fields[i])
				} else {
					out = append(out, "")
				}
			}
			code, params, err := rejectMachine(codes[r.line])
			if err != nil {
				return written, false, err
			}
			out = append(out, strconv.FormatInt(r.line, 10), reason, code, params)
			begin(0)
			_ = cw.Write(out)
			cw.Flush()
			if row.over {
				// Cut here: the file holds the rows before this one.
				return written, false, nil
			}
			if err := cw.Error(); err != nil {
				return written, false, err
			}
			if err := flush(); err != nil {
				return written, false, err
			}
			written++
		}
		return written, true, nil
	case *geojsonDecoder:
		tail := ""
		if collection {
			tail = collectionTail
			if _, err := io.WriteString(w, collectionHead); err != nil {
				return 0, false, err
			}
			size += int64(len(collectionHead))
		}
		defer func() {
			if err == nil && tail != "" {
				_, err = io.WriteString(w, tail)
			}
		}()
		for {
			r, reason, err := nextRejected(d.next, rejectLines)
			if err != nil {
				return written, false, err
			}
			if r == nil {
				break
			}
			begin(len(tail))
			if collection && written > 0 {
				_, err = io.WriteString(row, collectionSep)
			}
			extra := ""
			if err == nil {
				var code, params string
				code, params, err = rejectMachine(codes[r.line])
				codeJSON, _ := json.Marshal(code)
				extra = `,"reject_code":` + string(codeJSON) + `,"reject_params":` + params
			}
			if err == nil {
				err = writeFeatureWith(row, r.record.(json.RawMessage), r.line, reason, extra)
			}
			if err == nil && !collection {
				_, err = io.WriteString(row, "\n")
			}
			if row.over {
				return written, false, nil
			}
			if err != nil {
				return written, false, err
			}
			if err := flush(); err != nil {
				return written, false, err
			}
			written++
		}
		return written, true, nil
	}
	return 0, false, fmt.Errorf("rejects of %s: unknown decoder", s.conv.file)
}

// nextRejected reads rows from next up to the next one of rejectLines and
// answers it with its reason; nil at the end of the file. A row's own error
// (RowError) is no error here: it is why the row was rejected.
func nextRejected(next func() (*raw, error), rejectLines map[int64]string) (*raw, string, error) {
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			return nil, "", nil
		}
		var re *RowError
		if err != nil && !errors.As(err, &re) {
			return nil, "", err
		}
		if reason, ok := rejectLines[r.line]; ok {
			return r, reason, nil
		}
	}
}

// rowWriter is one row of a rejects file being made. It takes bytes while
// the row stays within limit (< 0: no limit) and refuses the rest, once
// and for all, so that a row over what is left of the file's bound is
// found out as soon as it passes it, not once it is held whole.
type rowWriter struct {
	buf   bytes.Buffer
	limit int64
	over  bool
}

var errRowOverBound = errors.New("the row is over the rejects file's bound")

func (r *rowWriter) Write(p []byte) (int, error) {
	if r.over {
		return 0, errRowOverBound
	}
	if r.limit >= 0 && int64(r.buf.Len())+int64(len(p)) > r.limit {
		r.over = true
		return 0, errRowOverBound
	}
	return r.buf.Write(p)
}

// writeFeatureWith writes a rejected feature to w as it came, compacted,
// with reject_line and reject_reason set in its properties (replacing
// those of a rejects file uploaded again; other members keep their order),
// then extra: "" or more properties starting with a comma (reject_code and
// reject_params). It goes member by member through msg without copying it,
// so w's bound holds for a huge feature too. A feature that is not a JSON
// object is kept as the reject_raw property of an empty one.
func writeFeatureWith(w io.Writer, msg json.RawMessage, line int64, reason, extra string) error {
	reasonJSON, err := json.Marshal(reason)
	if err != nil {
		return err
	}
	rejectProps := `"reject_line":` + strconv.FormatInt(line, 10) + `,"reject_reason":` + string(reasonJSON) + extra
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || msg[0] != '{' || !json.Valid(msg) {
		// Escaped, the text is no shorter than it is: refuse it before
		// copying it if it cannot fit.
		if rw, ok := w.(*rowWriter); ok && rw.limit >= 0 && int64(len(msg)) > rw.limit {
			rw.over = true
			return errRowOverBound
		}
		raw, err := json.Marshal(string(msg))
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, `{"type":"Feature","geometry":null,"properties":{"reject_raw":`+string(raw)+","+rejectProps+"}}")
		return err
	}
	ew := &errWriter{w: w}
	ew.write("{")
	first, sawProps := true, false
	eachMember(msg, func(key, value []byte) {
		if !first {
			ew.write(",")
		}
		first = false
		ew.writeBytes(key)
		ew.write(":")
		if string(key) != `"properties"` {
			ew.compact(value)
			return
		}
		sawProps = true
		ew.write("{")
		if value[0] == '{' {
			eachMember(value, func(k, v []byte) {
				switch string(k) {
				case `"reject_line"`, `"reject_reason"`, `"reject_code"`, `"reject_params"`:
					return
				}
				ew.writeBytes(k)
				ew.write(":")
				ew.compact(v)
				ew.write(",")
			})
		}
		ew.write(rejectProps + "}")
	})
	if !sawProps {
		if !first {
			ew.write(",")
		}
		ew.write(`"properties":{` + rejectProps + "}")
	}
	ew.write("}")
	return ew.err
}

// errWriter writes until the first error, and keeps it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) writeBytes(p []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(p)
	}
}

func (e *errWriter) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

// compact writes the JSON value v without the white space between its
// tokens, a run of tokens at a time.
func (e *errWriter) compact(v []byte) {
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			i = stringEnd(v, i) - 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if i > start {
				e.writeBytes(v[start:i])
			}
			start = i + 1
		}
	}
	if start < len(v) {
		e.writeBytes(v[start:])
	}
}

// eachMember calls fn with each member of the JSON object obj (valid JSON):
// its key as written, quotes included, and its value, slices of obj.
func eachMember(obj []byte, fn func(key, value []byte)) {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		end := stringEnd(obj, i)
		key := obj[i:end]
		i = skipSpace(obj, end)
		i = skipSpace(obj, i+1) // the colon
		vEnd := valueEnd(obj, i)
		fn(key, obj[i:vEnd])
		i = skipSpace(obj, vEnd)
		if i < len(obj) && obj[i] == ',' {
			i = skipSpace(obj, i+1)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd is the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd is the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return len(b)
}
