package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
)

// geojsonDecoder streams features from a GeoJSON FeatureCollection (one
// feature decoded at a time, however the file is laid out) or from
// newline-delimited GeoJSON (GeoJSONSeq, RFC 8142 record separators allowed).
type geojsonDecoder struct {
	dec   *json.Decoder
	lim   *byteLimiter
	layer *Layer
	file  string
	seq   bool // newline-delimited
	n     int64
	done  bool
	// headerChecked: the first feature's properties are checked against
	// the layer once, like a CSV header.
	headerChecked bool
	// fields caches which layer field a property key gives (-1: none).
	fields map[string]int
	props  []span
	// personal is set once a feature has a household personal property.
	personal bool
	// typed maps each field the first feature's properties give to the
	// property's name as the file spelled it (户编号), for rejects. Written
	// once, with the first feature, before its batch reaches the stream.
	typed map[string]string
	// columns are the first feature's property names as the file spelled
	// them (a shapefile's .dbf columns).
	columns []string
	// long restores a Shapefile zip's values cut at the .dbf's 254 bytes
	// from its longtext.csv (longtext.go); nil without one.
	long *longTexts
}

// feature is a GeoJSON feature as read: properties stay raw so that long
// numeric codes keep every digit.
type feature struct {
	Type       string                     `json:"type"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func newGeoJSONDecoder(r *bufio.Reader, layer *Layer, file string, maxRowBytes int64) (*geojsonDecoder, error) {
	d := &geojsonDecoder{layer: layer, file: file}
	head, _ := r.Peek(sniffBytes)
	trimmed := bytes.TrimLeft(head, " \t\r\n\x1e")
	if len(trimmed) == 0 {
		return nil, fileInvalid(file, "feature", 0, FileEmpty, nil, "%s is empty: want a GeoJSON FeatureCollection or one feature per line", file)
	}
	if trimmed[0] != '{' {
		return nil, fileInvalid(file, "feature", 0, FileNotGeoJSON, nil, "%s is not GeoJSON: it does not start with '{'", file)
	}
	d.seq = isFeatureLine(trimmed)
	d.lim = &byteLimiter{r: &rsStripper{r: r}, limit: maxRowBytes}
	d.dec = json.NewDecoder(d.lim)
	if !d.seq {
		if err := d.openCollection(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// isFeatureLine reports whether the first line is a whole Feature object:
// then the file is newline-delimited.
func isFeatureLine(b []byte) bool {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	var probe struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Type == "Feature"
}

// openCollection reads up to the first feature of the "features" array,
// skipping (bounded) members before it.
func (d *geojsonDecoder) openCollection() error {
	if _, err := d.expectDelim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		key, err := d.dec.Token()
		if err != nil {
			return d.fatal(err)
		}
		k, _ := key.(string)
		if k == "features" {
			_, err := d.expectDelim('[')
			return err
		}
		var skip json.RawMessage
		if err := d.dec.Decode(&skip); err != nil {
			return d.fatal(err)
		}
		if k == "type" && string(skip) != `"FeatureCollection"` {
			return fileInvalid(d.file, "feature", 0, FileGeoJSONType, map[string]any{"type": strings.Trim(string(skip), `"`)}, "%s: GeoJSON of type %s; want a FeatureCollection or one feature per line", d.file, skip)
		}
		d.lim.reset()
	}
	return fileInvalid(d.file, "feature", 0, FileNoFeaturesMember, nil, "%s: a GeoJSON object without \"features\"", d.file)
}

func (d *geojsonDecoder) expectDelim(want json.Delim) (json.Delim, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return 0, d.fatal(err)
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		return 0, fileInvalid(d.file, "feature", d.n+1, FileBadJSON, map[string]any{"feature": d.n + 1, "byte": d.lim.total},
			"%s feature %d: want %q, found %v", d.file, d.n+1, want, tok)
	}
	return want, nil
}

func (d *geojsonDecoder) unit() string { return "feature" }

func (d *geojsonDecoder) next() (*raw, error) {
	if d.done {
		return nil, io.EOF
	}
	d.lim.reset()
	if !d.dec.More() {
		if !d.seq {
			// The closing ']' and '}' must be there, or the file was cut.
			if _, err := d.expectDelim(']'); err != nil {
				return nil, err
			}
			if _, err := d.expectDelim('}'); err != nil {
				return nil, err
			}
		}
		if d.long != nil {
			if err := d.long.unmatched(); err != nil {
				return nil, err
			}
		}
		d.done = true
		return nil, io.EOF
	}
	var msg json.RawMessage
	if err := d.dec.Decode(&msg); err != nil {
		return nil, d.fatal(err)
	}
	d.n++
	r, err := d.featureRow(d.n, msg)
	if d.long != nil && r != nil {
		if !d.long.bound && d.headerChecked { // the columns are known
			if berr := d.long.bind(d.columns); berr != nil {
				return nil, berr
			}
		}
		if lerr := d.long.restore(r, d.n, err == nil); lerr != nil {
			return nil, lerr
		}
	}
	return r, err
}

// featureRow turns one feature's JSON into a raw row. Exposed to the fuzz
// test through decodeFeature.
func (d *geojsonDecoder) featureRow(n int64, msg json.RawMessage) (*raw, error) {
	r := &raw{line: n, vals: make([]string, len(d.layer.Fields)), record: msg}
	typ, props, geom, ok := fastFeature(msg, d.props)
	if !ok || string(typ) != "Feature" {
		return d.slowFeatureRow(r, n, msg)
	}
	d.props = props
	if !d.headerChecked {
		d.headerChecked = true
		keys := make([]string, len(props))
		for i, p := range props {
			keys[i] = string(p.key)
		}
		if err := d.checkProperties(keys); err != nil {
			return nil, err
		}
	}
	for _, p := range props {
		fi, ok := d.field(p.key)
		if !ok {
			continue
		}
		s, err := fastPropertyText(p.value)
		if err != nil {
			e := d.rowErr(n, d.layer.Fields[fi].Name, err.Error())
			e.Code, e.Params = codeOf(err)
			return r, e
		}
		r.vals[fi] = s
	}
	return d.geometry(r, n, geom)
}

// field finds the layer field a property names, remembering the answer:
// the same few keys repeat on every feature.
func (d *geojsonDecoder) field(key []byte) (int, bool) {
	if fi, ok := d.fields[string(key)]; ok {
		return fi, fi >= 0
	}
	fi, ok := d.layer.matchField(string(key))
	if !ok {
		fi = -1
	}
	if d.fields == nil {
		d.fields = make(map[string]int)
	}
	if len(d.fields) < 1024 {
		d.fields[string(key)] = fi
	}
	if ok && d.layer.Fields[fi].Personal {
		d.personal = true
	}
	return fi, ok
}

// slowFeatureRow decodes a feature the fast path passed over, with
// encoding/json, and says what is wrong with it.
func (d *geojsonDecoder) slowFeatureRow(r *raw, n int64, msg json.RawMessage) (*raw, error) {
	var f feature
	if err := json.Unmarshal(msg, &f); err != nil {
		e := d.rowErr(n, "", "not a GeoJSON feature: "+err.Error())
		e.Code, e.Params = CodeBadFeature, featureErrParams(err)
		return r, e
	}
	if f.Type != "Feature" {
		e := d.rowErr(n, "type", fmt.Sprintf("type %q, want Feature", f.Type))
		e.Code, e.Params = CodeNotFeature, map[string]any{"got": f.Type}
		return r, e
	}
	if !d.headerChecked {
		d.headerChecked = true
		keys := make([]string, 0, len(f.Properties))
		for k := range f.Properties {
			keys = append(keys, k)
		}
		if err := d.checkProperties(keys); err != nil {
			return nil, err
		}
	}
	for k, v := range f.Properties {
		fi, ok := d.field([]byte(k))
		if !ok {
			continue
		}
		s, err := propertyText(v)
		if err != nil {
			e := d.rowErr(n, d.layer.Fields[fi].Name, err.Error())
			e.Code, e.Params = codeOf(err)
			return r, e
		}
		r.vals[fi] = s
	}
	return d.geometry(r, n, f.Geometry)
}

// geometry reads a feature's geometry: a Point directly, anything else
// with orb's GeoJSON decoder.
func (d *geojsonDecoder) geometry(r *raw, n int64, g []byte) (*raw, error) {
	if len(g) == 0 || string(g) == "null" {
		return r, nil
	}
	if d.layer.Geom == NoGeom {
		return r, nil
	}
	if p, ok := fastPoint(g); ok {
		r.geom = p
		return r, nil
	}
	geom, err := geojson.UnmarshalGeometry(g)
	if err != nil {
		e := d.rowErr(n, "geometry", "not a GeoJSON geometry: "+err.Error())
		e.Code, e.Params = CodeBadGeoJSONGeometry, map[string]any{"type": geometryType(g)}
		return r, e
	}
	if geom.Coordinates == nil {
		e := d.rowErr(n, "geometry", "geometry without coordinates")
		e.Code, e.Params = CodeBadGeoJSONGeometry, map[string]any{"type": geometryType(g)}
		return r, e
	}
	r.geom = geom.Coordinates
	return r, nil
}

// checkProperties treats the first feature's property names as a header:
// required fields must be there. Unknown properties are common in GIS files
// (OBJECTID, Shape_Area) and are ignored.
func (d *geojsonDecoder) checkProperties(keys []string) error {
	found := make(map[int]bool)
	d.columns = keys
	d.typed = make(map[string]string, len(keys))
	for _, k := range keys {
		if fi, ok := d.layer.matchField(k); ok {
			found[fi] = true
			d.typed[d.layer.Fields[fi].Name] = k
		}
	}
	var missing []string
	for fi, f := range d.layer.Fields {
		if f.Required && !found[fi] {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		return fileInvalid(d.file, "feature", 1, FileMissingProps, map[string]any{"columns": missing}, "%s feature 1: properties lack %s (they name the columns, as a CSV header does)",
			d.file, strings.Join(missing, ", "))
	}
	return nil
}

// propertyText gives a property's value as text: strings unquoted, numbers
// with every digit, booleans as true/false, null as empty.
func propertyText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return "", coded(CodeNotAValue, map[string]any{"value": valueStart(string(v))}, "an object or array where a value belongs")
	}
	s := string(v)
	if s == "true" || s == "false" {
		return s, nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", coded(CodeNotAValue, map[string]any{"value": valueStart(s)}, "%q is not a value", s)
	}
	return s, nil
}

// featureErrParams are CodeBadFeature's parameters for why a feature did
// not decode: the member of the wrong kind and the kind found.
func featureErrParams(err error) map[string]any {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		member := te.Field
		if member == "" {
			member = "Feature"
		}
		got, _, _ := strings.Cut(te.Value, " ") // "number 1.5" is a number
		return map[string]any{"member": member, "got": got}
	}
	return map[string]any{"member": "Feature", "got": ""}
}

// geometryType is the type a GeoJSON geometry says it is, for a reject:
// "" when it says none.
func geometryType(g []byte) string {
	var probe struct {
		Type any `json:"type"`
	}
	if json.Unmarshal(g, &probe) != nil || probe.Type == nil {
		return ""
	}
	return valueStart(fmt.Sprint(probe.Type))
}

func (d *geojsonDecoder) rowErr(n int64, field, reason string) *RowError {
	return &RowError{File: d.file, Unit: "feature", Line: n, Field: field, Reason: reason}
}

func (d *geojsonDecoder) fatal(err error) error {
	at := d.n + 1
	switch {
	case errors.Is(err, errLineTooLong):
		return fileInvalid(d.file, "feature", at, FileFeatureTooLarge, map[string]any{"feature": at}, "%s feature %d: larger than the row limit; is this the right file?", d.file, at)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fileInvalid(d.file, "feature", at, FileTruncated, map[string]any{"feature": at}, "%s feature %d: the file ends in the middle of the GeoJSON (truncated?)", d.file, at)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fileInvalid(d.file, "feature", at, FileBadJSON, map[string]any{"feature": at, "byte": d.lim.total}, "%s feature %d: not valid JSON at byte %d: %v", d.file, at, d.lim.total, se)
	}
	return wrapRead(d.file, err)
}

// rsStripper drops RFC 8142 record separators (0x1E), which json.Decoder
// would reject, so GeoJSON text sequences read like newline-delimited files.
type rsStripper struct{ r io.Reader }

func (s *rsStripper) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		// Most files hold no separator: one vectorised search, no copy.
		if bytes.IndexByte(p[:n], 0x1e) < 0 {
			return n, err
		}
		j := 0
		for i := 0; i < n; i++ {
			if p[i] != 0x1e {
				p[j] = p[i]
				j++
			}
		}
		if j > 0 || err != nil || n == 0 {
			return j, err
		}
	}
}
