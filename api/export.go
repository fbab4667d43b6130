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
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/export"
	"lianxin/geo"
	"lianxin/tiles"
)

// Exporter writes layer exports and OGC API – Features pages
// (export.Service).
type Exporter interface {
	Layers(scope lianxin.Scope) []*export.Layer
	Layer(scope lianxin.Scope, name string) (*export.Layer, error)
	Export(ctx context.Context, scope lianxin.Scope, req export.Request, w io.Writer, begin func(export.Meta) error) (int64, error)
	Check(scope lianxin.Scope, req export.Request) error
	CheckEncoding(ctx context.Context, scope lianxin.Scope, req export.Request) error
	Count(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter) (int64, error)
	Features(ctx context.Context, scope lianxin.Scope, l *export.Layer, f export.Filter, p export.Page, crs export.CRS, w io.Writer, head []byte, tail func(export.PageEnd) []byte) (int64, error)
	Feature(ctx context.Context, scope lianxin.Scope, l *export.Layer, id int64, crs export.CRS, w io.Writer, extra []byte) error
	Extent(ctx context.Context, scope lianxin.Scope, l *export.Layer) (export.Extent, error)
	Package(ctx context.Context, scope lianxin.Scope, p export.TownPackage, tile export.TileFunc, w io.Writer, begin func(export.Meta) error) (int, error)
	TownShape(ctx context.Context, scope lianxin.Scope, code string) (orb.Geometry, error)
}

// exportTimeout bounds a whole download. Downloads skip the server's
// request timeout (isDownload): a county's households take longer than an
// API call, and a client that goes away still cancels at once.
const exportTimeout = 30 * time.Minute

// HeaderCutValues, on a shapefile export, counts the text values longer
// than a .dbf field holds: cut in the .dbf and written whole to
// longtext.csv in the zip. A script learns from it, without unzipping,
// whether the side table is there; 0 when nothing was cut.
const HeaderCutValues = "X-Lianxin-Cut-Values"

// isDownload marks the routes that stream whole layers.
func isDownload(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/api/v1/export/") }

// isBinaryDownload tells the downloads sent without gzip: PMTiles (whose
// tiles are gzipped inside), zipped shapefiles, GeoPackages and FlatGeobuf.
func isBinaryDownload(c echo.Context) bool {
	if c.Path() == "/api/v1/export/pmtiles" {
		return true
	}
	if !isDownload(c) {
		return false
	}
	f, _ := export.ParseFormat(c.QueryParam("format")) // as the export reads it: GPKG is gpkg
	switch f {
	case export.GeoPackage, export.Shapefile, export.FlatGeobuf:
		return true
	}
	return false
}

// exportParams are the query parameters of /api/v1/export/{layer} other
// than property filters.
var exportParams = map[string]bool{
	"format": true, "crs": true, "encoding": true, "town": true, "bbox": true,
	"from": true, "to": true, "below": true, "resolution": true, "geometry": true, "check": true,
	"lang": true, "excel": true, // format=csv only (export_csv.go)
}

// checkAnswer is what ?check=true answers instead of a file: the download
// the same URL would start (its file name, and for a layer its rows).
// The web map asks it first, so that a refusal is said on the page and an
// accepted file is left to the browser's own download (progress, cancel,
// no copy in the tab's memory).
type checkAnswer struct {
	Filename string `json:"filename"`
	Rows     *int64 `json:"rows,omitempty"`
}

// wantsCheck reads the check parameter of the download routes.
func wantsCheck(q url.Values) (bool, error) {
	s := q.Get("check")
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, lianxin.Refuse(lianxin.EInvalid, "check", export.ReasonBadCheck, map[string]any{"value": s}, "check %q: want true or false", s)
	}
	return b, nil
}

// parseFilter reads the filter parameters shared by exports and OGC items.
// Parameters not in known are property filters and must name a field.
func parseFilter(l *export.Layer, q url.Values, known map[string]bool) (export.Filter, error) {
	return parseFilterOn(l, q, known, l.Fields)
}

// parseFilterOn is parseFilter with property filters on fields alone (an
// OGC collection's queryables).
func parseFilterOn(l *export.Layer, q url.Values, known map[string]bool, fields []export.Field) (export.Filter, error) {
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
			return f, lianxin.Refuse(lianxin.EInvalid, "below", export.ReasonBadBelow, map[string]any{"value": s}, "below %q: want true or false", s)
		}
	}
	if s := get("resolution"); s != "" {
		if f.Resolution, err = strconv.Atoi(s); err != nil {
			return f, lianxin.Refuse(lianxin.EInvalid, "resolution", export.ReasonBadResolution,
				map[string]any{"value": s, "min": export.MinResolution, "max": export.MaxResolution},
				"resolution %q: want a whole number from %d to %d", s, export.MinResolution, export.MaxResolution)
		}
	}
	for name, vals := range q {
		if known[name] {
			continue
		}
		if !slices.ContainsFunc(fields, func(f export.Field) bool { return f.Name == name }) {
			names := make([]string, len(fields))
			for i, f := range fields {
				names[i] = f.Name
			}
			return f, lianxin.Refuse(lianxin.EInvalid, name, export.ReasonUnknownParameter,
				map[string]any{"value": name, "params": sortedKeys(known), "layer": l.Name, "fields": names},
				"%s: unknown parameter (filters: %s; fields of %s: %s)",
				name, strings.Join(sortedKeys(known), ", "), l.Name, strings.Join(names, ", "))
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
	if req.Filter.GeometryKind, err = export.ParseGeometryKind(q.Get("geometry")); err != nil {
		return err
	}
	csvOut, err := ParseExportCSV(req.Format, q.Get("lang"), q.Get("excel"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), exportTimeout)
	defer cancel()
	if req.TownName, err = s.checkExportTown(ctx, scope, l, req.Filter.Town); err != nil {
		return err
	}
	check, err := wantsCheck(q)
	if err != nil {
		return err
	}
	if check {
		// The export's own checks, then the store's (the town's code) by a
		// count, which writes nothing and logs no export.
		if err := s.deps.Export.Check(scope, req); err != nil {
			return err
		}
		// A GBK shapefile's text, scanned as the download would write it.
		if err := s.deps.Export.CheckEncoding(ctx, scope, req); err != nil {
			return err
		}
		n, err := s.deps.Export.Count(ctx, scope, l, req.Filter)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, checkAnswer{Filename: req.NamedFilename(), Rows: &n})
	}
	res := c.Response()
	begin := func(m export.Meta) error {
		h := res.Header()
		h.Set(echo.HeaderContentType, m.ContentType)
		h.Set(echo.HeaderContentDisposition, attachment(m.Filename, req.NamedFilename()))
		if m.Size >= 0 {
			h.Set(echo.HeaderContentLength, strconv.FormatInt(m.Size, 10))
		}
		if req.Format == export.Shapefile {
			h.Set(HeaderCutValues, strconv.Itoa(m.CutValues))
		}
		res.WriteHeader(http.StatusOK)
		return nil
	}
	_, err = s.deps.Export.Export(ctx, scope, req, csvOut.Writer(res), begin)
	err = csvOut.Close(err)
	if err != nil && res.Committed {
		// Headers and part of the file are out: cut the connection so the
		// client sees a truncated download, never a short file that looks whole.
		s.log.Warn("export cut short", "layer", l.Name, "format", req.Format, "error", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// checkExportTown refuses a town code that names no town (where the
// export's own check said it in words the web map could not put in
// Chinese), and a stored layer of a town outside the caller's towns, as
// the offline packages do, rather than send a file with no row (the rows
// are filtered by scope either way). Aggregates answer for every town
// (issue 8). It returns the town's name, for the download's file name.
func (s *Server) checkExportTown(ctx context.Context, scope lianxin.Scope, l *export.Layer, code string) (string, error) {
	if code == "" || s.deps.Reports == nil {
		return "", nil
	}
	towns, err := s.deps.Reports.Towns(ctx, scope)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(towns, func(t coverage.Town) bool { return t.Code == code })
	if i < 0 {
		return "", lianxin.Refuse(lianxin.EInvalid, "town", export.ReasonTownUnknown, map[string]any{"town": code},
			"town %q: no town with that code", code)
	}
	if !scope.AllTowns && l.Kind == export.Stored && !scope.SeesTown(towns[i].ID) {
		return "", lianxin.Refuse(lianxin.EForbidden, "town", export.ReasonTownNotYours, map[string]any{"town": code, "layer": l.Name},
			"town %s: outside your towns (layer %s has rows of your towns only)", code, l.Name)
	}
	// h3_cells: one town's share needs household access there.
	return towns[i].Name, export.CheckCellTown(scope, l, towns[i])
}

// attachment is a download's Content-Disposition: the plain ASCII name for
// every client, and the full name (a town's Chinese name in it) as
// filename* in UTF-8 (RFC 6266), which browsers prefer.
func attachment(ascii, full string) string {
	v := mime.FormatMediaType("attachment", map[string]string{"filename": asciiFileName(ascii)})
	if full != "" && full != ascii {
		v += `; filename*=UTF-8''` + extValue(full)
	}
	return v
}

// Offline packages: zooms of the web map's button unless asked otherwise,
// and the deepest zoom served (a town at z16 is thousands of tiles).
const (
	packageMinZoom    = 8
	packageMaxZoom    = 15
	packageMaxZoomCap = export.PackageMaxZoom
)

// exportPMTiles serves GET /api/v1/export/pmtiles?town=CODE: the offline
// map package (PMTiles, every vector tile layer) of one town in the
// caller's scope, built in a temporary file and sent with its length.
func (s *Server) exportPMTiles(c echo.Context) error {
	if s.deps.Tiles == nil || s.deps.Reports == nil {
		return lianxin.Errorf(lianxin.EUnavailable, "offline packages need the tiles and the town list, which this server lacks")
	}
	scope := scopeOf(c)
	q := c.QueryParams()
	for name := range q {
		if name != "town" && name != "minzoom" && name != "maxzoom" && name != "check" {
			return lianxin.Refuse(lianxin.EInvalid, name, export.ReasonUnknownParameter,
				map[string]any{"value": name, "params": []string{"town", "minzoom", "maxzoom", "check"}},
				"%s: unknown parameter (town, minzoom, maxzoom, check)", name)
		}
	}
	code := q.Get("town")
	if code == "" {
		return lianxin.Refuse(lianxin.EInvalid, "town", export.ReasonTownMissing, nil, "town: missing (the code of the town to package)")
	}
	minZoom, maxZoom := packageMinZoom, packageMaxZoom
	for _, z := range []struct {
		name string
		v    *int
	}{{"minzoom", &minZoom}, {"maxzoom", &maxZoom}} {
		if v := q.Get(z.name); v != "" {
			// From the layers' first zoom: below it the download would fail
			// on its first tile after the check said yes.
			n, err := export.ParsePackageZoom(z.name, v)
			if err != nil {
				return err
			}
			*z.v = n
		}
	}
	if minZoom > maxZoom {
		return lianxin.Refuse(lianxin.EInvalid, "minzoom", export.ReasonZoomOrder, map[string]any{"min": minZoom, "max": maxZoom},
			"minzoom %d is above maxzoom %d", minZoom, maxZoom)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), exportTimeout)
	defer cancel()
	towns, err := s.deps.Reports.Towns(ctx, scope)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(towns, func(t coverage.Town) bool { return t.Code == code })
	if i < 0 {
		return lianxin.Refuse(lianxin.ENotFound, "town", export.ReasonTownUnknown, map[string]any{"town": code}, "town %q: no town with that code", code)
	}
	town := towns[i]
	if !scope.SeesTown(town.ID) {
		return lianxin.Refuse(lianxin.EForbidden, "town", export.ReasonTownNotYours, map[string]any{"town": code, "layer": ""}, "town %s: outside your towns", code)
	}
	check, err := wantsCheck(q)
	if err != nil {
		return err
	}
	if check {
		// The name the download's Content-Disposition gives the archive.
		return c.JSON(http.StatusOK, checkAnswer{Filename: export.NamedPackageFilename(code, town.Name)})
	}
	// The layers this caller may read, by the one rule every tile, export
	// and OGC route applies (households and visits need household points);
	// a server with a stricter rule refuses the tile, and the package with
	// it, rather than leaking a layer.
	var layers []*tiles.Layer
	for _, l := range tiles.Layers() {
		if scope.MayReadLayer(l.Name) == nil {
			layers = append(layers, l)
		}
	}
	// One window for every tile, recorded in the package's metadata
	// (export.TownPackageFor).
	cp, err := s.deps.Reports.Campaign(ctx, scope)
	if err != nil {
		return err
	}
	opt, filter := export.TownPackageFor(cp, town.Name, code, scope.User, town.BBox, minZoom, maxZoom, layers, time.Now())
	// The town's layers, and the county's hexagons over the town
	// (export.TownTiles), as the CLI's package.
	shape, err := s.deps.Export.TownShape(ctx, scope, code)
	if err != nil {
		return err
	}
	tile := export.TownTiles(func(ctx context.Context, ls []*tiles.Layer, zxy geo.TileZXY, f tiles.Filter) ([]byte, error) {
		tl, _, err := s.deps.Tiles.Tile(ctx, scope, tiles.Request{Layers: ls, Tile: zxy, Filter: f}, "")
		return tl.Gzip, err
	}, layers, filter, shape)
	p := export.TownPackage{Town: code, Options: opt}
	res := c.Response()
	begin := func(m export.Meta) error {
		h := res.Header()
		h.Set(echo.HeaderContentType, m.ContentType)
		h.Set(echo.HeaderContentDisposition, attachment(m.Filename, export.NamedPackageFilename(code, town.Name)))
		h.Set(echo.HeaderContentLength, strconv.FormatInt(m.Size, 10))
		res.WriteHeader(http.StatusOK)
		return nil
	}
	_, err = s.deps.Export.Package(ctx, scope, p, tile, res, begin)
	if err != nil && res.Committed {
		s.log.Warn("offline package cut short", "town", code, "error", err)
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
