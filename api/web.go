package api

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"lianxin"
)

// webConfig is what the web map needs to know from the server's settings.
type webConfig struct {
	// BasemapURL is a raster tile URL template ({z}/{x}/{y}) or a MapLibre
	// style URL drawn under lianxin's layers; empty means no basemap, so the
	// map works with no internet.
	BasemapURL string `json:"basemap_url"`
}

func (s *Server) webConfig(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.JSON(http.StatusOK, webConfig{BasemapURL: s.cfg.BasemapURL})
}

// apiPrefixes are paths that never fall back to the web app: a mistyped API
// or tile URL answers 404 in the API's error shape, not with index.html.
var apiPrefixes = []string{"/api/", "/tiles/", "/ogc/"}

// webApp serves the embedded single-page app for every GET that no other
// route matched. Files Vite names by content hash (under assets/) are cached
// for a year; everything else, index.html above all, is revalidated each
// time so a new release shows at once. That includes sw.js, the service
// worker that keeps the app shell for phones without network: served from
// the root, its scope is the whole app (no Service-Worker-Allowed needed),
// and revalidated, a new build's worker replaces the old one on the next
// load. A path that is neither a file nor has an extension gets index.html,
// so the app's own URLs survive a reload.
func (s *Server) webApp(c echo.Context) error {
	r := c.Request()
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || s.deps.Web == nil {
		return echo.ErrNotFound
	}
	p := r.URL.Path
	if p == "/api" || p == "/tiles" || p == "/ogc" {
		return echo.ErrNotFound
	}
	for _, prefix := range apiPrefixes {
		if strings.HasPrefix(p, prefix) {
			return echo.ErrNotFound
		}
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(s.deps.Web, name); err == nil && !st.IsDir() {
			cache := "no-cache"
			if strings.HasPrefix(name, "assets/") {
				cache = "public, max-age=31536000, immutable"
			}
			c.Response().Header().Set(echo.HeaderCacheControl, cache)
			if path.Ext(name) == ".js" || path.Ext(name) == ".mjs" {
				// A service worker or module script must come as JavaScript,
				// whatever the host's MIME table says.
				c.Response().Header().Set(echo.HeaderContentType, "text/javascript; charset=utf-8")
			}
			http.ServeFileFS(c.Response(), r, s.deps.Web, name)
			return nil
		}
		if path.Ext(name) != "" {
			return echo.ErrNotFound
		}
	}
	index, err := fs.ReadFile(s.deps.Web, "index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return lianxin.Errorf(lianxin.EUnavailable, "the web map is not built into this binary: run `make build` (it runs npm ci and vite build)")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.HTMLBlob(http.StatusOK, index)
}
