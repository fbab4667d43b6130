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
func WriteRejects(ctx context.Context, rec Record, opt Options, w io.Writer) (int64, error) {
	out, err := writeRejects(ctx, rec, opt, w, false, 0)
	return out.rows, err
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
	if (rec.Layer == "households" || rec.Layer == "visits") && !scope.HouseholdPoints {
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
	rows, complete, err := s.writeRejects(rec.rejectLines, w, collection, maxBytes)
	// Known once the rows are read: a GeoJSON feature's properties say.
	return rejectsWritten{rows: rows, complete: complete, personal: s.Personal()}, err
}

func (s *Stream) writeRejects(rejectLines map[int64]string, w io.Writer, collection bool, maxBytes int64) (written int64, complete bool, err error) {
	// Each row is made in row first, then written if it fits.
	var size int64
	var row bytes.Buffer
	fits := func(reserve int) bool {
		return maxBytes <= 0 || size+int64(row.Len()+reserve) <= maxBytes
	}
	flush := func() error {
		n, err := w.Write(row.Bytes())
		size += int64(n)
		row.Reset()
		return err
	}
	switch d := s.dec.(type) {
	case *csvDecoder:
		cw := csv.NewWriter(&row)
		row.WriteString("\ufeff")
		keep := make([]int, 0, len(d.header))
		header := make([]string, 0, len(d.header)+3)
		for i, h := range d.header {
			if !matchAny(h, ignoredHeaders) {
				keep = append(keep, i)
				header = append(header, h)
			}
		}
		cw.Write(append(header, "reject_line", "reject_reason"))
		cw.Flush()
		if err := cw.Error(); err != nil {
			return 0, false, err
		}
		if !fits(0) {
			return 0, false, nil
		}
		if err := flush(); err != nil {
			return 0, false, err
		}
		out := make([]string, 0, len(header)+2)
		for {
			r, err := d.next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				return written, false, err
			}
			reason, ok := rejectLines[r.line]
			if !ok {
				continue
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
			cw.Write(append(out, strconv.FormatInt(r.line, 10), reason))
			cw.Flush()
			if err := cw.Error(); err != nil {
				return written, false, err
			}
			if !fits(0) {
				return written, false, nil
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
			r, err := d.next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				return written, false, err
			}
			reason, ok := rejectLines[r.line]
			if !ok {
				continue
			}
			b, err := withRejectReason(r.record.(json.RawMessage), r.line, reason)
			if err != nil {
				return written, false, err
			}
			switch {
			case !collection:
				row.Write(b)
				row.WriteByte('\n')
			case written > 0:
				row.WriteString(collectionSep)
				row.Write(b)
			default:
				row.Write(b)
			}
			if !fits(len(tail)) {
				return written, false, nil
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

// withRejectReason adds reject_line and reject_reason properties to a
// feature; a feature that is not a JSON object is wrapped as a property.
func withRejectReason(msg json.RawMessage, line int64, reason string) ([]byte, error) {
	var f map[string]json.RawMessage
	if err := json.Unmarshal(msg, &f); err != nil || f == nil {
		f = map[string]json.RawMessage{"type": json.RawMessage(`"Feature"`), "geometry": json.RawMessage("null")}
		f["properties"], _ = json.Marshal(map[string]string{"reject_raw": string(msg)})
	}
	props := map[string]json.RawMessage{}
	if p, ok := f["properties"]; ok {
		_ = json.Unmarshal(p, &props)
	}
	props["reject_line"], _ = json.Marshal(line)
	props["reject_reason"], _ = json.Marshal(reason)
	var err error
	if f["properties"], err = json.Marshal(props); err != nil {
		return nil, err
	}
	return json.Marshal(f)
}
