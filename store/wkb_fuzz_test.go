package store_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"lianxin/store"
)

// wkbHeader is a little-endian WKB header of the given type, followed by
// the given uint32 counts.
func wkbHeader(kind uint32, counts ...uint32) []byte {
	b := []byte{1}
	b = binary.LittleEndian.AppendUint32(b, kind)
	for _, n := range counts {
		b = binary.LittleEndian.AppendUint32(b, n)
	}
	return b
}

// hostileWKB are values whose headers declare far more than they hold, or
// nest without end: decoders that believe them allocate or recurse by them.
func hostileWKB() map[string][]byte {
	nested := []byte{}
	for range 200 {
		nested = append(nested, wkbHeader(7, 1)...)
	}
	nested = append(nested, wkbHeader(7, 0)...)
	return map[string][]byte{
		"line string of 4 billion points":       append(wkbHeader(2, 0xFFFFFFFF), make([]byte, 16)...),
		"polygon of 4 billion rings":            wkbHeader(3, 0xFFFFFFFF, 4),
		"ring of 4 billion points":              append(wkbHeader(3, 1, 0xFFFFFFFF), make([]byte, 32)...),
		"multipolygon of 4 billion polygons":    wkbHeader(6, 0xFFFFFFFF),
		"multipoint of 100 million points":      append(wkbHeader(4, 100_000_000), make([]byte, 21)...),
		"collection of 4 billion geometries":    wkbHeader(7, 0xFFFFFFFF),
		"collections nested 200 deep":           nested,
		"big-endian polygon of 2 billion rings": {0, 0, 0, 0, 3, 0x7F, 0xFF, 0xFF, 0xFF},
	}
}

// TestDecodeWKBRefusesHugeCounts: each hostile value is refused by the
// header check, before the decoder runs, and refusing it allocates next to
// nothing.
func TestDecodeWKBRefusesHugeCounts(t *testing.T) {
	for name, b := range hostileWKB() {
		t.Run(name, func(t *testing.T) {
			g, err := store.DecodeWKB(b)
			if err == nil || !strings.Contains(err.Error(), "refused WKB") {
				t.Fatalf("DecodeWKB(%d bytes) = %v, %v; want the header check's refusal", len(b), g, err)
			}
			if allocs := testing.AllocsPerRun(20, func() { _, _ = store.DecodeWKB(b) }); allocs > 8 {
				t.Fatalf("refusing %d bytes took %.0f allocations; want a handful (the error)", len(b), allocs)
			}
		})
	}
}

// validWKB are geometries as PostGIS writes them.
func validWKB(t testing.TB) [][]byte {
	ring := orb.Ring{{120, 32}, {120.1, 32}, {120.1, 32.1}, {120, 32}}
	var out [][]byte
	for _, g := range []orb.Geometry{
		orb.Point{120.02, 32.13},
		orb.LineString{{120, 32}, {120.1, 32.1}},
		orb.Polygon{ring},
		orb.MultiPolygon{{ring}, {ring}},
		orb.MultiPoint{{120, 32}, {121, 33}},
		orb.MultiLineString{{{120, 32}, {120.1, 32.1}}},
		orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{1, 2}, {3, 4}}}},
	} {
		b, err := wkb.Marshal(g, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestDecodeWKBReadsValidGeometries(t *testing.T) {
	for _, b := range validWKB(t) {
		g, err := store.DecodeWKB(b)
		if err != nil {
			t.Fatalf("DecodeWKB(% x): %v, want a geometry", b, err)
		}
		again, err := wkb.Marshal(g, binary.LittleEndian)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("DecodeWKB(% x) = %v, which encodes as % x (%v); want the same bytes", b, g, again, err)
		}
	}
}

// FuzzDecodeWKB: no input panics or hangs the decoder, and whatever it
// accepts encodes back to bytes that decode to the same geometry.
func FuzzDecodeWKB(f *testing.F) {
	for _, b := range validWKB(f) {
		f.Add(b)
	}
	for _, b := range hostileWKB() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := store.DecodeWKB(b)
		if err != nil {
			return
		}
		enc, err := wkb.Marshal(g, binary.LittleEndian)
		if err != nil {
			return // orb decodes some shapes (an empty point) it does not encode
		}
		g2, err := store.DecodeWKB(enc)
		if err != nil {
			t.Fatalf("re-encoded %v as % x, which does not decode: %v", g, enc, err)
		}
		if enc2, _ := wkb.Marshal(g2, binary.LittleEndian); !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip changed the geometry: % x became % x", enc, enc2)
		}
	})
}
