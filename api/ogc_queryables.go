package api

import (
	"maps"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"lianxin/export"
)

// The queryables of a collection (OGC API – Features Part 3): the
// properties its items filter on the server by property=value
// (export.Layer.Queryables), as a JSON Schema. The items refuse a filter on
// any other property. GDAL (3.6 to 3.10) reads the same list from the
// collection's own path in /ogc/api, whose query parameters it matches to
// its fields: a -where "village_code = '…'" is then sent as
// ?village_code=… and evaluated by PostgreSQL through the index, where
// without it GDAL fetched the whole layer and filtered it itself.

// jsonSchemaType is a field's type in JSON Schema (and an OpenAPI schema).
func jsonSchemaType(f export.Field) map[string]any {
	switch f.Type {
	case export.Integer, export.Integer64:
		return map[string]any{"type": "integer"}
	case export.Real:
		return map[string]any{"type": "number"}
	case export.Boolean:
		return map[string]any{"type": "boolean"}
	case export.Date:
		return map[string]any{"type": "string", "format": "date"}
	case export.DateTime:
		return map[string]any{"type": "string", "format": "date-time"}
	}
	return map[string]any{"type": "string"}
}

// ogcQueryables serves /ogc/collections/{id}/queryables.
func (s *Server) ogcQueryables(c echo.Context) error {
	scope := scopeOf(c)
	r, err := s.ogcRequested(c, scope)
	if err != nil {
		return err
	}
	props := map[string]any{}
	for _, f := range r.l.Queryables() {
		p := jsonSchemaType(f)
		p["title"] = f.Name
		p["description"] = f.Description
		props[f.Name] = p
	}
	self := ogcBase(c) + "/collections/" + r.id + "/queryables"
	c.Response().Header().Set(echo.HeaderContentType, schemaJSONType)
	return c.JSON(http.StatusOK, map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  self,
		"type":                 "object",
		"title":                r.title(),
		"description":          "Properties that filter the items of " + r.id + " as property=value (compared as text: true/false, whole numbers, YYYY-MM-DD); several are ANDed. Other parameters: bbox, bbox-crs, datetime, crs, town, limit.",
		"properties":           props,
		"additionalProperties": false,
	})
}

// ogcBooleans rewrites a boolean queryable's 1 or 0, which GDAL sends for
// OGR SQL's "rural = 1" (OGR has no boolean literal), as true or false.
func ogcBooleans(l *export.Layer, q url.Values) url.Values {
	var out url.Values
	for _, f := range l.Queryables() {
		if f.Type != export.Boolean {
			continue
		}
		if v := q.Get(f.Name); v == "1" || v == "0" {
			if out == nil {
				out = maps.Clone(q)
			}
			out.Set(f.Name, map[string]string{"1": "true", "0": "false"}[v])
		}
	}
	if out == nil {
		return q
	}
	return out
}
