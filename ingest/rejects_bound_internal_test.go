package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeHugeRowFile writes a households file of three rows, all rejected
// in the test: a small one, one of about size bytes, and a small one after.
func writeHugeRowFile(t *testing.T, format string, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "huge-row."+format)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	chunk := strings.Repeat("x", 1<<16)
	switch format {
	case FormatCSV:
		fmt.Fprint(w, "external_id,village_code,residents,lon,lat\nH0101,T01V01,1,119.9,32.4\nH0102,")
		for n := 0; n < size; n += len(chunk) {
			w.WriteString(chunk)
		}
		fmt.Fprint(w, ",1,119.9,32.4\nH0103,T01V01,1,119.9,32.4\n")
	case FormatGeoJSON:
		feature := func(id, village string) string {
			return `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.9,32.4]},"properties":{"external_id":"` +
				id + `","village_code":"` + village + `","residents":1}}`
		}
		fmt.Fprint(w, `{"type":"FeatureCollection","features":[`+"\n"+feature("H0101", "T01V01")+",\n")
		fmt.Fprint(w, `{"type":"Feature","geometry":{"type":"Point","coordinates":[119.9,32.4]},"properties":{"external_id":"H0102","village_code":"`)
		for n := 0; n < size; n += len(chunk) {
			w.WriteString(chunk)
		}
		fmt.Fprint(w, `","residents":1}},`+"\n"+feature("H0103", "T01V01")+"\n]}\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// allocated is the bytes fn allocates on the heap (runtime.MemStats'
// TotalAlloc delta: every allocation counts, freed or not).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A rejected row far over the rejects file's bound cuts the file there,
// marked not complete, holding the rows before it, and building the file
// allocates no more than the bound and a little over what reading the
// rows again does: the huge row is never copied whole into the file's
// row buffer (nor, for GeoJSON, re-encoded whole).
func TestRejectsFileHugeRowBounded(t *testing.T) {
	const (
		huge     = 50 << 20 // the row, as the test corpus's single 50 MB line
		maxBytes = 1 << 20  // the rejects file's bound
		slack    = 1 << 20  // buffers and the small rows
	)
	for _, tc := range []struct {
		format   string
		size     int
		lines    []int64 // the rejected rows' lines or feature numbers
		firstRow string
	}{
		{FormatCSV, huge, []int64{2, 3, 4}, "H0101,T01V01,1,119.9,32.4,2,"},
		{FormatGeoJSON, huge / 2, []int64{1, 2, 3}, `"external_id":"H0101"`},
	} {
		t.Run(tc.format, func(t *testing.T) {
			path := writeHugeRowFile(t, tc.format, tc.size)
			opt := Options{Layer: "households", Path: path, MaxRowBytes: 2 * huge}
			rec := Record{FileName: filepath.Base(path), rejectLines: map[int64]string{}}
			for _, l := range tc.lines {
				rec.rejectLines[l] = "village_code: unknown village_code"
			}
			// What reading the file again costs by itself: the decoder
			// holds each row whole, as the import did.
			var readErr error
			read := allocated(func() { readErr = readAll(context.Background(), opt, rec.FileName) })
			if readErr != nil {
				t.Fatal(readErr)
			}
			var f *RejectsFile
			var err error
			built := allocated(func() { f, err = BuildRejectsFile(context.Background(), rec, opt, maxBytes) })
			if err != nil {
				t.Fatalf("BuildRejectsFile of %s with a %d-byte rejected row: %v", tc.format, tc.size, err)
			}
			if f.Rows != 1 || f.Complete {
				t.Errorf("rejects file of %s with a %d-byte second row, bound %d: %d rows, complete %v; want 1 row, not complete",
					tc.format, tc.size, maxBytes, f.Rows, f.Complete)
			}
			if len(f.Content) > maxBytes {
				t.Errorf("rejects file of %s: %d bytes, want at most the bound %d", tc.format, len(f.Content), maxBytes)
			}
			if c := string(f.Content); !strings.Contains(c, tc.firstRow) || strings.Contains(c, "H0102") || strings.Contains(c, "H0103") {
				t.Errorf("rejects file of %s = %.300q; want the first row (%s) only", tc.format, c, tc.firstRow)
			}
			if tc.format == FormatGeoJSON {
				var fc struct{ Features []json.RawMessage }
				if err := json.Unmarshal(f.Content, &fc); err != nil || len(fc.Features) != 1 {
					t.Errorf("rejects file of %s: %d features, %v; want one FeatureCollection of 1", tc.format, len(fc.Features), err)
				}
			}
			if extra := int64(built) - int64(read); extra > 2*maxBytes+slack {
				t.Errorf("building the rejects file of %s with a %d-byte rejected row, bound %d: allocated %d bytes over reading the file (%d); want at most %d",
					tc.format, tc.size, maxBytes, extra, read, 2*maxBytes+slack)
			}
		})
	}
}

// readAll reads every row of the file as writeRejects does, and keeps none.
func readAll(ctx context.Context, opt Options, name string) error {
	layer, err := LookupLayer(opt.Layer)
	if err != nil {
		return err
	}
	s, closeFn, err := Open(ctx, layer, opt, name)
	if err != nil {
		return err
	}
	defer closeFn()
	for {
		var next func() (*raw, error)
		switch d := s.dec.(type) {
		case *csvDecoder:
			next = d.next
		case *geojsonDecoder:
			next = d.next
		}
		_, err := next()
		var re *RowError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil && !errors.As(err, &re):
			return err
		}
	}
}

// The features a rejects FeatureCollection holds are the rejected ones as
// they came, compacted, with reject_line and reject_reason set in their
// properties (replacing those of a rejects file uploaded again); one that
// is not a JSON object is kept as reject_raw.
func TestWriteFeatureWithReason(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]any
	}{
		{"feature", `{"type": "Feature", "geometry": {"type": "Point", "coordinates": [119.9, 32.4]},
			"properties": {"external_id": "H1", "note": "a \"quoted\" , { text"}}`,
			map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []any{119.9, 32.4}},
				"properties": map[string]any{"external_id": "H1", "note": `a "quoted" , { text`, "reject_line": 7.0, "reject_reason": "bad <value>"}}},
		{"rejects file again", `{"type":"Feature","geometry":null,"properties":{"reject_line":3,"x":1,"reject_reason":"old"}}`,
			map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"x": 1.0, "reject_line": 7.0, "reject_reason": "bad <value>"}}},
		{"no properties", `{"type":"Feature","geometry":null}`,
			map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"reject_line": 7.0, "reject_reason": "bad <value>"}}},
		{"null properties", `{"type":"Feature","geometry":null,"properties":null}`,
			map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"reject_line": 7.0, "reject_reason": "bad <value>"}}},
		{"empty properties", `{"type":"Feature","properties":{ },"geometry":null}`,
			map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"reject_line": 7.0, "reject_reason": "bad <value>"}}},
		{"not an object", `[1, 2]`,
			map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"reject_raw": "[1, 2]", "reject_line": 7.0, "reject_reason": "bad <value>"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &rowWriter{limit: -1}
			if err := writeFeatureWith(w, json.RawMessage(tc.in), 7, "bad <value>", ""); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(w.buf.Bytes(), &got); err != nil {
				t.Fatalf("writeFeatureWith(%s) = %s: not JSON: %v", tc.in, w.buf.Bytes(), err)
			}
			if g, wnt := fmt.Sprint(got), fmt.Sprint(tc.want); g != wnt {
				t.Errorf("writeFeatureWith(%s) = %s\n got %s\nwant %s", tc.in, w.buf.Bytes(), g, wnt)
			}
		})
	}
}
