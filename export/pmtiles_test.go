package export_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/geo"
	"lianxin/tiles"
)

// A town's offline package opens with go-pmtiles' reader functions and its
// tiles decode with orb's MVT decoder, with the town's villages in them.
func TestPMTilesOfATown(t *testing.T) {
	st, _, _ := demotest.New(t)
	ctx := context.Background()
	scope := lianxin.SystemScope()
	towns, err := st.Towns(ctx, scope)
	if err != nil || len(towns) == 0 {
		t.Fatalf("towns: %v (%d)", err, len(towns))
	}
	town := towns[0]
	srv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	layers := tiles.Layers()
	var buf bytes.Buffer
	n, err := export.WritePMTiles(ctx, &buf, func(ctx context.Context, zxy geo.TileZXY) ([]byte, error) {
		tl, _, err := srv.Tile(ctx, scope, tiles.Request{Layers: layers, Tile: zxy, Filter: tiles.Filter{TownCode: town.Code}}, "")
		return tl.Gzip, err
	}, export.PMTilesOptions{Bound: town.BBox, MinZoom: 11, MaxZoom: 12, Metadata: map[string]any{"name": town.Code}})
	if err != nil {
		t.Fatalf("write pmtiles of town %s: %v", town.Code, err)
	}
	b := buf.Bytes()
	h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	if h.SpecVersion != 3 || h.TileType != pmtiles.Mvt || h.MinZoom != 11 || h.MaxZoom != 12 || h.AddressedTilesCount != uint64(n) {
		t.Fatalf("header %+v, want v3 MVT z11-12 with %d tiles", h, n)
	}
	meta, err := pmtiles.DeserializeMetadata(bytes.NewReader(b[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil || meta["name"] != town.Code {
		t.Fatalf("metadata %v (%v), want name %s", meta, err, town.Code)
	}
	root := pmtiles.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression)
	if len(root) != n {
		t.Fatalf("root directory has %d entries, want %d (no leaves at this size)", len(root), n)
	}
	// The last entry has the highest tile id: a z12 tile of the town.
	e := root[len(root)-1]
	z, x, y := pmtiles.IDToZxy(e.TileID)
	if z != 12 {
		t.Fatalf("last tile is at zoom %d, want 12", z)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]))
	if err != nil {
		t.Fatalf("tile %d/%d/%d is not gzipped: %v", z, x, y, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("tile %d/%d/%d does not decode: %v", z, x, y, err)
	}
	got := map[string]int{}
	for _, l := range decoded {
		got[l.Name] = len(l.Features)
	}
	if got["villages"] == 0 && got["towns"] == 0 {
		t.Errorf("tile %d/%d/%d of town %s holds layers %v, want its villages or town outline", z, x, y, town.Code, got)
	}
	for _, l := range decoded {
		if l.Name == "towns" {
			for _, f := range l.Features {
				if f.Properties["code"] != town.Code {
					t.Errorf("town filter: tile holds town %v, want only %s", f.Properties["code"], town.Code)
				}
			}
		}
	}
}
