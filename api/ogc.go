package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/export"
)

// OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogc, over
// the export catalogue: every layer the caller may read is a collection.
// QGIS and GDAL's OAPIF driver open it from the landing page URL.

// Page sizes: a client that names no limit gets 1000 features a page (a
// village's households in one or two requests), and may ask up to 50,000
// (a county's 346,000 households in seven; a page streams, so its size
// costs the server no memory). GDAL from 3.9 takes its page size from the
// limit's default and maximum in /ogc/api; GDAL 3.6 asks 10 a page unless
// opened with -oo PAGE_SIZE=N (README).
const (
	ogcLimitDefault = 1000
	ogcLimitMax     = 50000
	crs84           = export.CRS84URI
	geoJSONType     = "application/geo+json"
	schemaJSONType  = "application/schema+json"
	relQueryables   = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
)

var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
}

// ogcItemParams are the items parameters other than property filters.
var ogcItemParams = map[string]bool{"limit": true, "offset": true, "after": true, "bbox": true, "datetime": true, "f": true, "crs": true}

type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// ogcBase is the absolute URL of /ogc as the client reached it.
func ogcBase(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + "/ogc"
}

func ogcJSON(c echo.Context, v any) error {
	return c.JSON(http.StatusOK, v)
}

// checkF accepts f=json or f=geojson (or none): the only encodings served.
func checkF(c echo.Context) error {
	switch c.QueryParam("f") {
	case "", "json", "geojson", "application/json", geoJSONType:
		return nil
	}
	return lianxin.Refuse(lianxin.EInvalid, "f", export.ReasonBadF, map[string]any{"value": c.QueryParam("f")}, "f %q: only json is served", c.QueryParam("f"))
}

func (s *Server) ogcLanding(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	base := ogcBase(c)
	return ogcJSON(c, map[string]any{
		"title":       "lianxin 连心",
		"description": "Layers of the mass-work corps' coverage map (OGC API – Features). Coordinates are WGS 84 (CRS84); crs=" + export.EPSG4490URI + " gives CGCS2000 (latitude first).",
		"links": []ogcLink{
			{base, "self", "application/json", "this document"},
			{base + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"},
			{base + "/conformance", "conformance", "application/json", "conformance classes"},
			{base + "/collections", "data", "application/json", "the collections"},
		},
	})
}

func (s *Server) ogcConformance(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	return ogcJSON(c, map[string]any{"conformsTo": ogcConformance})
}

// ogcKinds are the collections over one geometry kind of a mixed layer
// (projects_points, projects_polygons), listed beside the whole layer.
// QGIS 3.22 types an OAPIF layer by its first feature and draws no feature
// of another kind, so there the mixed collection shows its points alone;
// GDAL reads the mixed collection as Unknown (any) and keeps both.
var ogcKinds = []struct {
	suffix, title string
	kind          export.GeometryType
}{{"_points", "points", export.Point}, {"_polygons", "polygons", export.Polygon}}

// ogcRef is one collection: a layer, or one geometry kind of a mixed layer.
type ogcRef struct {
	id   string
	l    *export.Layer
	kind export.GeometryType // empty: the whole layer
}

func (r ogcRef) title() string {
	for _, k := range ogcKinds {
		if k.kind == r.kind {
			return r.l.Title + " (" + k.title + ")"
		}
	}
	return r.l.Title
}

// mixed reports whether the collection's pages mix geometry kinds (paged
// by offset, see export.Page).
func (r ogcRef) mixed() bool { return r.l.Geometry == export.AnyGeometry && r.kind == "" }

// ogcRefs lists the collections scope may read, in catalogue order.
func (s *Server) ogcRefs(scope lianxin.Scope) []ogcRef {
	var refs []ogcRef
	for _, l := range s.deps.Export.Layers(scope) {
		refs = append(refs, ogcRef{id: l.Name, l: l})
		if l.Geometry == export.AnyGeometry {
			for _, k := range ogcKinds {
				refs = append(refs, ogcRef{id: l.Name + k.suffix, l: l, kind: k.kind})
			}
		}
	}
	return refs
}

// ogcRequested checks a collection request's f= and finds the collection
// its {id} names.
func (s *Server) ogcRequested(c echo.Context, scope lianxin.Scope) (ogcRef, error) {
	if err := checkF(c); err != nil {
		return ogcRef{}, err
	}
	return s.ogcRefOf(scope, c.Param("id"))
}

// ogcRefOf finds the collection named id.
func (s *Server) ogcRefOf(scope lianxin.Scope, id string) (ogcRef, error) {
	for _, k := range ogcKinds {
		if name, ok := strings.CutSuffix(id, k.suffix); ok {
			if l, err := s.deps.Export.Layer(scope, name); err == nil && l.Geometry == export.AnyGeometry {
				return ogcRef{id: id, l: l, kind: k.kind}, nil
			}
		}
	}
	l, err := s.deps.Export.Layer(scope, id)
	return ogcRef{id: id, l: l}, err
}

// trsGregorian is the temporal reference system of OGC extents.
const trsGregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

// ogcCollection describes a collection; a kind collection carries its
// layer's extent, which holds it.
func ogcCollection(base string, r ogcRef, ext export.Extent) map[string]any {
	l := r.l
	self := base + "/collections/" + r.id
	description := l.Description
	if r.kind != "" {
		description += "; this collection: the " + strings.ToLower(string(r.kind)) + "s alone"
	}
	col := map[string]any{
		"id": r.id, "title": r.title(), "description": description,
		"itemType": "feature", "crs": export.OGCCRSURIs, "storageCrs": crs84,
		"links": []ogcLink{
			{self, "self", "application/json", r.title()},
			{self + "/items", "items", geoJSONType, r.title() + " (features)"},
			// Part 3's relation, and the short name GDAL looks for.
			{self + "/queryables", relQueryables, schemaJSONType, r.title() + " (queryables)"},
			{self + "/queryables", "queryables", schemaJSONType, r.title() + " (queryables)"},
		},
	}
	extent := map[string]any{}
	if b := ext.BBox; b != nil {
		extent["spatial"] = map[string]any{"bbox": [][]float64{{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}}, "crs": crs84}
	}
	if l.Temporal != "" {
		// An open end (null) when the layer has no rows in scope.
		instant := func(t *time.Time) any {
			if t == nil {
				return nil
			}
			return t.UTC().Format(time.RFC3339)
		}
		extent["temporal"] = map[string]any{"interval": [][]any{{instant(ext.From), instant(ext.To)}}, "trs": trsGregorian}
	}
	if len(extent) > 0 {
		col["extent"] = extent
	}
	return col
}

func (s *Server) ogcCollections(c echo.Context) error {
	if err := checkF(c); err != nil {
		return err
	}
	base := ogcBase(c)
	scope := scopeOf(c)
	cols := []map[string]any{}
	for _, r := range s.ogcRefs(scope) {
		ext, err := s.deps.Export.Extent(c.Request().Context(), scope, r.l)
		if err != nil {
			return err
		}
		col := ogcCollection(base, r, ext)
		if err := s.withTemporalExtent(c.Request().Context(), scope, r.l, ext, col); err != nil {
			return err
		}
		cols = append(cols, col)
	}
	return ogcJSON(c, map[string]any{
		"links":       []ogcLink{{base + "/collections", "self", "application/json", "collections"}},
		"crs":         export.OGCCRSURIs,
		"collections": cols,
	})
}

func (s *Server) ogcCollectionOne(c echo.Context) error {
	scope := scopeOf(c)
	r, err := s.ogcRequested(c, scope)
	if err != nil {
		return err
	}
	ext, err := s.deps.Export.Extent(c.Request().Context(), scope, r.l)
	if err != nil {
		return err
	}
	col := ogcCollection(ogcBase(c), r, ext)
	if err := s.withTemporalExtent(c.Request().Context(), scope, r.l, ext, col); err != nil {
		return err
	}
	return ogcJSON(c, col)
}

// ogcItems serves /ogc/collections/{id}/items: a page of features in id
// order (a mixed layer's: its kinds in turn), with numberMatched,
// numberReturned and a next link while more remain.
func (s *Server) ogcItems(c echo.Context) error {
	scope := scopeOf(c)
	r, err := s.ogcRequested(c, scope)
	if err != nil {
		return err
	}
	l := r.l
	q := c.QueryParams()
	page := export.Page{Limit: ogcLimitDefault}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return lianxin.Refuse(lianxin.EInvalid, "limit", export.ReasonBadLimit, map[string]any{"value": v, "max": ogcLimitMax},
				"limit %q: want a whole number from 1 to %d", v, ogcLimitMax)
		}
		page.Limit = min(n, ogcLimitMax) // the standard asks to cap, not refuse
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return lianxin.Refuse(lianxin.EInvalid, "offset", export.ReasonBadOffset, map[string]any{"value": v}, "offset %q: want a whole number, 0 or more", v)
		}
		page.Offset = n
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return lianxin.Refuse(lianxin.EInvalid, "after", export.ReasonBadAfter, map[string]any{"value": v}, "after %q: want a feature id (the next link sets it)", v)
		}
		page.After = n
		if r.mixed() {
			return lianxin.Refuse(lianxin.EInvalid, "after", export.ReasonAfterMixed, map[string]any{"collection": r.id}, "after: collection %s is paged by offset (its pages take points and polygons in turn, not ids in order); follow the next link", r.id)
		}
	}
	known := map[string]bool{}
	for k := range ogcItemParams {
		known[k] = true
	}
	// The layer parameters of the exports: h3_cells' resolution chooses the
	// cells (as a property filter it would match none but resolution 8's),
	// below keeps the villages in gap (reached false).
	if l.Resolution {
		known["resolution"] = true
	}
	if l.Coverage {
		known["below"] = true
	}
	// town, the exports' and tiles' name for the town filter, so that one
	// URL's filters mean the same in a download and in QGIS. town_code,
	// which a GIS user saved as a property filter before the collections
	// took town, stays what it is: the property filter on the town_code
	// every layer of a town carries, selecting the same features.
	known["town"] = true
	crs, err := export.OGCCRS("crs", q.Get("crs"))
	if err != nil {
		return err
	}
	if parts := strings.Split(q.Get("bbox"), ","); len(parts) == 6 {
		// A 3-D box (minLon,minLat,minZ,maxLon,maxLat,maxZ), which the
		// standard's bbox allows: no layer has heights, so the corners'
		// horizontal parts are the filter.
		q = maps.Clone(q)
		q.Set("bbox", strings.Join([]string{parts[0], parts[1], parts[3], parts[4]}, ","))
	}
	// The links keep the bbox and bbox-crs as asked; the filter reads the
	// box in CRS84 (ogc_bboxcrs.go).
	fq, err := ogcBBoxCRS(q)
	if err != nil {
		return err
	}
	// Property filters on the collection's queryables alone, a boolean as
	// true/false or as GDAL writes one (1/0).
	fq = ogcBooleans(l, fq)
	f, err := parseFilterOn(l, fq, known, l.Queryables())
	if err != nil {
		return err
	}
	f.GeometryKind = r.kind
	ctx := c.Request().Context()
	// As the exports refuse it: an unknown town, another town's stored
	// layer, one town's share of the hexagons without household access.
	if _, err := s.checkExportTown(ctx, scope, l, f.Town); err != nil {
		return err
	}
	if v := q.Get("datetime"); v != "" {
		from, to, err := ogcDatetime(l, v) // closed intervals (ogc_datetime.go)
		if err != nil {
			return err
		}
		// A feature without a time matches any datetime (OGC 17-069r4,
		// /req/core/fc-time-response C): on a layer without time the
		// value is checked and every feature selected; on a layer with
		// time the rows whose time is empty stay in. An aggregate layer's
		// datetime is its window.
		switch {
		case l.Kind == export.Aggregate:
			f.From, f.To = from, to
		case l.Temporal != "":
			f.From, f.To, f.KeepUntimed = from, to, true
		}
	}
	// numberMatched on the first page only: counting the rows is most of a
	// households page's time (0.2 s at scale 1), and a client paging
	// through a layer 10 features at a time (GDAL's default) would pay it
	// on every one of tens of thousands of pages. Later pages know whether
	// more follow from the row after their last.
	first := page.Offset == 0 && page.After == 0
	var matched int64
	if first {
		if matched, err = s.deps.Export.Count(ctx, scope, l, f); err != nil {
			return err
		}
	}
	self := ogcBase(c) + "/collections/" + r.id + "/items"
	pageURL := func(offset int, after int64) string {
		v := url.Values{}
		for k, vals := range q {
			if k != "offset" && k != "limit" && k != "after" {
				v[k] = vals
			}
		}
		v.Set("limit", strconv.Itoa(page.Limit))
		if after > 0 {
			v.Set("after", strconv.FormatInt(after, 10))
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		return self + "?" + v.Encode()
	}
	tail := func(end export.PageEnd) []byte {
		links := []ogcLink{
			{pageURL(page.Offset, page.After), "self", geoJSONType, "this page"},
			{ogcBase(c) + "/collections/" + r.id, "collection", "application/json", r.title()},
		}
		switch {
		case end.More && r.mixed():
			// Pages of a mixed layer are not in id order (export.Page).
			links = append(links, ogcLink{pageURL(page.Offset+page.Limit, 0), "next", geoJSONType, "next page"})
		case end.More:
			// After the last feature shown: the next page starts from its
			// id through the index, however deep it is.
			links = append(links, ogcLink{pageURL(0, end.LastID), "next", geoJSONType, "next page"})
		}
		if page.Offset > 0 && page.After == 0 {
			links = append(links, ogcLink{pageURL(max(0, page.Offset-page.Limit), 0), "prev", geoJSONType, "previous page"})
		}
		lj, _ := json.Marshal(links)
		var out []byte
		if first {
			out = append(out, `,"numberMatched":`...)
			out = strconv.AppendInt(out, matched, 10)
		}
		out = append(out, `,"numberReturned":`...)
		out = strconv.AppendInt(out, end.N, 10)
		out = append(out, `,"timeStamp":"`+time.Now().UTC().Format(time.RFC3339)+`","links":`...)
		return append(out, lj...)
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, geoJSONType)
	res.Header().Set("Content-Crs", "<"+ogcCRSURI(q.Get("crs"))+">")
	res.WriteHeader(http.StatusOK)
	_, err = s.deps.Export.Features(ctx, scope, l, f, page, crs, res, nil, tail)
	if err != nil {
		s.log.Warn("ogc items cut short", "collection", r.id, "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

func (s *Server) ogcItem(c echo.Context) error {
	scope := scopeOf(c)
	r, err := s.ogcRequested(c, scope)
	if err != nil {
		return err
	}
	crs, err := export.OGCCRS("crs", c.QueryParam("crs"))
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("featureId"), 10, 64)
	if err != nil {
		return lianxin.Refuse(lianxin.ENotFound, "featureId", export.ReasonNoFeature, map[string]any{"value": c.Param("featureId"), "collection": r.id},
			"feature %q of %s: not found", c.Param("featureId"), r.id)
	}
	base := ogcBase(c) + "/collections/" + r.id
	links, _ := json.Marshal([]ogcLink{
		{base + "/items/" + c.Param("featureId"), "self", geoJSONType, "this feature"},
		{base, "collection", "application/json", r.title()},
	})
	buf := &deferredWriter{}
	if err := s.deps.Export.Feature(c.Request().Context(), scope, r.l, id, crs, buf, append([]byte(`,"links":`), links...)); err != nil {
		return err
	}
	if r.kind != "" && !ofKind(buf.b, r.kind) {
		return lianxin.Refuse(lianxin.ENotFound, "featureId", export.ReasonNoFeature, map[string]any{"value": c.Param("featureId"), "collection": r.id},
			"feature %d of %s: not found (it is not one of the %ss)", id, r.id, strings.ToLower(string(r.kind)))
	}
	c.Response().Header().Set("Content-Crs", "<"+ogcCRSURI(c.QueryParam("crs"))+">")
	return c.Blob(http.StatusOK, geoJSONType, buf.b)
}

// ogcCRSURI is the URI of a page's CRS (Content-Crs): as asked, CRS84 when
// none was.
func ogcCRSURI(asked string) string {
	if asked == "" {
		return crs84
	}
	return asked
}

// ofKind reports whether a GeoJSON feature's geometry is of kind, its
// multi form included.
func ofKind(feature []byte, kind export.GeometryType) bool {
	var f struct {
		Geometry *struct{ Type string } `json:"geometry"`
	}
	if json.Unmarshal(feature, &f) != nil || f.Geometry == nil {
		return false
	}
	t := strings.ToUpper(strings.TrimPrefix(f.Geometry.Type, "Multi"))
	return t == string(kind)
}

// deferredWriter holds one feature so a not-found error can still be sent
// as JSON.
type deferredWriter struct{ b []byte }

func (d *deferredWriter) Write(p []byte) (int, error) { d.b = append(d.b, p...); return len(p), nil }

// ogcAPI serves /ogc/api, the OpenAPI 3.0 definition of the /ogc endpoints
// (conformance class oas30). GDAL 3.6's OAPIF driver does not read the
// limit from it: it asks for 10 features a page unless opened with
// -oo PAGE_SIZE=N (README).
func (s *Server) ogcAPI(c echo.Context) error {
	base := ogcBase(c)
	jsonResp := func(desc string) map[string]any {
		return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{}}},
			"default": map[string]any{"$ref": "#/components/responses/Error"}}
	}
	geoResp := func(desc string) map[string]any {
		return map[string]any{"200": map[string]any{"description": desc, "content": map[string]any{geoJSONType: map[string]any{}}},
			"default": map[string]any{"$ref": "#/components/responses/Error"}}
	}
	param := func(name, in, desc string, required bool, schema map[string]any) map[string]any {
		p := map[string]any{"name": name, "in": in, "description": desc, "required": required, "schema": schema}
		if in == "query" {
			p["style"], p["explode"] = "form", false
		}
		return p
	}
	collectionID := param("collectionId", "path", "collection (layer) id", true, map[string]any{"type": "string"})
	var ids []string
	refs := s.ogcRefs(scopeOf(c))
	for _, r := range refs {
		ids = append(ids, r.id)
	}
	if len(ids) > 0 {
		collectionID["schema"] = map[string]any{"type": "string", "enum": ids}
	}
	// The items' parameters: the collection's own path lists its
	// queryables too, which GDAL reads to send a -where on them to the
	// server (ogc_queryables.go).
	itemsParams := func(id any, props []export.Field) []any {
		ps := []any{
			id,
			param("limit", "query", "features per page", false, map[string]any{"type": "integer", "minimum": 1, "maximum": ogcLimitMax, "default": ogcLimitDefault}),
			param("offset", "query", "features to skip", false, map[string]any{"type": "integer", "minimum": 0, "default": 0}),
			param("after", "query", "start after the feature with this id (the next link sets it)", false, map[string]any{"type": "integer", "minimum": 0}),
			param("town", "query", "town code, as the exports and tiles take it: the features of that town (an unknown town 400, another town's stored layer 403); the property filter town_code=, which every layer of a town carries, selects the same features", false, map[string]any{"type": "string"}),
			param("bbox", "query", "minLon,minLat,maxLon,maxLat in CRS84, or in bbox-crs's axis order (EPSG:4490 and EPSG:4326: latitude first)", false, map[string]any{"type": "array", "minItems": 4, "maxItems": 6, "items": map[string]any{"type": "number"}}),
			param("bbox-crs", "query", "the CRS of bbox (OGC API – Features Part 2)", false, map[string]any{"type": "string", "format": "uri", "enum": export.OGCCRSURIs, "default": crs84}),
			param("crs", "query", "the CRS of the features' coordinates (OGC API – Features Part 2): CRS84 (longitude, latitude), or EPSG:4490 (CGCS2000) or EPSG:4326 with the same coordinates, latitude first", false, map[string]any{"type": "string", "format": "uri", "enum": export.OGCCRSURIs, "default": crs84}),
			param("datetime", "query", "an instant or a closed interval start/end (end included: a date end is that whole day in UTC+8, so 2026-05-31/2026-05-31 is one day; .. for open) on the collection's time; features without a time (every feature of a collection without one) always match; the window of village_coverage, gaps and h3_cells", false, map[string]any{"type": "string"}),
		}
		for _, f := range props {
			p := param(f.Name, "query", f.Description+" (a queryable: equal to this value)", false, jsonSchemaType(f))
			p["style"], p["explode"] = "form", true
			ps = append(ps, p)
		}
		return ps
	}
	paths := map[string]any{
		"/":            map[string]any{"get": map[string]any{"summary": "landing page", "operationId": "getLandingPage", "responses": jsonResp("links to the API")}},
		"/conformance": map[string]any{"get": map[string]any{"summary": "conformance classes", "operationId": "getConformanceDeclaration", "responses": jsonResp("the conformance classes")}},
		"/collections": map[string]any{"get": map[string]any{"summary": "the collections", "operationId": "getCollections", "responses": jsonResp("every layer the caller may read")}},
		"/collections/{collectionId}": map[string]any{"get": map[string]any{
			"summary": "one collection", "operationId": "describeCollection",
			"parameters": []any{collectionID}, "responses": jsonResp("the collection")}},
		"/collections/{collectionId}/queryables": map[string]any{"get": map[string]any{
			"summary": "the properties the items filter on (JSON Schema)", "operationId": "getQueryables",
			"parameters": []any{collectionID}, "responses": jsonResp("the queryables")}},
		"/collections/{collectionId}/items": map[string]any{"get": map[string]any{
			"summary": "features of a collection, in id order", "operationId": "getFeatures",
			"parameters": itemsParams(collectionID, nil),
			"responses":  geoResp("a page of features")}},
		"/collections/{collectionId}/items/{featureId}": map[string]any{"get": map[string]any{
			"summary": "one feature", "operationId": "getFeature",
			"parameters": []any{collectionID, param("featureId", "path", "feature id", true, map[string]any{"type": "string"}),
				param("crs", "query", "the CRS of the coordinates, as for the items", false, map[string]any{"type": "string", "format": "uri", "enum": export.OGCCRSURIs, "default": crs84})},
			"responses": geoResp("the feature")}},
	}
	for _, r := range refs {
		paths["/collections/"+r.id+"/items"] = map[string]any{"get": map[string]any{
			"summary": "features of " + r.id + ", in id order", "operationId": "getFeatures_" + r.id,
			"parameters": itemsParams(nil, r.l.Queryables())[1:],
			"responses":  geoResp("a page of " + r.id)}}
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "lianxin OGC API – Features", "version": "1.0.0"},
		"servers": []map[string]any{{"url": base}},
		"paths":   paths,
		"components": map[string]any{"responses": map[string]any{"Error": map[string]any{
			"description": "an error: {\"error\":{\"code\",\"message\"}}", "content": map[string]any{"application/json": map[string]any{}}}}},
	}
	return c.JSON(http.StatusOK, doc)
}
