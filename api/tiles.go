package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
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

// tileRoute is the tile route's path pattern as Echo reports it (c.Path()).
const tileRoute = "/tiles/:layers/:z/:x/:y"

// Header values every tile response carries, shared read-only between
// responses so a warm tile allocates none (net/http only reads them; an
// Add to one of these keys appends to a full slice, which copies it).
var (
	mvtTypeValue      = []string{mvtType}
	tileCacheValue    = []string{tileCacheControl}
	varyEncodingValue = []string{echo.HeaderAcceptEncoding}
	gzipValue         = []string{"gzip"}
	// dataCSPValue is the policy of a data response a browser might show as
	// a document (an error's JSON): nothing may load, nothing may frame it.
	dataCSPValue = []string{"default-src 'none'; frame-ancestors 'none'"}
)

// tileCacheControl: the tile may be kept, but must be revalidated with its
// ETag before every use. Data is never stale that way, a 304 costs one tiny
// query, and "private" keeps one caller's tile out of shared caches, since
// what a tile holds depends on who asks.
const tileCacheControl = "private, no-cache"

// tileParams are the tile route's parameter names, in path order.
var tileParams = []string{"layers", "z", "x", "y"}

// tileContext is the Echo context of a request the tile fast path serves
// (serveTile): Echo's own context, pooled with the caller and the path's
// segments beside it, so a warm tile puts nothing in Echo's per-request
// map (a map and a caller allocated for every request, the largest part of
// a warm tile's garbage).
type tileContext struct {
	echo.Context
	seg [4]string
	// cl is the caller once authenticate has found one (hasCaller).
	cl        caller
	hasCaller bool
}

// tileSegments reads a GET or HEAD /tiles/{layers}/{z}/{x}/{y}, exactly as
// Echo's router would; ok is false for anything else, or a path this does
// not read as Echo would (an escaped path, an empty segment).
func tileSegments(r *http.Request) (seg [4]string, ok bool) {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.URL.RawPath != "" {
		return seg, false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/tiles/")
	if !ok {
		return seg, false
	}
	for i := range seg {
		var more bool
		seg[i], rest, more = strings.Cut(rest, "/")
		if seg[i] == "" || more != (i < 3) {
			return seg, false
		}
	}
	return seg, true
}

// serveTile answers a tile request itself, before Echo, in tileChain: the
// tile handler inside the middleware every route runs (s.chain, same
// order), composed once at start-up, less the middleware whose skippers
// pass every tile by (useExceptTiles). Echo composes its middleware anew
// for each request (a closure per middleware), which was a fifth of a warm
// tile's CPU in the server; its pre-middleware cost two closures more. It
// ends the request as Echo's ServeHTTP does: a returned error goes to the
// error handler, and the context back to its pool.
func (s *Server) serveTile(w http.ResponseWriter, r *http.Request, seg [4]string) {
	tc, _ := s.tileCtxs.Get().(*tileContext)
	if tc == nil {
		tc = &tileContext{Context: s.echo.NewContext(r, w)}
	}
	tc.Reset(r, w)
	tc.seg = seg
	tc.SetPath(tileRoute)
	tc.SetParamNames(tileParams...)
	tc.SetParamValues(tc.seg[:]...)
	if err := s.tileChain(tc); err != nil {
		s.echo.HTTPErrorHandler(err, tc)
	}
	*tc = tileContext{Context: tc.Context}
	tc.Reset(nil, nil) // nothing of this request stays reachable from the pool
	s.tileCtxs.Put(tc)
}

// tile serves GET /tiles/{layers}/{z}/{x}/{y}.mvt. Echo's parameters end
// at "/" only, so the ".mvt" suffix arrives in y and is checked here.
func (s *Server) tile(c echo.Context) error {
	if s.deps.Tiles == nil {
		return lianxin.Errorf(lianxin.EUnavailable, "tiles are not configured")
	}
	var seg [4]string // layers, z, x, y
	if tc, ok := c.(*tileContext); ok {
		seg = tc.seg
	} else {
		for i, name := range tileParams {
			seg[i] = c.Param(name)
		}
	}
	layers, err := tiles.ParseLayers(seg[0])
	if err != nil {
		return err
	}
	ys, ok := strings.CutSuffix(seg[3], ".mvt")
	if !ok {
		return lianxin.Errorf(lianxin.EInvalid, "tile: want a path /tiles/{layer}/{z}/{x}/{y}.mvt, got %.60q", seg[3])
	}
	t, err := parseZXY(seg[1], seg[2], ys)
	if err != nil {
		return err
	}
	req := c.Request()
	var f tiles.Filter
	if req.URL.RawQuery != "" { // most tiles have no filter: parse nothing
		if f, _, err = tileFilter(req.URL.RawQuery); err != nil {
			return err
		}
	}
	gz := acceptsGzip(headerValue(req.Header, echo.HeaderAcceptEncoding))
	ifNoneMatch := headerValue(req.Header, "If-None-Match")
	if !gz && ifNoneMatch != "" {
		ifNoneMatch = plainTags(ifNoneMatch)
	}
	tile, notModified, err := s.deps.Tiles.Tile(req.Context(), scopeOf(c), tiles.Request{Layers: layers, Tile: t, Filter: f}, ifNoneMatch)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	switch {
	case gz && tile.ETagValue != nil:
		h["Etag"] = tile.ETagValue // canonical, as Set would write it
	case gz:
		h.Set("ETag", tile.ETag)
	default:
		h.Set("ETag", plainTag(tile.ETag))
	}
	h[echo.HeaderCacheControl] = tileCacheValue
	if v := h[echo.HeaderVary]; len(v) == 0 {
		h[echo.HeaderVary] = varyEncodingValue
	} else {
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	}
	if notModified {
		return c.NoContent(http.StatusNotModified)
	}
	h[echo.HeaderContentType] = mvtTypeValue // Blob keeps a type already set
	if len(tile.Gzip) == 0 {
		return c.Blob(http.StatusOK, mvtType, nil)
	}
	body := tile.Gzip
	if gz {
		h[echo.HeaderContentEncoding] = gzipValue
	} else if body, err = tile.Raw(); err != nil {
		return err
	}
	// Declared, a tile of more than 2 KiB goes out as it is instead of in
	// chunks (net/http chunks a body it cannot measure).
	if gz && tile.LengthValue != nil {
		h[echo.HeaderContentLength] = tile.LengthValue
	} else {
		h[echo.HeaderContentLength] = []string{strconv.Itoa(len(body))}
	}
	// Blob, less its look-up of the Content-Type set above.
	res := c.Response()
	res.WriteHeader(http.StatusOK)
	_, err = res.Write(body)
	return err
}

// headerValue is h.Get(key) for a key written canonical: no
// canonicalisation on the way.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// plainSuffix marks the ETag of a tile sent without gzip. A strong ETag
// names one exact body, and the gzipped and the plain bodies differ: a cache
// holding one must not revalidate it into the other. The gzipped body, which
// nearly every client takes, keeps the service's tag unchanged.
const plainSuffix = "-plain"

// plainTag is the ETag of the plain body of a tile whose gzipped body is etag.
func plainTag(etag string) string {
	q, ok := strings.CutSuffix(etag, `"`)
	if !ok {
		return etag
	}
	return q + plainSuffix + `"`
}

// plainTags rewrites the If-None-Match of a client that takes no gzip into
// the service's tags: only the plain bodies' tags (and *) can match, each
// with its suffix removed. A gzipped body's tag sent by such a client names
// a body it cannot be given, so it matches nothing.
func plainTags(header string) string {
	var out []string
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == "*" {
			out = append(out, part)
		} else if q, ok := strings.CutSuffix(part, plainSuffix+`"`); ok {
			out = append(out, q+`"`)
		}
	}
	return strings.Join(out, ", ") // "" when none can match

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

// tileFilterParams are the query parameters of tiles and TileJSON.
var tileFilterParams = []string{"from", "to", "town", "metric"}

// tileFilter reads a tile's query: only tileFilterParams, each once, so a
// misspelt filter (?frm=, ?town=a;b) is a 400 naming it, never a tile of the
// whole county that looks filtered.
func tileFilter(rawQuery string) (tiles.Filter, url.Values, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return tiles.Filter{}, nil, lianxin.Errorf(lianxin.EInvalid, "query %.60q: %v", rawQuery, err)
	}
	for k, v := range q {
		if !slices.Contains(tileFilterParams, k) {
			return tiles.Filter{}, nil, lianxin.Errorf(lianxin.EInvalid, "%.40q: unknown parameter (tiles take %s)", k, strings.Join(tileFilterParams, ", "))
		}
		if len(v) > 1 {
			return tiles.Filter{}, nil, lianxin.Errorf(lianxin.EInvalid, "%s: given %d times", k, len(v))
		}
	}
	f, err := tiles.ParseFilter(q.Get("from"), q.Get("to"), q.Get("town"), q.Get("metric"))
	return f, q, err
}

// acceptsGzip reads Accept-Encoding: gzip (or *) listed without q=0.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if name != "gzip" && name != "*" {
			continue
		}
		if params == "" { // no q: accepted, and no parse error to allocate
			return true
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
	_, q, err := tileFilter(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	keep := url.Values{}
	for _, k := range tileFilterParams {
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
