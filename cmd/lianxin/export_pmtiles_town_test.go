package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/geo"
	"lianxin/tiles"
)

// A town's offline package means one thing whoever builds it (GIS staff
// review, fault 7; export.TownTiles): the town's own layers, and in h3 the
// hexagons the builder's map draws (the county's, each counting every
// town's households in it), kept where they overlap the town. The package
// of `lianxin export pmtiles --town` and the web map's (as the same,
// all-seeing scope) are the same tiles; a GIS user's web package holds no
// hexagon off the town, and each of its hexagons is the one their map's
// tile shows, with the same households.
func TestTownPackageMeansOneThing(t *testing.T) {
	ctx := context.Background()
	st, url, county := demotest.New(t)
	town := county.Towns[1]
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(scope lianxin.Scope) string {
		srv := api.NewServer(api.Config{}, api.Deps{Logger: quiet, Health: st, DefaultScope: &scope,
			Tiles: tileSrv, Reports: st, Export: export.New(st, export.Options{Logger: quiet})})
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return ts.URL
	}
	system := serve(lianxin.SystemScope())
	gis := serve(lianxin.Scope{User: "gis", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true})
	get := func(t *testing.T, u string) []byte {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %.300s", u, res.StatusCode, b)
		}
		return b
	}
	const zooms = "minzoom=10&maxzoom=12"

	// The command line's package, and the web map's as the same scope.
	path := filepath.Join(t.TempDir(), town.Code+".pmtiles")
	args := []string{"export", "pmtiles", "--town", town.Code, "--minzoom", "10", "--maxzoom", "12", "-o", path,
		"--database-url", url, "--log-level", "warn"}
	var out bytes.Buffer
	if err := run(ctx, args, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatalf("lianxin %v: %v\n%s", args, err, out.String())
	}
	cliBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cli := readPackage(t, cliBytes)
	web := readPackage(t, get(t, system+"/api/v1/export/pmtiles?town="+town.Code+"&"+zooms))
	if len(cli.tiles) == 0 || len(cli.tiles) != len(web.tiles) {
		t.Errorf("town %s: the command line's package has %d tiles, the web map's %d; want the same, not 0", town.Code, len(cli.tiles), len(web.tiles))
	}
	for id, b := range cli.tiles {
		if !bytes.Equal(b, web.tiles[id]) {
			z, x, y := pmtiles.IDToZxy(id)
			t.Errorf("town %s: tile %d/%d/%d differs between the command line's package and the web map's", town.Code, z, x, y)
		}
	}
	for _, p := range []pkg{cli, web} {
		if !strings.Contains(p.description, "county's hexagons that overlap the town") {
			t.Errorf("package description %q: want it to say what h3 holds", p.description)
		}
	}

	// A GIS user's package: the hexagons of their map, over the town only.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	touches := func(t *testing.T, cell uint64, centreOnly bool) bool {
		t.Helper()
		ring, err := geo.CellBoundary(int64(cell))
		if err != nil {
			t.Fatal(err)
		}
		hex := wkt.MarshalString(ring)
		q := `SELECT ST_Intersects(boundary, ST_GeomFromText($1, 4326)) FROM towns WHERE code = $2`
		if centreOnly {
			q = `SELECT ST_Contains(boundary, ST_Centroid(ST_GeomFromText($1, 4326))) FROM towns WHERE code = $2`
		}
		var ok bool
		if err := conn.QueryRow(ctx, q, hex, town.Code).Scan(&ok); err != nil {
			t.Fatalf("does hexagon %x touch town %s: %v", cell, town.Code, err)
		}
		return ok
	}
	gisPkg := readPackage(t, get(t, gis+"/api/v1/export/pmtiles?town="+town.Code+"&"+zooms))
	hexTiles := 0
	for id, raw := range gisPkg.tiles {
		z, x, y := pmtiles.IDToZxy(id)
		name := fmt.Sprintf("%d/%d/%d", z, x, y)
		kept := h3Cells(t, raw)
		mapRaw := get(t, gis+"/tiles/h3/"+name+".mvt?from="+gisPkg.from+"&to="+gisPkg.to)
		drawn := h3Cells(t, gunzipIf(t, mapRaw))
		if len(kept) > 0 {
			hexTiles++
		}
		for cell, households := range kept {
			if !touches(t, cell, false) {
				t.Errorf("tile %s: hexagon %x does not touch town %s", name, cell, town.Code)
			}
			if d, ok := drawn[cell]; !ok || d != households {
				t.Errorf("tile %s: hexagon %x holds %v households, the map's tile %v (drawn %v); want the map's", name, cell, households, d, ok)
			}
		}
		for cell := range drawn {
			if _, ok := kept[cell]; !ok && touches(t, cell, true) {
				t.Errorf("tile %s: hexagon %x, whose centre is in town %s, is left out", name, cell, town.Code)
			}
		}
	}
	if hexTiles == 0 {
		t.Errorf("town %s: the GIS user's package has no hexagon at all", town.Code)
	}
}

type pkg struct {
	tiles       map[uint64][]byte // by tile id, gunzipped
	description string
	from, to    string
}

// readPackage decodes a PMTiles archive's tiles and metadata.
func readPackage(t *testing.T, b []byte) pkg {
	t.Helper()
	h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatalf("pmtiles header: %v", err)
	}
	p := pkg{tiles: map[uint64][]byte{}}
	for _, e := range pmtiles.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression) {
		off := h.TileDataOffset + e.Offset
		p.tiles[e.TileID] = gunzipIf(t, b[off:off+uint64(e.Length)])
	}
	meta, err := pmtiles.DeserializeMetadata(bytes.NewReader(b[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil {
		t.Fatalf("pmtiles metadata: %v", err)
	}
	p.description, _ = meta["description"].(string)
	if w, ok := meta["window"].(map[string]any); ok {
		p.from, _ = w["from"].(string)
		p.to, _ = w["to"].(string)
	}
	return p
}

func gunzipIf(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// h3Cells is the h3 layer of a tile: households by hexagon.
func h3Cells(t *testing.T, raw []byte) map[uint64]any {
	t.Helper()
	out := map[uint64]any{}
	if len(raw) == 0 {
		return out
	}
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	for _, l := range layers {
		if l.Name != tiles.H3 {
			continue
		}
		for _, f := range l.Features {
			// The cell property (hex): the decoder reads feature ids as
			// float64, which cannot hold an H3 index.
			hex, _ := f.Properties["cell"].(string)
			id, err := strconv.ParseUint(hex, 16, 64)
			if err != nil {
				t.Fatalf("h3 feature cell %q: %v", hex, err)
			}
			out[id] = f.Properties["households"]
		}
	}
	return out
}

// `lianxin export pmtiles` refuses, before it builds anything, the zooms the
// web map's check refuses (export.ParsePackageZoom): below 5, where every
// layer starts, the package failed on its first tile (review, fault 10).
func TestPMTilesCommandRefusesZoomsBelowTheLayers(t *testing.T) {
	ctx := context.Background()
	_, url, county := demotest.New(t)
	town := county.Towns[0].Code
	for _, tc := range []struct {
		name, minZoom, maxZoom string
		wantErr                string // "" for a package written
	}{
		{"from zoom 3", "3", "9", `minzoom "3": want a whole number from 5 to 16`},
		{"to zoom 4", "0", "4", `minzoom "0"`},
		{"beyond 16", "10", "17", `maxzoom "17"`},
		{"from zoom 5", "5", "6", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), town+".pmtiles")
			args := []string{"export", "pmtiles", "--town", town, "--minzoom", tc.minZoom, "--maxzoom", tc.maxZoom, "-o", path,
				"--database-url", url, "--log-level", "warn"}
			var out bytes.Buffer
			err := run(ctx, args, func(string) string { return "" }, &out, &out)
			_, statErr := os.Stat(path)
			switch {
			case tc.wantErr == "" && (err != nil || statErr != nil):
				t.Errorf("lianxin %v: %v (file: %v), want a package\n%s", args, err, statErr, out.String())
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("lianxin %v: error %v, want one saying %q", args, err, tc.wantErr)
			case tc.wantErr != "" && statErr == nil:
				t.Errorf("lianxin %v: refused, yet wrote %s", args, path)
			}
		})
	}
}
