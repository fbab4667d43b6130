package ingest

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
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
	if len(rec.rejectLines) == 0 {
		return 0, nil
	}
	layer, err := LookupLayer(opt.Layer)
	if err != nil {
		return 0, err
	}
	opt.Progress = nil
	s, closeFn, err := Open(ctx, layer, opt, rec.FileName)
	if err != nil {
		return 0, err
	}
	defer closeFn()
	var written int64
	switch d := s.dec.(type) {
	case *csvDecoder:
		cw := csv.NewWriter(w)
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return 0, err
		}
		keep := make([]int, 0, len(d.header))
		header := make([]string, 0, len(d.header)+3)
		for i, h := range d.header {
			if !matchAny(h, ignoredHeaders) {
				keep = append(keep, i)
				header = append(header, h)
			}
		}
		if err := cw.Write(append(header, "reject_line", "reject_reason")); err != nil {
			return 0, err
		}
		out := make([]string, 0, len(header)+2)
		for {
			r, err := d.next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				return written, err
			}
			reason, ok := rec.rejectLines[r.line]
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
			if err := cw.Write(append(out, strconv.FormatInt(r.line, 10), reason)); err != nil {
				return written, err
			}
			written++
		}
		cw.Flush()
		return written, cw.Error()
	case *geojsonDecoder:
		for {
			r, err := d.next()
			if errors.Is(err, io.EOF) {
				break
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				return written, err
			}
			reason, ok := rec.rejectLines[r.line]
			if !ok {
				continue
			}
			b, err := withRejectReason(r.record.(json.RawMessage), r.line, reason)
			if err != nil {
				return written, err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return written, err
			}
			written++
		}
		return written, nil
	}
	return 0, fmt.Errorf("rejects of %s: unknown decoder", rec.FileName)
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
