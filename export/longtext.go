package export

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// A .dbf text field holds at most 254 bytes, and GDAL cuts a longer value
// there with a warning nobody reads: a 312-character diary note kept 127
// characters in a GBK shapefile and 84 in a UTF-8 one (three bytes a
// Chinese character). GIS staff need the whole text and need to know a
// value was cut. So the cut is never silent: every value longer than the
// .dbf holds goes whole into longtext.csv inside the zip (the feature's
// key, the field, the full text), fields.csv says of each field how many
// values were cut and where the rest is. The .dbf keeps its cut value, so
// ArcGIS and QGIS open the shapefile as before and join the side table on
// the key when they need the whole text.

// dbfTextBytes is the most a .dbf text field holds.
const dbfTextBytes = 254

// longTextName is the side table's name inside a shapefile zip.
const longTextName = "longtext.csv"

// longText passes rows on to next and writes each text value longer than a
// .dbf holds, in the shapefile's encoding, to the side table.
type longText struct {
	layer  *Layer
	next   rowWriter
	keyAt  int    // the field naming a feature to people: code or external_id; -1: the id
	key    string // its name
	gbk    *encoding.Encoder
	path   string
	f      *os.File
	w      *bufio.Writer
	counts map[string]int // values cut, by field
}

func newLongText(l *Layer, req Request, dir string, next rowWriter, counts map[string]int) *longText {
	lt := &longText{layer: l, next: next, path: filepath.Join(dir, longTextName), counts: counts}
	lt.keyAt, lt.key = featureKey(l)
	if req.Encoding == GBK {
		lt.gbk = simplifiedchinese.GBK.NewEncoder()
	}
	return lt
}

// featureKey is the field people know a feature by — its code, or for
// households and visits the external id (户编号, 日记编号) — and its name;
// -1 and "id" for a layer with neither (lianxin's own id).
func featureKey(l *Layer) (int, string) {
	names := l.FieldNames()
	for _, k := range []string{"code", "external_id"} {
		if i := slices.Index(names, k); i >= 0 {
			return i, k
		}
	}
	return -1, "id"
}

// keyOf is r's value of the key field, or its id.
func keyOf(r *Row, keyAt int) string {
	if keyAt >= 0 {
		if s, ok := r.Values[keyAt].(string); ok && s != "" {
			return s
		}
	}
	return strconv.FormatInt(r.ID, 10)
}

func (lt *longText) begin() error { return lt.next.begin() }

func (lt *longText) row(r *Row) error {
	for i, v := range r.Values {
		s, ok := v.(string)
		if !ok || len(s) <= dbfTextBytes || lt.fits(s) {
			continue
		}
		if lt.w == nil {
			f, err := os.Create(lt.path)
			if err != nil {
				return fmt.Errorf("long text side table: %w", err)
			}
			lt.f, lt.w = f, bufio.NewWriter(f)
			fmt.Fprintf(lt.w, "\ufeff%s,field,text\r\n", lt.key)
		}
		name := lt.layer.Fields[i].Name
		lt.counts[name]++
		b := appendCSVString(nil, keyOf(r, lt.keyAt), true)
		b = append(b, ',')
		b = appendCSVString(b, name, false)
		b = append(b, ',')
		b = appendCSVString(b, s, true)
		b = append(b, '\r', '\n')
		if _, err := lt.w.Write(b); err != nil {
			return fmt.Errorf("long text side table: %w", err)
		}
	}
	return lt.next.row(r)
}

// fits reports whether s, longer than the .dbf holds in UTF-8, holds in
// GBK (two bytes a Chinese character where UTF-8 takes three). Text GBK
// cannot hold is refused by the gbkGuard, not measured here.
func (lt *longText) fits(s string) bool {
	if lt.gbk == nil {
		return false
	}
	b, err := lt.gbk.String(s)
	return err == nil && len(b) <= dbfTextBytes
}

func (lt *longText) end() error { return lt.next.end() }

// close finishes the side table; the zip takes it when it exists.
func (lt *longText) close() error {
	if lt.w == nil {
		return nil
	}
	if err := lt.w.Flush(); err != nil {
		lt.f.Close()
		return fmt.Errorf("long text side table: %w", err)
	}
	return lt.f.Close()
}
