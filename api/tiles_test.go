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
	// A tile is data no browser renders: nosniff, and no policy of a
	// document (nor the data policy, which says nothing on an MVT), so the
	// response keeps to eight headers.
	if csp, ok := rec.Header()["Content-Security-Policy"]; ok {
		t.Errorf("GET %s: Content-Security-Policy %q on a tile, want none", path, csp)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s: headers %v lack nosniff", path, rec.Header())
	}
	if n := len(rec.Header()); n > 8 {
		t.Errorf("GET %s: %d headers %v, want at most 8 (a Go map of more grows into a table)", path, n, rec.Header())
	}
	// An error from the tile route is a JSON document: the data policy.
	for _, bad := range []string{"/tiles/villages/99/0/0.mvt", "/tiles/nolayer/1/0/0.mvt"} {
		brec := httptest.NewRecorder()
		srv.ServeHTTP(brec, httptest.NewRequest(http.MethodGet, bad, nil))
		if brec.Code < 400 || brec.Header().Get("Content-Security-Policy") != "default-src 'none'; frame-ancestors 'none'" {
			t.Errorf("GET %s = %d with Content-Security-Policy %q, want an error with the data policy \"default-src 'none'; frame-ancestors 'none'\"",
				bad, brec.Code, brec.Header().Get("Content-Security-Policy"))
		}
	}
	gzLen := rec.Body.Len()
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	layers, err := mvt.Unmarshal(raw)
	if err != nil || len(layers) != 1 || layers[0].Name != "households" || len(layers[0].Features) == 0 {
		t.Fatalf("GET %s: decoded %v (err %v), want one households layer with features", path, layers, err)
	}

	// The plain body has its own ETag: a strong tag names one exact body.
	gzTag := rec.Header().Get("ETag")
	plainRes, plainBody := get(t, srv, path)
	plainTag := plainRes.Header.Get("ETag")
	if plainRes.StatusCode != 200 || plainRes.Header.Get("Content-Encoding") != "" || string(plainBody) != string(raw) ||
		plainTag == "" || plainTag == gzTag {
		t.Fatalf("GET %s without gzip = %d, encoding %q, %d bytes (gzipped body inflates to %d), ETag %s (gzipped %s); want 200, the same tile plain, its own ETag",
			path, plainRes.StatusCode, plainRes.Header.Get("Content-Encoding"), len(plainBody), len(raw), plainTag, gzTag)
	}

	// 304 on If-None-Match only for the tag of the body the client takes.
	for _, tc := range []struct {
		name, acceptEncoding, ifNoneMatch string
		want                              int
		wantTag                           string
	}{
		{"gzip, its tag", "gzip", gzTag, http.StatusNotModified, gzTag},
		{"gzip, weak form of its tag", "gzip", "W/" + gzTag, http.StatusNotModified, gzTag},
		{"gzip, the plain body's tag", "gzip", plainTag, http.StatusOK, gzTag},
		{"plain, its tag", "", plainTag, http.StatusNotModified, plainTag},
		{"plain, in a list", "", `"other", ` + plainTag, http.StatusNotModified, plainTag},
		{"plain, the gzipped body's tag", "", gzTag, http.StatusOK, plainTag},
		{"plain, any", "", "*", http.StatusNotModified, plainTag},
	} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if tc.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		}
		req.Header.Set("If-None-Match", tc.ifNoneMatch)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != tc.want || rec.Header().Get("ETag") != tc.wantTag || (tc.want == http.StatusNotModified) != (rec.Body.Len() == 0) {
			t.Errorf("%s: GET %s If-None-Match %s = %d, ETag %s, %d bytes; want %d with ETag %s",
				tc.name, path, tc.ifNoneMatch, rec.Code, rec.Header().Get("ETag"), rec.Body.Len(), tc.want, tc.wantTag)
		}
	}

	// HEAD: GET's status and headers, no body (through a real server, which
	// drops the body a handler writes for HEAD).
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, tc := range []struct {
		name, acceptEncoding, wantTag string
		wantLength                    int
	}{
		{"gzip", "gzip", gzTag, gzLen},
		{"plain", "identity", plainTag, len(raw)},
	} {
		req, _ := http.NewRequest(http.MethodHead, hs.URL+path, nil)
		req.Header.Set("Accept-Encoding", tc.acceptEncoding)
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("ETag") != tc.wantTag || res.ContentLength != int64(tc.wantLength) || len(body) != 0 {
			t.Errorf("HEAD %s (%s) = %d, ETag %s, Content-Length %d, %d bytes; want 200, ETag %s, Content-Length %d, no body",
				path, tc.name, res.StatusCode, res.Header.Get("ETag"), res.ContentLength, len(body), tc.wantTag, tc.wantLength)
		}
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
	// (a description where the type belongs made every attribute a String),
	// counts and ids integers, shares reals.
	for _, want := range []string{"Geometry: Multi Polygon", "coverage: Real", "resident_population: Integer", "\nid: Integer", "reached: Integer(Boolean)", "name: String"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ogrinfo on the villages TileJSON: no %q in\n%s", want, out)
		}
	}
}
