package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/api"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store"
	"lianxin/tiles"
)

// GET /api/v1/export/pmtiles: a GIS user of one town downloads that town's
// offline package, whose tiles decode and hold only that town; other towns
// are forbidden, unknown ones not found; the download is in the export log.
func TestPMTilesDownload(t *testing.T) {
	st, _, _ := demotest.New(t)
	ctx := context.Background()
	mine, other := twoTowns(t, st)
	scope := lianxin.Scope{User: "gis-one-town", Roles: []lianxin.Role{lianxin.RoleGIS}, Towns: []int32{mine.ID}}
	ts := downloadServer(t, st, scope)

	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"town outside the scope", "?town=" + other.Code, http.StatusForbidden},
		{"no such town", "?town=nowhere", http.StatusNotFound},
		{"no town", "", http.StatusBadRequest},
		{"zoom beyond the cap", "?town=" + mine.Code + "&maxzoom=17", http.StatusBadRequest},
		{"zooms reversed", "?town=" + mine.Code + "&minzoom=12&maxzoom=11", http.StatusBadRequest},
		{"unknown parameter", "?town=" + mine.Code + "&format=mbtiles", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/pmtiles" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Errorf("GET pmtiles%s = %d %s, want %d", tc.query, res.StatusCode, body, tc.want)
			}
		})
	}

	path := "/api/v1/export/pmtiles?town=" + mine.Code + "&minzoom=11&maxzoom=12"
	// The client accepts gzip, the server sends the archive as it is (its
	// tiles are gzipped inside) with its length.
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", path, res.StatusCode, b)
	}
	// The town's name in the file name, as its layer exports carry it:
	// filename* in UTF-8, which browsers prefer, the code alone in ASCII.
	ct, cd := res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition")
	_, params, cdErr := mime.ParseMediaType(cd)
	wantName := mine.Code + "_" + mine.Name + ".pmtiles"
	if ct != export.PMTilesContentType || cdErr != nil || params["filename"] != wantName ||
		!strings.HasPrefix(cd, `attachment; filename=`+mine.Code+`.pmtiles; filename*=UTF-8''`) {
		t.Errorf("GET %s: Content-Type %q, Content-Disposition %q (%v); want %s, attachment named %s.pmtiles, and %s in UTF-8",
			path, ct, cd, cdErr, export.PMTilesContentType, mine.Code, wantName)
	}
	if ce := res.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("GET %s: Content-Encoding %q, want none", path, ce)
	}
	if res.ContentLength != int64(len(b)) {
		t.Errorf("GET %s: Content-Length %d, body %d bytes", path, res.ContentLength, len(b))
	}
	h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatalf("pmtiles header: %v", err)
	}
	if h.SpecVersion != 3 || h.TileType != pmtiles.Mvt || h.MinZoom != 11 || h.MaxZoom != 12 {
		t.Fatalf("header %+v, want a v3 MVT archive of z11-12", h)
	}
	// The demo campaign is synthetic: the package says so, as the command
	// line's does (export.TownPackageFor builds both).
	metaRaw := b[h.MetadataOffset : h.MetadataOffset+h.MetadataLength]
	if h.InternalCompression == pmtiles.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(metaRaw))
		if err != nil {
			t.Fatalf("pmtiles metadata is not gzipped: %v", err)
		}
		if metaRaw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var meta struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		t.Fatalf("pmtiles metadata %.300s: %v", metaRaw, err)
	}
	if !strings.Contains(meta.Description, "synthetic demo data") || !strings.Contains(meta.Description, mine.Code) {
		t.Errorf("GET %s: package description %q, want town %s's, noting synthetic demo data", path, meta.Description, mine.Code)
	}
	root := pmtiles.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression)
	if len(root) == 0 || uint64(len(root)) != h.AddressedTilesCount {
		t.Fatalf("root directory has %d entries, header counts %d tiles", len(root), h.AddressedTilesCount)
	}
	villages := 0
	for _, e := range root {
		z, x, y := pmtiles.IDToZxy(e.TileID)
		zr, err := gzip.NewReader(bytes.NewReader(b[h.TileDataOffset+e.Offset : h.TileDataOffset+e.Offset+uint64(e.Length)]))
		if err != nil {
			t.Fatalf("tile %d/%d/%d is not gzipped: %v", z, x, y, err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := mvt.Unmarshal(raw)
		if err != nil {
			t.Fatalf("tile %d/%d/%d does not decode: %v", z, x, y, err)
		}
		for _, l := range layers {
			for _, f := range l.Features {
				if code, ok := f.Properties["town_code"]; ok && code != mine.Code {
					t.Errorf("tile %d/%d/%d layer %s holds a feature of town %v, want only %s", z, x, y, l.Name, code, mine.Code)
				}
				if l.Name == "towns" && f.Properties["code"] != mine.Code {
					t.Errorf("tile %d/%d/%d holds town %v, want only %s", z, x, y, f.Properties["code"], mine.Code)
				}
			}
			if l.Name == "villages" {
				villages += len(l.Features)
			}
		}
	}
	if villages == 0 {
		t.Errorf("no village in any of the %d tiles of town %s", len(root), mine.Code)
	}

	// The server completes the record once the last byte is written, which
	// the client may have read a moment before: wait for it a little.
	var recs []store.ExportRecord
	found := false
	for deadline := time.Now().Add(5 * time.Second); !found && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if recs, err = st.RecentExports(ctx, 10); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Layer == "pmtiles" && r.Completed && r.Actor == scope.User && r.Rows == int64(len(root)) && r.Filter["town"] == mine.Code {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("export log %+v: want a completed pmtiles export of town %s by %s with %d rows (tiles)", recs, mine.Code, scope.User, len(root))
	}
}

// twoTowns is the demo county's first two towns: one of the caller's, one not.
func twoTowns(t *testing.T, st *store.Store) (mine, other coverage.Town) {
	t.Helper()
	towns, err := st.Towns(context.Background(), lianxin.SystemScope())
	if err != nil || len(towns) < 2 {
		t.Fatalf("towns: %v (%d), want at least 2", err, len(towns))
	}
	return towns[0], towns[1]
}

// downloadServer serves the downloads (exports, offline packages) as scope,
// with the tile service the packages are drawn from and no tile cache.
func downloadServer(t *testing.T, st *store.Store, scope lianxin.Scope) *httptest.Server {
	t.Helper()
	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
		Tiles: tileSrv, Reports: st, Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}
