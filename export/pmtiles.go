package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/tiles"
)

// TileFunc returns one tile of every vector layer, as gzipped MVT, or nil
// when the tile is empty (the tiles package's service gives these).
type TileFunc func(ctx context.Context, t geo.TileZXY) ([]byte, error)

// PMTilesOptions says what goes into an offline package.
type PMTilesOptions struct {
	Bound            orb.Bound // lon/lat area covered
	MinZoom, MaxZoom int       // the zooms asked; the header says those of the tiles written
	// Metadata is the archive's JSON metadata (name, description, ...).
	Metadata map[string]any
	// Layers are the vector layers the tiles hold: the metadata's
	// vector_layers, each layer's zooms within those of the tiles written.
	// None leaves Metadata's vector_layers as given.
	Layers []PackageLayer
	// Window, when set, is the window [From, To) whose visits the windowed
	// layers' figures count: the metadata's "window".
	Window *coverage.Window
}

// PackageLayer is one vector layer of a package, for its metadata.
type PackageLayer struct {
	ID, Description  string
	MinZoom, MaxZoom int
	Fields           map[string]string // name → TileJSON type
	// Windowed layers' figures count the visits of the window.
	Windowed bool
}

// PackageLayers describes tile layers for a package's metadata.
func PackageLayers(ls []*tiles.Layer) []PackageLayer {
	out := make([]PackageLayer, 0, len(ls))
	for _, l := range ls {
		fields := map[string]string{}
		for _, f := range l.Fields {
			fields[f.Name] = f.Type
		}
		out = append(out, PackageLayer{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
			Fields: fields, Windowed: l.Windowed})
	}
	return out
}

// TownPackageFor is town's offline package as the API and the command
// line build it: one window for every tile, the campaign until the end of
// now's day (the web map's default), the tile filter that asks for the
// town's tiles with that window, and the package's options (see
// townPackageOptions), whose description says "synthetic demo data" when
// the campaign is synthetic. who names the user the package is built for
// ("" for none).
func TownPackageFor(cp coverage.Campaign, townName, town, who string, bound orb.Bound, minZoom, maxZoom int,
	layers []*tiles.Layer, now time.Time) (PMTilesOptions, tiles.Filter) {
	w := coverage.DefaultWindow(cp.StartsOn, now)
	opt := townPackageOptions(townName, town, who, bound, minZoom, maxZoom, layers, w)
	if cp.Synthetic {
		opt.Metadata["description"] = fmt.Sprint(opt.Metadata["description"], "; synthetic demo data")
	}
	return opt, tiles.Filter{TownCode: town, From: w.From, To: w.To}
}

// townPackageOptions are the options of town's offline package: its box,
// the zooms asked, the layers it holds and the window their figures count
// (the tiles must be asked for with that window, so that the metadata
// says what they hold).
func townPackageOptions(townName, town, who string, bound orb.Bound, minZoom, maxZoom int, layers []*tiles.Layer, w coverage.Window) PMTilesOptions {
	desc := "Offline map package of town " + town + " (lianxin)"
	if who != "" {
		desc += ", as " + who + " sees it"
	}
	desc += "; coverage figures count the visits from " + w.From.Format(coverage.DayLayout) +
		" up to, not including, " + w.To.Format(coverage.DayLayout) + " (days in UTC+8)"
	if slices.ContainsFunc(layers, func(l *tiles.Layer) bool { return l.Name == tiles.H3 }) {
		desc += townH3Note // what h3 holds here (townpackage.go)
	}
	name := "lianxin " + town
	if townName != "" {
		name = "lianxin " + townName + " " + town
	}
	return PMTilesOptions{Bound: bound, MinZoom: minZoom, MaxZoom: maxZoom,
		Metadata: map[string]any{"name": name, "description": desc},
		Layers:   PackageLayers(layers), Window: &w}
}

// metadata is the archive's JSON metadata: o.Metadata, with vector_layers
// from o.Layers at the zooms minZ..maxZ of the tiles written, and the
// window.
func (o PMTilesOptions) metadata(minZ, maxZ int) map[string]any {
	meta := make(map[string]any, len(o.Metadata)+2)
	for k, v := range o.Metadata {
		meta[k] = v
	}
	if len(o.Layers) > 0 {
		var vl []map[string]any
		var windowed []string
		for _, l := range o.Layers {
			lo, hi := max(l.MinZoom, minZ), min(l.MaxZoom, maxZ)
			if lo > hi {
				continue // none of its zooms was written
			}
			vl = append(vl, map[string]any{"id": l.ID, "description": l.Description,
				"minzoom": lo, "maxzoom": hi, "fields": l.Fields})
			if l.Windowed {
				windowed = append(windowed, l.ID)
			}
		}
		meta["vector_layers"] = vl
		if o.Window != nil {
			meta["window"] = map[string]any{
				"from": o.Window.From.Format(coverage.DayLayout), "to": o.Window.To.Format(coverage.DayLayout),
				"description": "the visits the layers " + strings.Join(windowed, ", ") +
					" count: from the day `from` up to, not including, the day `to`, days in UTC+8",
				"layers": windowed,
			}
		}
	}
	return meta
}

// WritePMTiles writes a PMTiles v3 archive of the tiles covering
// o.Bound at o.MinZoom..o.MaxZoom to w. Tiles are fetched one at a time in
// tile-id order and their bytes go to a temporary file, so memory holds the
// directory only. The header's zooms are those of the tiles written (an
// empty zoom is not claimed), as are the metadata's layers'. It returns the
// number of non-empty tiles written.
func WritePMTiles(ctx context.Context, w io.Writer, tile TileFunc, o PMTilesOptions) (int, error) {
	if o.MinZoom < 0 || o.MaxZoom > 20 || o.MinZoom > o.MaxZoom {
		return 0, fmt.Errorf("pmtiles zooms %d..%d: want 0 <= min <= max <= 20", o.MinZoom, o.MaxZoom)
	}
	type addr struct {
		id uint64
		t  geo.TileZXY
	}
	var addrs []addr
	for z := o.MinZoom; z <= o.MaxZoom; z++ {
		nw := maptile.At(orb.Point{o.Bound.Min[0], o.Bound.Max[1]}, maptile.Zoom(z))
		se := maptile.At(orb.Point{o.Bound.Max[0], o.Bound.Min[1]}, maptile.Zoom(z))
		for x := nw.X; x <= se.X; x++ {
			for y := nw.Y; y <= se.Y; y++ {
				addrs = append(addrs, addr{pmtiles.ZxyToID(uint8(z), x, y), geo.TileZXY{Z: uint32(z), X: x, Y: y}})
			}
		}
	}
	slices.SortFunc(addrs, func(a, b addr) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})

	data, err := os.CreateTemp("", "lianxin-pmtiles-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(data.Name())
	defer data.Close()
	var entries []pmtiles.EntryV3
	var offset uint64
	minZ, maxZ := o.MaxZoom, o.MinZoom // of the tiles written
	for _, a := range addrs {
		b, err := tile(ctx, a.t)
		if err != nil {
			return 0, fmt.Errorf("tile %s: %w", a.t, err)
		}
		if len(b) == 0 {
			continue
		}
		if _, err := data.Write(b); err != nil {
			return 0, err
		}
		entries = append(entries, pmtiles.EntryV3{TileID: a.id, Offset: offset, Length: uint32(len(b)), RunLength: 1})
		offset += uint64(len(b))
		minZ, maxZ = min(minZ, int(a.t.Z)), max(maxZ, int(a.t.Z))
	}
	if len(entries) == 0 {
		return 0, fmt.Errorf("pmtiles: every tile of the area is empty")
	}

	root, leaves, _ := pmtiles.BuildDirectories(entries, 16384-pmtiles.HeaderV3LenBytes, pmtiles.Gzip)
	meta, err := pmtiles.SerializeMetadata(o.metadata(minZ, maxZ), pmtiles.Gzip)
	if err != nil {
		return 0, fmt.Errorf("pmtiles metadata: %w", err)
	}
	centre := o.Bound.Center()
	h := pmtiles.HeaderV3{
		SpecVersion: 3, Clustered: true,
		InternalCompression: pmtiles.Gzip, TileCompression: pmtiles.Gzip, TileType: pmtiles.Mvt,
		MinZoom: uint8(minZ), MaxZoom: uint8(maxZ),
		MinLonE7: int32(o.Bound.Min[0] * 1e7), MinLatE7: int32(o.Bound.Min[1] * 1e7),
		MaxLonE7: int32(o.Bound.Max[0] * 1e7), MaxLatE7: int32(o.Bound.Max[1] * 1e7),
		CenterZoom: uint8((minZ + maxZ) / 2), CenterLonE7: int32(centre[0] * 1e7), CenterLatE7: int32(centre[1] * 1e7),
		AddressedTilesCount: uint64(len(entries)), TileEntriesCount: uint64(len(entries)), TileContentsCount: uint64(len(entries)),
	}
	h.RootOffset = pmtiles.HeaderV3LenBytes
	h.RootLength = uint64(len(root))
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.MetadataLength = uint64(len(meta))
	h.LeafDirectoryOffset = h.MetadataOffset + h.MetadataLength
	h.LeafDirectoryLength = uint64(len(leaves))
	h.TileDataOffset = h.LeafDirectoryOffset + h.LeafDirectoryLength
	h.TileDataLength = offset
	for _, part := range [][]byte{pmtiles.SerializeHeader(h), root, meta, leaves} {
		if _, err := w.Write(part); err != nil {
			return 0, err
		}
	}
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, data); err != nil {
		return 0, err
	}
	return len(entries), nil
}

// Gzip compresses an MVT for a TileFunc whose source gives raw tiles.
func Gzip(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PMTilesFormat names offline packages in the export log; it is not a
// format of the layer exports (one package holds every vector layer).
const PMTilesFormat Format = "pmtiles"

// PMTilesContentType is the media type of a PMTiles archive.
const PMTilesContentType = "application/vnd.pmtiles"

// TownPackage is one town's offline map package, as the web map's GIS view
// asks for it.
type TownPackage struct {
	Town    string // town code: the file name and the recorded filter
	Options PMTilesOptions
}

// PackageFilename is a town's offline package's file name in ASCII:
// the town's code (321299103.pmtiles).
func PackageFilename(code string) string { return NamedPackageFilename(code, "") }

// NamedPackageFilename is PackageFilename with the town's name after its
// code (321299103_南塘镇.pmtiles), as a town's layer export is named
// (Request.NamedFilename): the name a browser saves the package under.
func NamedPackageFilename(code, townName string) string {
	return strings.TrimPrefix(townFilePart(code, townName), "_") + ".pmtiles"
}

// Package writes the PMTiles archive of one town to w and records it like
// the layer exports (layer "pmtiles", rows = tiles). The archive is built in
// a temporary file first, so begin is called with its size only once every
// tile is in, and an error on the way (a failed tile query, a cancelled
// request) reaches the caller with nothing written. It returns the number of
// tiles.
func (s *Service) Package(ctx context.Context, scope lianxin.Scope, p TownPackage, tile TileFunc, w io.Writer, begin func(Meta) error) (int, error) {
	n, err := s.writePackage(ctx, p, tile, w, begin)
	rec := Request{Layer: "pmtiles", Format: PMTilesFormat, CRS: WGS84, Filter: Filter{Town: p.Town}}
	s.record(ctx, scope, rec, int64(n), err == nil)
	if err != nil {
		return n, fmt.Errorf("offline package of town %s: %w", p.Town, err)
	}
	return n, nil
}

func (s *Service) writePackage(ctx context.Context, p TownPackage, tile TileFunc, w io.Writer, begin func(Meta) error) (int, error) {
	f, err := os.CreateTemp(s.opt.TempDir, "lianxin-package-*.pmtiles")
	if err != nil {
		return 0, fmt.Errorf("temporary file: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := WritePMTiles(ctx, f, tile, p.Options)
	if err != nil {
		return 0, err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return n, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return n, err
	}
	if err := begin(Meta{Filename: PackageFilename(p.Town), ContentType: PMTilesContentType, Size: size}); err != nil {
		return n, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return n, err
	}
	return n, nil
}
