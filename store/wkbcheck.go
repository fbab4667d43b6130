package store

import (
	"encoding/binary"
	"fmt"
)

// maxWKBDepth bounds nested geometry collections: PostGIS writes none
// deeper than a few levels, and each level is a stack frame of the decoder.
const maxWKBDepth = 32

// checkWKB walks the headers of a WKB geometry without allocating and
// refuses one whose declared element counts cannot fit in its bytes (a
// "polygon of four billion rings" in 13 bytes), whose collections nest too
// deep, or which ends early or goes on after its geometry. Decoders that
// trust such counts allocate or recurse by them; this runs first, so a
// hostile or corrupt value costs a scan of its bytes, never more.
func checkWKB(b []byte) error {
	rest, err := checkWKBGeometry(b, 0)
	if err != nil {
		return fmt.Errorf("refused WKB of %d bytes: %w", len(b), err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("refused WKB of %d bytes: %d bytes after the geometry", len(b), len(rest))
	}
	return nil
}

// checkWKBGeometry checks one geometry at the start of b and returns the
// bytes after it.
func checkWKBGeometry(b []byte, depth int) ([]byte, error) {
	if depth > maxWKBDepth {
		return nil, fmt.Errorf("collections nested deeper than %d", maxWKBDepth)
	}
	if len(b) < 5 {
		return nil, fmt.Errorf("header cut short")
	}
	var order binary.ByteOrder
	switch b[0] {
	case 0:
		order = binary.BigEndian
	case 1:
		order = binary.LittleEndian
	default:
		return nil, fmt.Errorf("byte order %d is neither 0 nor 1", b[0])
	}
	kind := order.Uint32(b[1:5])
	b = b[5:]
	if kind&0x20000000 != 0 { // EWKB with an SRID
		if len(b) < 4 {
			return nil, fmt.Errorf("SRID cut short")
		}
		kind &^= 0x20000000
		b = b[4:]
	}
	if kind&0xC0000000 != 0 || kind >= 1000 {
		return nil, fmt.Errorf("geometry type %#x has Z or M coordinates; only 2D is read", kind)
	}
	const point = 16 // two float64
	count := func(min int) (int, error) {
		if len(b) < 4 {
			return 0, fmt.Errorf("element count cut short")
		}
		n := order.Uint32(b[:4])
		b = b[4:]
		if uint64(n)*uint64(min) > uint64(len(b)) {
			return 0, fmt.Errorf("%d elements declared, %d bytes left for them (at least %d each)", n, len(b), min)
		}
		return int(n), nil
	}
	points := func() error {
		n, err := count(point)
		if err != nil {
			return err
		}
		b = b[n*point:]
		return nil
	}
	switch kind {
	case 1: // point
		if len(b) < point {
			return nil, fmt.Errorf("point cut short")
		}
		return b[point:], nil
	case 2: // line string
		return b, points()
	case 3: // polygon: rings of points
		n, err := count(4)
		if err != nil {
			return nil, err
		}
		for range n {
			if err := points(); err != nil {
				return nil, err
			}
		}
		return b, nil
	case 4, 5, 6, 7: // multi point, multi line string, multi polygon, collection
		least := 5 + 4 // a header and an element count
		if kind == 4 {
			least = 5 + point
		}
		n, err := count(least)
		if err != nil {
			return nil, err
		}
		for range n {
			if b, err = checkWKBGeometry(b, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	default:
		return nil, fmt.Errorf("geometry type %d unknown", kind)
	}
}
