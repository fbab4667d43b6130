package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"lianxin"
	"lianxin/geo"
	"lianxin/tiles"
)

// What a town's offline package holds, the same from the web map's GIS view
// and from `lianxin export pmtiles --town` (GIS staff review, fault 7: the
// web package carried the county's hexagons over the town's whole box, the
// command line's the town's own share):
//
//   - every layer but h3: the town's own rows and figures (the tile filter
//     TownPackageFor gives);
//   - h3: the hexagons the map draws for the user who builds the package,
//     the county's (each counts the households of every town in it, so a
//     hexagon on the border is not the town's share) published as that
//     user's map publishes them, kept where the hexagon overlaps the town.
//     One town's share of a hexagon needs household access in the town
//     (export.CheckCellTown), which most of the package's users lack, so
//     the county's hexagons are the one meaning every user can be given.
//
// The package's description says so (townPackageDescription).

// townH3Note is what the package's description says of its h3 layer.
const townH3Note = "; layer h3: the county's hexagons that overlap the town, each counting the households of every town in it (not the town's share), as the map shows them"

// TileSource fetches one gzipped multi-layer tile of layers with filter (the
// tiles package's service, as the caller sees it).
type TileSource func(ctx context.Context, layers []*tiles.Layer, t geo.TileZXY, f tiles.Filter) ([]byte, error)

// TownTiles is the TileFunc of a town's package: layers other than h3 with
// filter (the town's), h3 without the town, its hexagons kept where they
// overlap shape (the town's boundary, lon/lat).
func TownTiles(src TileSource, layers []*tiles.Layer, filter tiles.Filter, shape orb.Geometry) TileFunc {
	var hex, rest []*tiles.Layer
	for _, l := range layers {
		if l.Name == tiles.H3 {
			hex = append(hex, l)
		} else {
			rest = append(rest, l)
		}
	}
	county := filter
	county.TownCode = ""
	overlaps := map[uint64]bool{} // by cell: the same hexagon comes in several tiles
	keep := func(cell uint64) bool {
		v, ok := overlaps[cell]
		if !ok {
			v = cellOverlaps(int64(cell), shape)
			overlaps[cell] = v
		}
		return v
	}
	return func(ctx context.Context, t geo.TileZXY) ([]byte, error) {
		var raw []byte
		if len(rest) > 0 {
			gz, err := src(ctx, rest, t, filter)
			if err != nil {
				return nil, err
			}
			if raw, err = gunzip(gz); err != nil {
				return nil, err
			}
		}
		if len(hex) > 0 {
			gz, err := src(ctx, hex, t, county)
			if err != nil {
				return nil, err
			}
			h, err := gunzip(gz)
			if err != nil {
				return nil, err
			}
			if h, err = keepFeatures(h, keep); err != nil {
				return nil, fmt.Errorf("h3 tile %s: %w", t, err)
			}
			// An MVT is a list of layers: two tiles' bytes end to end are
			// one tile with the layers of both.
			raw = append(raw, h...)
		}
		if len(raw) == 0 {
			return nil, nil
		}
		return Gzip(raw)
	}
}

// TownShape is the boundary of the town with code (lon/lat), read from the
// towns layer as scope sees it.
func (s *Service) TownShape(ctx context.Context, scope lianxin.Scope, code string) (orb.Geometry, error) {
	l, err := LookupLayer("towns")
	if err != nil {
		return nil, err
	}
	var shape orb.Geometry
	_, err = s.src.ExportRows(ctx, scope, l, Filter{Equals: map[string]string{"code": code}}, Page{Limit: 1}, func(r *Row) error {
		shape = r.Geom
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boundary of town %s: %w", code, err)
	}
	if shape == nil {
		return nil, lianxin.Refuse(lianxin.ENotFound, "town", ReasonTownUnknown, map[string]any{"town": code}, "town %q: no town with that code", code)
	}
	return shape, nil
}

// cellOverlaps tells whether the hexagon cell and shape share ground: a
// corner or the centre of one inside the other (hexagons are far smaller
// than towns, so an overlap without either is a sliver the map would not
// show).
func cellOverlaps(cell int64, shape orb.Geometry) bool {
	ring, err := geo.CellBoundary(cell)
	if err != nil || len(ring) == 0 {
		return false
	}
	in := func(p orb.Point) bool {
		switch g := shape.(type) {
		case orb.Polygon:
			return planar.PolygonContains(g, p)
		case orb.MultiPolygon:
			return planar.MultiPolygonContains(g, p)
		}
		return false
	}
	if in(ring.Bound().Center()) {
		return true
	}
	for _, p := range ring[0] {
		if in(p) {
			return true
		}
	}
	var corners []orb.Point
	switch g := shape.(type) {
	case orb.Polygon:
		for _, r := range g {
			corners = append(corners, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				corners = append(corners, r...)
			}
		}
	}
	for _, p := range corners {
		if planar.PolygonContains(ring, p) {
			return true
		}
	}
	return false
}

func gunzip(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// keepFeatures rewrites an MVT (protobuf: Tile.layers = 3; Layer.features
// = 2; Feature.id = 1) keeping the features whose id keep accepts, every
// other byte as it was; a layer left without features is dropped.
func keepFeatures(tile []byte, keep func(id uint64) bool) ([]byte, error) {
	var out []byte
	err := eachField(tile, func(num int, wire int, field, value []byte) error {
		if num != 3 || wire != 2 {
			out = append(out, field...)
			return nil
		}
		var layer []byte
		features := 0
		err := eachField(value, func(num int, wire int, field, value []byte) error {
			if num != 2 || wire != 2 {
				layer = append(layer, field...)
				return nil
			}
			var id uint64
			if err := eachField(value, func(num int, wire int, _, v []byte) error {
				if num == 1 && wire == 0 {
					id, _ = binary.Uvarint(v)
				}
				return nil
			}); err != nil {
				return err
			}
			if keep(id) {
				layer = append(layer, field...)
				features++
			}
			return nil
		})
		if err != nil || features == 0 {
			return err
		}
		out = protoBytes(out, 3, layer)
		return nil
	})
	return out, err
}

var errBadMVT = errors.New("malformed vector tile")

// eachField calls fn for each field of a protobuf message: its number, wire
// type, its whole bytes (key included) and its value (a varint's bytes, a
// length-delimited field's payload, a fixed field's bytes).
func eachField(msg []byte, fn func(num, wire int, field, value []byte) error) error {
	for i := 0; i < len(msg); {
		start := i
		key, n := binary.Uvarint(msg[i:])
		if n <= 0 {
			return errBadMVT
		}
		i += n
		var value []byte
		switch wire := int(key & 7); wire {
		case 0:
			_, n := binary.Uvarint(msg[i:])
			if n <= 0 {
				return errBadMVT
			}
			value = msg[i : i+n]
			i += n
		case 1, 5:
			size := 8
			if wire == 5 {
				size = 4
			}
			if i+size > len(msg) {
				return errBadMVT
			}
			value = msg[i : i+size]
			i += size
		case 2:
			l, n := binary.Uvarint(msg[i:])
			if n <= 0 || l > uint64(len(msg)-i-n) {
				return errBadMVT
			}
			i += n
			value = msg[i : i+int(l)]
			i += int(l)
		default:
			return errBadMVT
		}
		if err := fn(int(key>>3), int(key&7), msg[start:i], value); err != nil {
			return err
		}
	}
	return nil
}

// protoBytes appends a length-delimited field.
func protoBytes(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
