package ingest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The fast path of the GeoJSON decoder. A feature reaches it as JSON that
// encoding/json's Decoder has already checked, so this walk may assume
// well-formed JSON: it finds the feature's type, the spans of its
// properties and of its geometry without building a map per feature, and
// reads a Point's two coordinates directly. Anything it does not expect
// (a "type" that is not a string, properties that are not an object) sends
// the feature down the general path, which gives the error messages.

// span is one property as it appears in the feature's JSON: the key's
// bytes (unquoted; keys with escapes are decoded) and the value's raw bytes.
type span struct {
	key, value []byte
}

// fastFeature splits a checked feature object into its type, properties
// and geometry. props reuses buf. ok is false when the general path should
// decide.
func fastFeature(msg []byte, buf []span) (typ []byte, props []span, geom []byte, ok bool) {
	w := walker{b: msg}
	if !w.byte('{') {
		return nil, nil, nil, false
	}
	props = buf[:0]
	for first := true; ; first = false {
		w.space()
		if w.peek() == '}' {
			break
		}
		if !first && !w.byte(',') {
			return nil, nil, nil, false
		}
		key, kok := w.str()
		if !kok || !w.byte(':') {
			return nil, nil, nil, false
		}
		w.space()
		start := w.i
		switch string(key) {
		case "type":
			if w.peek() != '"' {
				return nil, nil, nil, false
			}
			t, tok := w.str()
			if !tok {
				return nil, nil, nil, false
			}
			typ = t
		case "properties":
			switch w.peek() {
			case 'n':
				w.skip()
				props = props[:0]
			case '{':
				props = props[:0]
				if props, ok = w.object(props); !ok {
					return nil, nil, nil, false
				}
			default:
				return nil, nil, nil, false
			}
		case "geometry":
			w.skip()
			geom = msg[start:w.i]
		default:
			w.skip()
		}
	}
	return typ, props, geom, true
}

// walker walks JSON already known to be well formed.
type walker struct {
	b []byte
	i int
}

func (w *walker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

func (w *walker) peek() byte {
	w.space()
	if w.i < len(w.b) {
		return w.b[w.i]
	}
	return 0
}

func (w *walker) byte(c byte) bool {
	if w.peek() != c {
		return false
	}
	w.i++
	return true
}

// str reads a string; one with escapes is decoded by encoding/json.
func (w *walker) str() ([]byte, bool) {
	if !w.byte('"') {
		return nil, false
	}
	start, escaped := w.i, false
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case '\\':
			escaped = true
			w.i += 2
			continue
		case '"':
			raw := w.b[start:w.i]
			w.i++
			if !escaped && utf8.Valid(raw) {
				return raw, true
			}
			var s string
			if err := json.Unmarshal(w.b[start-1:w.i], &s); err != nil {
				return nil, false
			}
			return []byte(s), true
		}
		w.i++
	}
	return nil, false
}

// skip passes over one value of any kind.
func (w *walker) skip() {
	w.space()
	depth := 0
	for w.i < len(w.b) {
		switch c := w.b[w.i]; c {
		case '"':
			w.i++
			for w.i < len(w.b) && w.b[w.i] != '"' {
				if w.b[w.i] == '\\' {
					w.i++
				}
				w.i++
			}
			w.i++
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return // the end of the object or array around a scalar
			}
			depth--
			if depth == 0 {
				w.i++
				return
			}
		case ',', ' ', '\t', '\r', '\n', ':':
			if depth == 0 {
				return
			}
		}
		w.i++
	}
}

// object reads a properties object into spans.
func (w *walker) object(props []span) ([]span, bool) {
	w.byte('{')
	for first := true; ; first = false {
		if w.peek() == '}' {
			w.i++
			return props, true
		}
		if !first && !w.byte(',') {
			return nil, false
		}
		key, ok := w.str()
		if !ok || !w.byte(':') {
			return nil, false
		}
		w.space()
		start := w.i
		w.skip()
		props = append(props, span{key: key, value: w.b[start:w.i]})
	}
}

// fastPoint reads {"type": "Point", "coordinates": [x, y]} in either key
// order, with nothing else in it; ok is false for anything else.
func fastPoint(g []byte) (orb.Point, bool) {
	w := walker{b: g}
	if !w.byte('{') {
		return orb.Point{}, false
	}
	var p orb.Point
	seenType, seenCoords := false, false
	for first := true; ; first = false {
		if w.peek() == '}' {
			w.i++
			break
		}
		if !first && !w.byte(',') {
			return orb.Point{}, false
		}
		key, ok := w.str()
		if !ok || !w.byte(':') {
			return orb.Point{}, false
		}
		switch string(key) {
		case "type":
			t, ok := w.str()
			if !ok || string(t) != "Point" {
				return orb.Point{}, false
			}
			seenType = true
		case "coordinates":
			if !w.byte('[') {
				return orb.Point{}, false
			}
			for k := 0; k < 2; k++ {
				if k == 1 && !w.byte(',') {
					return orb.Point{}, false
				}
				w.space()
				start := w.i
				for w.i < len(w.b) && bytes.IndexByte([]byte("+-.0123456789eE"), w.b[w.i]) >= 0 {
					w.i++
				}
				v, err := strconv.ParseFloat(string(w.b[start:w.i]), 64)
				if err != nil {
					return orb.Point{}, false
				}
				p[k] = v
			}
			if !w.byte(']') {
				return orb.Point{}, false // a third ordinate, or more
			}
			seenCoords = true
		default:
			return orb.Point{}, false
		}
	}
	return p, seenType && seenCoords
}

// fastPropertyText is propertyText without a decode for plain strings.
func fastPropertyText(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		return string(v[1 : len(v)-1]), nil
	}
	return propertyText(v)
}
