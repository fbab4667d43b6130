package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"lianxin"
	"lianxin/api"
)

func TestWebApp(t *testing.T) {
	web := fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>lianxin</title>")},
		"assets/app-1a2b.js":  {Data: []byte("console.log(1)")},
		"favicon.svg":         {Data: []byte("<svg/>")},
		"sw.js":               {Data: []byte("self.addEventListener('fetch', () => {})")},
		"assets/app-1a2b.css": {Data: []byte("body{}")},
	}
	sys := lianxin.SystemScope() // signed in, so an unknown tile path reaches the 404
	srv := api.NewServer(api.Config{BasemapURL: "https://tiles.example/{z}/{x}/{y}.png"},
		api.Deps{Logger: quietLogger(), Web: web, DefaultScope: &sys})
	cases := []struct {
		name, path  string
		wantStatus  int
		wantBody    string
		wantCache   string
		wantTypeHas string
	}{
		{"root is the app", "/", 200, "<title>lianxin</title>", "no-cache", "text/html"},
		{"an app URL falls back to the app", "/team/T01", 200, "<title>lianxin</title>", "no-cache", "text/html"},
		{"hashed assets are cached for a year", "/assets/app-1a2b.js", 200, "console.log", "immutable", "javascript"},
		{"other files are revalidated", "/favicon.svg", 200, "<svg/>", "no-cache", "image/svg+xml"},
		{"the service worker is revalidated JavaScript", "/sw.js", 200, "addEventListener", "no-cache", "text/javascript"},
		{"a missing file is missing", "/assets/gone-0000.js", 404, `"not_found"`, "", "application/json"},
		{"an unknown API path stays an API 404", "/api/v1/nothing-here", 404, `"not_found"`, "", "application/json"},
		{"an unknown tile path stays an API 404", "/tiles/nothing/here", 404, `"not_found"`, "", "application/json"},
		{"an unknown OGC path stays an API 404", "/ogc/nothing/here", 404, `"not_found"`, "", "application/json"},
		{"the config", "/api/v1/config", 200, `"basemap_url":"https://tiles.example/{z}/{x}/{y}.png"`, "no-cache", "application/json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, srv, tc.path)
			if res.StatusCode != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
				t.Fatalf("GET %s = %d %q, want %d containing %q", tc.path, res.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, tc.wantCache) {
				t.Errorf("GET %s Cache-Control = %q, want it to contain %q", tc.path, cc, tc.wantCache)
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, tc.wantTypeHas) {
				t.Errorf("GET %s Content-Type = %q, want it to contain %q", tc.path, ct, tc.wantTypeHas)
			}
		})
	}
}

// A binary built before `make frontend` has no index.html: it says so in the
// API's error shape instead of serving an empty page.
func TestWebAppNotBuilt(t *testing.T) {
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Web: fstest.MapFS{".gitkeep": {}}})
	res, body := get(t, srv, "/")
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err != nil || res.StatusCode != 503 || !strings.Contains(eb.Error.Message, "make build") {
		t.Fatalf("GET / without a built app = %d %q, want 503 saying to run make build", res.StatusCode, body)
	}
	res, body = get(t, srv, "/api/v1/config")
	if res.StatusCode != 200 || !strings.Contains(string(body), `"basemap_url":""`) {
		t.Fatalf("GET /api/v1/config with no basemap = %d %q, want 200 with an empty basemap_url", res.StatusCode, body)
	}
}
