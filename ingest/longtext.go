package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// A Shapefile zip that lianxin exported holds longtext.csv beside the
// shapefile: every text value longer than a .dbf field's 254 bytes, whole
// (export/longtext.go writes it: the feature's key, the field, the text),
// while the .dbf keeps a cut start of it. Reading such a zip restores each
// cut value from the side table, so an export imports back unchanged
// instead of replacing a diary note with its first 84 characters. An
// unzipped export's .shp, imported from disk, reads the longtext.csv beside
// it the same way (longTextBeside).
//
// The side table must fit the shapefile, or the file is refused as a
// whole, naming longtext.csv, the line and the field: a cut value that is
// not the start of its whole text (edited in QGIS, or the side table of
// another export) would otherwise import one of the two silently, and a
// key no feature has means the side table is another file's.

// longTextName is the side table's name in a zip, as the export writes it.
const longTextName = "longtext.csv"

// longTexts is a side table read, ready to restore the features' values.
type longTexts struct {
	file    string // the upload, for errors
	layer   *Layer
	keyAt   int // the layer's key field
	entries []longTextEntry
	byKey   map[string][]int // entries by key
	bound   bool             // fields matched to the shapefile's columns
}

// longTextEntry is one line of the side table.
type longTextEntry struct {
	line        int64 // where the record starts in longtext.csv
	key, field  string
	text        string
	fieldAt     int  // the layer field it restores; -1: a column the import does not read
	featureSeen bool // a feature with the key was read
}

// readLongTexts reads the side table at path for layer: a header of the
// layer's key, field and text, then one value a line, each key and field
// once. UTF-8 as exported, or GBK if a spreadsheet saved it so.
func readLongTexts(path string, layer *Layer, file string) (*longTexts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s of %s: %w", longTextName, file, err)
	}
	defer f.Close()
	text, _, err := decodeText(f, "", file+": "+longTextName)
	if err != nil {
		return nil, err
	}
	lt := &longTexts{file: file, layer: layer, byKey: map[string][]int{}}
	keyAt := -1
	for i, fl := range layer.Fields {
		if fl.Name == layer.Key {
			keyAt = i
		}
	}
	lt.keyAt = keyAt
	r := csv.NewReader(text)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, lt.rowProblem(1, err)
	}
	want := layer.Key + ",field,text"
	if len(header) != 3 || !lt.isKey(header[0]) || !strings.EqualFold(strings.TrimSpace(header[1]), "field") ||
		!strings.EqualFold(strings.TrimSpace(header[2]), "text") {
		got := strings.Join(header, ",")
		return nil, fileInvalid(file, "", 0, FileLongTextHeader, map[string]any{"file": longTextName, "header": got, "want": want},
			"%s: %s line 1: header %q; want %s (%s rows are matched by %s)", file, longTextName, got, want, layer.Name, layer.Key)
	}
	first := map[[2]string]int64{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, lt.rowProblem(int64(line), err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line a spreadsheet left
		}
		key, field := "", ""
		if len(rec) == 3 {
			key, field = strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		}
		if key == "" || field == "" {
			return nil, lt.rowProblem(int64(line), fmt.Errorf("%d cells; want three: %s, the field and the text, neither of the first two empty", len(rec), layer.Key))
		}
		id := [2]string{key, field}
		if prev, ok := first[id]; ok {
			return nil, fileInvalid(file, "", 0, FileLongTextTwice, map[string]any{"file": longTextName, "line": line, "first": prev, "key": key, "field": field},
				"%s: %s line %d: %s %s, field %s again (first on line %d)", file, longTextName, line, layer.Key, key, field, prev)
		}
		first[id] = int64(line)
		lt.byKey[key] = append(lt.byKey[key], len(lt.entries))
		lt.entries = append(lt.entries, longTextEntry{line: int64(line), key: key, field: field, text: rec[2], fieldAt: -1})
	}
	return lt, nil
}

// isKey reports whether a header names the layer's key field.
func (lt *longTexts) isKey(h string) bool {
	fi, ok := lt.layer.matchField(h)
	return ok && fi == lt.keyAt
}

func (lt *longTexts) rowProblem(line int64, err error) error {
	return fileInvalid(lt.file, "", 0, FileLongTextRow, map[string]any{"file": longTextName, "line": line},
		"%s: %s line %d: %v", lt.file, longTextName, line, err)
}

// bind matches each entry's field to the layer, once the shapefile's
// columns (its first feature's properties) are known. A field the import
// does not read but the shapefile has is left alone, as the column is; a
// field the shapefile lacks is refused: the side table is not of this file.
func (lt *longTexts) bind(columns []string) error {
	lt.bound = true
	for i := range lt.entries {
		e := &lt.entries[i]
		if fi, ok := lt.layer.matchField(e.field); ok {
			e.fieldAt = fi
			continue
		}
		if !hasColumn(columns, e.field) {
			return fileInvalid(lt.file, "", 0, FileLongTextField, map[string]any{"file": longTextName, "line": e.line, "field": e.field},
				"%s: %s line %d: field %s is no column of the shapefile", lt.file, longTextName, e.line, e.field)
		}
	}
	return nil
}

// hasColumn reports whether a .dbf's columns hold field: by its name, or
// by the first ten characters a .dbf keeps of it.
func hasColumn(columns []string, field string) bool {
	for _, c := range columns {
		c = strings.TrimSpace(c)
		if strings.EqualFold(c, field) || len(c) == 10 && strings.HasPrefix(strings.ToLower(field), strings.ToLower(c)) {
			return true
		}
	}
	return false
}

// restore puts the whole values of feature n (read as r) back in place of
// the .dbf's cut ones; read says the feature was read whole (a feature
// rejected while reading only counts as the key's).
func (lt *longTexts) restore(r *raw, n int64, read bool) error {
	if lt.keyAt < 0 {
		return nil
	}
	key := strings.TrimSpace(r.vals[lt.keyAt])
	for _, i := range lt.byKey[key] {
		e := &lt.entries[i]
		e.featureSeen = true
		if !read || e.fieldAt < 0 {
			continue
		}
		cut := r.vals[e.fieldAt]
		if cut == e.text {
			continue
		}
		if cut == "" || !strings.HasPrefix(e.text, cut) {
			return fileInvalid(lt.file, "", 0, FileLongTextMismatch,
				map[string]any{"file": longTextName, "line": e.line, "key": key, "field": e.field, "feature": n},
				"%s: %s line %d: the shapefile's %s of %s %s (feature %d) is not the start of the text there: edit both alike, or delete the line from %s",
				lt.file, longTextName, e.line, e.field, lt.layer.Key, key, n, longTextName)
		}
		r.vals[e.fieldAt] = e.text
	}
	return nil
}

// unmatched refuses, once every feature is read, a line whose key no
// feature had: the first such line.
func (lt *longTexts) unmatched() error {
	for _, e := range lt.entries {
		if !e.featureSeen {
			return fileInvalid(lt.file, "", 0, FileLongTextUnmatched, map[string]any{"file": longTextName, "line": e.line, "key": e.key, "field": e.field},
				"%s: %s line %d: no feature of the shapefile has %s %s", lt.file, longTextName, e.line, lt.layer.Key, e.key)
		}
	}
	return nil
}
