package api_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

func tileServer(t *testing.T) (*api.Server, string) {
	t.Helper()
	s, _, county := demotest.New(t)
	svc, err := tiles.New(s, tiles.FromEngine(s), tiles.Options{CacheBytes: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	mt := maptile.At(county.Households[len(county.Households)/2].Location, 14)
	path := "/tiles/households/14/" + strconv.FormatUint(uint64(mt.X), 10) + "/" + strconv.FormatUint(uint64(mt.Y), 10) + ".mvt"
	sys := lianxin.SystemScope()
	return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Tiles: svc, DefaultScope: &sys}), path
}

func TestTileHTTP(t *testing.T) {
	srv, path := tileServer(t)

	// gzip, ETag, Cache-Control; the body decodes.
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("ETag") == "" || rec.Header().Get("Cache-Control") == "" {
		t.Fatalf("GET %s = %d headers %v, want 200 gzip with ETag and Cache-Control", path, rec.Code, rec.Header())
	}
	// A tile is data: the data policy and nosniff, none of the page's.
	if csp := rec.Header().Get("Content-Security-Policy"); csp != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("GET %s: Content-Security-Policy %q, want the data policy \"default-src 'none'; frame-ancestors 'none'\"", path, csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: headers %v lack nosniff", path, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	layers, err := mvt.Unmarshal(raw)
	if err != nil || len(layers) != 1 || layers[0].Name != "households" || len(layers[0].Features) == 0 {
		t.Fatalf("GET %s: decoded %v (err %v), want one households layer with features", path, layers, err)
	}

	// 304 on If-None-Match.
	etag := rec.Header().Get("ETag")
	req = httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("GET %s If-None-Match %s = %d with %d bytes, want 304 and none", path, etag, rec.Code, rec.Body.Len())
	}

	// Multi-layer with a repeat: the repeat collapses.
	multi := strings.Replace(path, "/households/", "/households,towns,households/", 1)
	res, body := get(t, srv, multi)
	layers, err = mvt.Unmarshal(body)
	if res.StatusCode != 200 || err != nil || len(layers) != 2 {
		t.Fatalf("GET %s = %d, %d layers (err %v), want 200 with 2 layers", multi, res.StatusCode, len(layers), err)
	}

	for _, tc := range []struct{ path, want string }{
		{"/tiles/villages/25/0/0.mvt", "zoom 25"},
		{"/tiles/villages/10/1024/0.mvt", "x 1024"},
		{"/tiles/villages/10/0/4096.mvt", "y 4096"},
		{"/tiles/villages/10/0/-1.mvt", "whole number"},
		{"/tiles/villages/10/0/0.png", ".mvt"},
		{"/tiles/nosuch/10/0/0.mvt", "no such layer"},
		{"/tiles/villages/10/0/0.mvt?from=2026-13-01", "from"},
		{"/tiles/h3/10/0/0.mvt?metric=nosuch", "metric"},
		// A misspelt or unreadable filter is refused, never ignored into a
		// tile of the whole county.
		{"/tiles/villages/10/0/0.mvt?frm=2026-04-01", `"frm\": unknown parameter`},
		{"/tiles/villages/10/0/0.mvt?town=a;b", "semicolon"},
		{"/tiles/villages/10/0/0.mvt?from=2026-04-01&from=2026-05-01", "from: given 2 times"},
		{"/tiles/villages.json?form=2026-04-01", `"form\": unknown parameter`},
	} {
		res, body := get(t, srv, tc.path)
		if res.StatusCode != 400 || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s = %d %s, want 400 mentioning %q", tc.path, res.StatusCode, body, tc.want)
		}
	}
}

func TestTileJSON(t *testing.T) {
	srv, _ := tileServer(t)
	res, body := get(t, srv, "/tiles/villages.json?from=2026-03-01")
	var doc tiles.TileJSON
	if err := json.Unmarshal(body, &doc); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /tiles/villages.json = %d %s (%v)", res.StatusCode, body, err)
	}
	if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 || !strings.HasPrefix(doc.Tiles[0], "http://example.com/tiles/villages/{z}/{x}/{y}.mvt?from=2026-03-01") ||
		doc.Bounds[0] < 119 || doc.Bounds[2] > 121 || len(doc.VectorLayers) != 1 || doc.VectorLayers[0].Fields["coverage"] == "" {
		t.Fatalf("TileJSON %+v: want 3.0.0, an absolute tiles URL with the filter, county bounds and the coverage field", doc)
	}
}

// GDAL's MVT driver opens a served tile and a layer through its TileJSON.
func TestOgrinfoOpensTiles(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Fatal("ogrinfo (GDAL) is not installed: make deps installs it")
	}
	srv, path := tileServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", "MVT:"+hs.URL+path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Layer name: households") || !strings.Contains(string(out), "residents") {
		t.Fatalf("ogrinfo on a served tile: %v\n%s", err, out)
	}
	// GDAL 3.6's MVT driver opens a tileset URL with its metadata file;
	// the TileJSON carries tippecanoe's "json" member for it.
	out, err = exec.Command("ogrinfo", "-ro", "-so", "-al", "-oo", "METADATA_FILE="+hs.URL+"/tiles/villages.json",
		"-oo", "TILE_EXTENSION=mvt", "MVT:"+hs.URL+"/tiles/villages/12").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Layer name: villages") || !strings.Contains(string(out), "Feature Count: ") {
		t.Fatalf("ogrinfo on the villages TileJSON: %v\n%s", err, out)
	}
	// Through the TileJSON, GDAL takes each attribute's type and the
	// layer's geometry from it: numbers are numbers, flags are booleans
	// (a description where the type belongs made every attribute a String).
	for _, want := range []string{"Geometry: Multi Polygon", "coverage: Real", "resident_population: Real", "reached: Integer(Boolean)", "name: String"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo on the villages TileJSON: no %q in\n%s", want, out)
		}
	}
}
