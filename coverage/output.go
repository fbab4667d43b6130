package coverage

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"lianxin"
	"reflect"
	"strconv"
	"strings"
	"time"

	"lianxin/privacy"
)

// Formats the reports are written in.
const (
	FormatJSON    = "json"
	FormatCSV     = "csv"
	FormatGeoJSON = "geojson"
)

// utf8BOM starts every CSV so Excel reads its Chinese text as UTF-8.
const utf8BOM = "\xEF\xBB\xBF"

// WriteCSV writes a slice of report rows (structs) as CSV with a UTF-8 BOM:
// one column per JSON field, nested objects flattened as parent.child, lists
// joined with ";", nulls empty. A coverage share (a fraction, 0.1552) is
// followed by the same share as a percentage for a spreadsheet reader
// (coverage_percent, "15.52%"): the fraction stays for re-use.
func WriteCSV(w io.Writer, rows any) error {
	if ms, ok := rows.([]MemberRow); ok { // one column per week (members.go)
		return writeMembersCSV(w, ms)
	}
	v := reflect.ValueOf(rows)
	if v.Kind() != reflect.Slice {
		return fmt.Errorf("write CSV: %T is not a slice", rows)
	}
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	var header []string
	columns(v.Type().Elem(), "", &header)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for i := 0; i < v.Len(); i++ {
		rec = rec[:0]
		values(v.Index(i), &rec)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

var (
	timeType    = reflect.TypeOf(time.Time{})
	countType   = reflect.TypeOf(privacy.Count{})
	specialType = reflect.TypeOf(SpecialCounts{})
)

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

// flatStruct reports whether a struct is flattened into parent.child
// columns; a time and a published count are one cell each.
func flatStruct(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != timeType && t != countType
}

func columns(t reflect.Type, prefix string, out *[]string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && flatStruct(f.Type) {
			columns(f.Type, prefix, out)
			continue
		}
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		if flatStruct(f.Type) {
			columns(f.Type, prefix+name+".", out)
			continue
		}
		*out = append(*out, prefix+name)
		if isShare(name, f.Type) {
			*out = append(*out, prefix+name+PercentSuffix)
		}
	}
}

// PercentSuffix names the percentage column that follows a share's.
const PercentSuffix = "_percent"

// shareColumns are the report fields holding a coverage share (0..1).
var shareColumns = map[string]bool{"coverage": true, "coverage_if_visited": true, "coverage_before": true, "coverage_after": true,
	"ok_share": true} // the spot check's share of entries judged ok (package spotcheck)

func isShare(name string, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return shareColumns[name] && (t.Kind() == reflect.Float64 || t.Kind() == reflect.Float32)
}

// percentCell writes a share as a percentage with two decimals ("15.52%",
// which a spreadsheet reads as the number 0.1552); empty when null.
func percentCell(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	return strconv.FormatFloat(v.Float()*100, 'f', 2, 64) + "%"
}

func values(v reflect.Value, out *[]string) {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	if t == specialType { // a hidden group count reads its label ("hidden")
		sc := v.Interface().(SpecialCounts)
		for _, g := range Groups {
			*out = append(*out, sc.Published(g).String())
		}
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && flatStruct(f.Type) {
			values(v.Field(i), out)
			continue
		}
		name, ok := jsonName(f)
		if !ok {
			continue
		}
		if flatStruct(f.Type) {
			values(v.Field(i), out)
			continue
		}
		*out = append(*out, cell(v.Field(i)))
		if isShare(name, f.Type) {
			*out = append(*out, percentCell(v.Field(i)))
		}
	}
}

func cell(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = cell(v.Index(i))
		}
		return strings.Join(parts, ";")
	}
	if c, ok := v.Interface().(privacy.Count); ok {
		return c.String()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.Format(time.RFC3339)
	}
	b, _ := json.Marshal(v.Interface())
	return string(b)
}

// GeoJSON returns a FeatureCollection of rows placed at their village's
// point (lon, lat fields of GapRow), the row as the feature's properties.
func GeoJSON[T any](rows []T, at func(T) (lon, lat float64)) ([]byte, error) {
	type feature struct {
		Type       string `json:"type"`
		Geometry   any    `json:"geometry"`
		Properties T      `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: make([]feature, 0, len(rows))}
	for _, r := range rows {
		lon, lat := at(r)
		fc.Features = append(fc.Features, feature{Type: "Feature",
			Geometry:   map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
			Properties: r})
	}
	return json.Marshal(fc)
}

// ParseFormat checks a format against those a report offers.
func ParseFormat(s string, allowed ...string) (string, error) {
	if s == "" {
		return FormatJSON, nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", refuse(lianxin.EInvalid, "format", ReportReasonBadFormat, map[string]any{"value": s, "allowed": allowed},
		"format: %q is not one of %s", s, strings.Join(allowed, ", "))
}
