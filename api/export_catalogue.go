package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lianxin/export"
)

// catalogueLayer is one layer of GET /api/v1/export: what the web map's GIS
// view needs to offer only the downloads the server gives.
type catalogueLayer struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Geometry as ogr2ogr names it: POINT, POLYGON, MULTIPOLYGON,
	// MULTILINESTRING, GEOMETRY (points and polygons mixed) or NONE.
	Geometry string `json:"geometry"`
	// Formats the layer is offered in (export.FormatsFor).
	Formats []export.Format `json:"formats"`
	// Allowed: the caller may export it (households and visits need the
	// household_points grant).
	Allowed bool `json:"allowed"`
}

// exportCatalogue serves GET /api/v1/export: every layer of the exports
// with its geometry and formats, and whether the caller may export it.
func (s *Server) exportCatalogue(c echo.Context) error {
	scope := scopeOf(c)
	out := []catalogueLayer{}
	for _, l := range export.Layers() {
		_, err := s.deps.Export.Layer(scope, l.Name)
		out = append(out, catalogueLayer{Name: l.Name, Title: l.Title, Geometry: string(l.Geometry),
			Formats: export.FormatsFor(l), Allowed: err == nil})
	}
	return c.JSON(http.StatusOK, map[string]any{"layers": out})
}
