package api

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// openAPIDoc describes the API. It is kept by hand next to routes.go; a test
// checks that every /api route appears in it.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/vnd.oai.openapi+json;version=3.0", openAPIDoc)
}

// Route is one registered route, for tests and docs.
type Route struct{ Method, Path string }

// Routes lists the registered routes.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

// OpenAPIPath turns Echo's ":name" parameters into OpenAPI's "{name}".
func OpenAPIPath(echoPath string) string {
	parts := strings.Split(echoPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
