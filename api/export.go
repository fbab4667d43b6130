package api

import (
	"context"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/export"
)

// Exporter writes layer exports and OGC API – Features pages
// (export.Service).
type Exporter interface {
	Layers(scope lianxin.Scope) []*export.Layer
	Layer(scope lianxin.Scope, name string) (*export.Layer, error)
	Export(ctx context.Context, scope lianxin.Scope, req export.Request, w io.Writer, begin func(export.Meta) error) (int64, error)
	Count(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter) (int64, error)
	Features(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter, p export.Page, w io.Writer, head []byte, tail func(n int64) []byte) (int64, error)
	Feature(ctx context.Context, scope lianxin.Scope, l *export.Layer, id int64, w io.Writer, extra []byte) error
}

// exportTimeout bounds a whole download. Downloads skip the server's
// request timeout (isDownload): a county's households take longer than an
// API call, and a client that goes away still cancels at once.
const exportTimeout = 30 * time.Minute

// isDownload marks the routes that stream whole layers.
func isDownload(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/api/v1/export/") }

// exportParams are the query parameters of /api/v1/export/{layer} other
// than property filters.
var exportParams = map[string]bool{
	"format": true, "crs": true, "encoding": true, "town": true, "bbox": true,
	"from": true, "to": true, "below": true, "resolution": true,
}

// parseFilter reads the filter parameters shared by exports and OGC items.
// Parameters not in known are property filters and must name a field.
func parseFilter(l *export.Layer, q url.Values, known map[string]bool) (export.Filter, error) {
	var f export.Filter
	var err error
	get := func(name string) string {
		if !known[name] {
			return ""
		}
		return q.Get(name)
	}
	f.Town = get("town")
	if s := get("bbox"); s != "" {
		if f.BBox, err = export.ParseBBox(s); err != nil {
			return f, err
		}
	}
	if s := get("from"); s != "" {
		if f.From, err = export.ParseTime("from", s); err != nil {
			return f, err
		}
	}
	if s := get("to"); s != "" {
		if f.To, err = export.ParseTime("to", s); err != nil {
			return f, err
		}
	}
	if s := get("below"); s != "" {
		if f.Below, err = strconv.ParseBool(s); err != nil {
			return f, lianxin.Errorf(lianxin.EInvalid, "below %q: want true or false", s)
		}
	}
	if s := get("resolution"); s != "" {
		if f.Resolution, err = strconv.Atoi(s); err != nil {
			return f, lianxin.Errorf(lianxin.EInvalid, "resolution %q: want a whole number from 6 to 10", s)
		}
	}
	for name, vals := range q {
		if known[name] {
			continue
		}
		if _, ok := l.Field(name); !ok {
			return f, lianxin.Errorf(lianxin.EInvalid, "%s: unknown parameter (filters: %s; fields of %s: %s)",
				name, strings.Join(sortedKeys(known), ", "), l.Name, strings.Join(l.FieldNames(), ", "))
		}
		if f.Equals == nil {
			f.Equals = map[string]string{}
		}
		f.Equals[name] = vals[0]
	}
	return f, nil
}

// exportLayer serves GET /api/v1/export/{layer}: the layer as a file.
func (s *Server) exportLayer(c echo.Context) error {
	scope := scopeOf(c)
	q := c.QueryParams()
	l, err := s.deps.Export.Layer(scope, c.Param("layer"))
	if err != nil {
		return err
	}
	req := export.Request{Layer: l.Name}
	if req.Format, err = export.ParseFormat(q.Get("format")); err != nil {
		return err
	}
	if req.CRS, err = export.ParseCRS(q.Get("crs")); err != nil {
		return err
	}
	if req.Encoding, err = export.ParseEncoding(q.Get("encoding")); err != nil {
		return err
	}
	if q.Get("encoding") == "" {
		req.Encoding = ""
	}
	if req.Filter, err = parseFilter(l, q, exportParams); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), exportTimeout)
	defer cancel()
	res := c.Response()
	begin := func(m export.Meta) error {
		h := res.Header()
		h.Set(echo.HeaderContentType, m.ContentType)
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": m.Filename}))
		if m.Size >= 0 {
			h.Set(echo.HeaderContentLength, strconv.FormatInt(m.Size, 10))
		}
		res.WriteHeader(http.StatusOK)
		return nil
	}
	_, err = s.deps.Export.Export(ctx, scope, req, res, begin)
	if err != nil && res.Committed {
		// Headers and part of the file are out: cut the connection so the
		// client sees a truncated download, never a short file that looks whole.
		s.log.Warn("export cut short", "layer", l.Name, "format", req.Format, "error", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

// needExport answers 503 on the export and OGC routes of a server built
// without an Exporter (tests of other parts).
func (s *Server) needExport(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.deps.Export == nil {
			return lianxin.Errorf(lianxin.EUnavailable, "exports are not configured on this server")
		}
		return h(c)
	}
}
