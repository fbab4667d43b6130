package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/geo"
	"lianxin/tiles"
)

// TileServer answers tile and TileJSON requests (tiles.Service).
type TileServer interface {
	Tile(ctx context.Context, scope lianxin.Scope, r tiles.Request, ifNoneMatch string) (t tiles.Tile, notModified bool, err error)
	TileJSON(ctx context.Context, scope lianxin.Scope, layer *tiles.Layer, tileURL string) (tiles.TileJSON, error)
}

const mvtType = "application/vnd.mapbox-vector-tile"

// tileCacheControl: the tile may be kept, but must be revalidated with its
// ETag before every use. Data is never stale that way, a 304 costs one tiny
// query, and "private" keeps one caller's tile out of shared caches, since
// what a tile holds depends on who asks.
const tileCacheControl = "private, no-cache"

// tile serves GET /tiles/{layers}/{z}/{x}/{y}.mvt. Echo's parameters end
// at "/" only, so the ".mvt" suffix arrives in y and is checked here.
func (s *Server) tile(c echo.Context) error {
	if s.deps.Tiles == nil {
		return lianxin.Errorf(lianxin.EUnavailable, "tiles are not configured")
	}
	layers, err := tiles.ParseLayers(c.Param("layers"))
	if err != nil {
		return err
	}
	ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return lianxin.Errorf(lianxin.EInvalid, "tile: want a path /tiles/{layer}/{z}/{x}/{y}.mvt, got %.60q", c.Param("y"))
	}
	t, err := parseZXY(c.Param("z"), c.Param("x"), ys)
	if err != nil {
		return err
	}
	q := c.QueryParams()
	f, err := tiles.ParseFilter(q.Get("from"), q.Get("to"), q.Get("town"), q.Get("metric"))
	if err != nil {
		return err
	}
	req := c.Request()
	tile, notModified, err := s.deps.Tiles.Tile(req.Context(), scopeOf(c), tiles.Request{Layers: layers, Tile: t, Filter: f}, req.Header.Get("If-None-Match"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", tile.ETag)
	h.Set(echo.HeaderCacheControl, tileCacheControl)
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if notModified {
		return c.NoContent(http.StatusNotModified)
	}
	if len(tile.Gzip) == 0 {
		return c.Blob(http.StatusOK, mvtType, nil)
	}
	if acceptsGzip(req.Header.Get(echo.HeaderAcceptEncoding)) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		return c.Blob(http.StatusOK, mvtType, tile.Gzip)
	}
	raw, err := tile.Raw()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, mvtType, raw)
}

// parseZXY reads and validates a tile address.
func parseZXY(zs, xs, ys string) (geo.TileZXY, error) {
	var v [3]uint32
	for i, p := range []struct{ name, s string }{{"z", zs}, {"x", xs}, {"y", ys}} {
		n, err := strconv.ParseUint(p.s, 10, 32)
		if err != nil {
			return geo.TileZXY{}, lianxin.Errorf(lianxin.EInvalid, "tile %s: want a whole number, got %.20q", p.name, p.s)
		}
		v[i] = uint32(n)
	}
	t := geo.TileZXY{Z: v[0], X: v[1], Y: v[2]}
	if err := t.Validate(); err != nil {
		return geo.TileZXY{}, lianxin.Errorf(lianxin.EInvalid, "%s", err.Error())
	}
	return t, nil
}

// acceptsGzip reads Accept-Encoding: gzip (or *) listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.TrimPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if q, err := strconv.ParseFloat(q, 64); err == nil && q == 0 {
			return false
		}
		return true
	}
	return false
}

// tileJSON serves GET /tiles/{layer}.json: TileJSON 3.0 whose tiles URL is
// absolute, built from the request's scheme and host, and carries the
// request's filters, so a client opening it gets the same filtered tiles.
func (s *Server) tileJSON(c echo.Context) error {
	if s.deps.Tiles == nil {
		return lianxin.Errorf(lianxin.EUnavailable, "tiles are not configured")
	}
	name, ok := strings.CutSuffix(c.Param("layer"), ".json")
	if !ok {
		return lianxin.Errorf(lianxin.ENotFound, "TileJSON: want /tiles/{layer}.json")
	}
	layer, ok := tiles.LookupLayer(name)
	if !ok {
		return lianxin.Errorf(lianxin.ENotFound, "layer %.40q: no such layer", name)
	}
	q := c.QueryParams()
	if _, err := tiles.ParseFilter(q.Get("from"), q.Get("to"), q.Get("town"), q.Get("metric")); err != nil {
		return err
	}
	keep := url.Values{}
	for _, k := range []string{"from", "to", "town", "metric"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	tileURL := c.Scheme() + "://" + c.Request().Host + "/tiles/" + layer.Name + "/{z}/{x}/{y}.mvt"
	if len(keep) > 0 {
		tileURL += "?" + keep.Encode()
	}
	doc, err := s.deps.Tiles.TileJSON(c.Request().Context(), scopeOf(c), layer, tileURL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
