package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/ingest"
)

// Importer runs uploaded imports (ingest.Service).
type Importer interface {
	Start(ctx context.Context, scope lianxin.Scope, up ingest.Upload, body io.Reader) (ingest.Record, error)
	Import(ctx context.Context, scope lianxin.Scope, id int64) (ingest.Record, error)
	Imports(ctx context.Context, scope lianxin.Scope, limit int) ([]ingest.Record, error)
	// Shutdown refuses new imports, waits for running ones until ctx ends,
	// then cancels them (they roll back and are recorded as failed).
	Shutdown(ctx context.Context) error
}

// importDrain is how long a shutting-down server lets running imports
// finish before it cancels them.
const importDrain = 30 * time.Second

// shutdownImports ends the imports on server shutdown, after the HTTP
// server has stopped taking requests.
func (s *Server) shutdownImports(ctx context.Context) {
	if s.deps.Import == nil {
		return
	}
	drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), importDrain)
	defer cancel()
	if err := s.deps.Import.Shutdown(drainCtx); err != nil {
		s.log.Warn("imports cancelled at shutdown", "waited", importDrain, "error", err)
	}
}

// importRoles may upload files: the layers hold the county's registers.
var importRoles = []lianxin.Role{lianxin.RoleSystem, lianxin.RoleAdmin, lianxin.RoleGIS, lianxin.RoleTeamLeader}

func (s *Server) needImport(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.deps.Import == nil {
			return lianxin.Errorf(lianxin.EUnavailable, "imports are not configured on this server")
		}
		scope := scopeOf(c)
		for _, r := range importRoles {
			if scope.Has(r) {
				return h(c)
			}
		}
		return lianxin.Errorf(lianxin.EForbidden, "importing data needs the admin, gis or team_leader role")
	}
}

// startImport is POST /api/v1/imports/{layer}: a multipart form with the
// file in field "file" and options as form fields or query parameters
// (encoding, crs, dry_run, skip_invalid, make_valid, source_layer). It answers 202 with
// the running import's record; poll GET /api/v1/imports/{id}.
func (s *Server) startImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return lianxin.Errorf(lianxin.EInvalid, "file: want a multipart/form-data upload with the file in field \"file\"")
	}
	up := ingest.Upload{Layer: c.Param("layer"), FileName: fh.Filename,
		Encoding: c.FormValue("encoding"), CRS: c.FormValue("crs"), SourceLayer: c.FormValue("source_layer")}
	for name, dst := range map[string]*bool{"dry_run": &up.DryRun, "skip_invalid": &up.SkipInvalid, "make_valid": &up.MakeValid} {
		if v := c.FormValue(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return lianxin.Errorf(lianxin.EInvalid, "%s %q: want true or false", name, v)
			}
			*dst = b
		}
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	// The request deadline bounds the work, not the upload: a large file over
	// a slow link may take longer to arrive than a request may take to
	// answer (clients that stall are the read timeouts' business). So the
	// start of the import gets the deadline afresh, from when the file is in.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), s.cfg.RequestTimeout)
	defer cancel()
	rec, err := s.deps.Import.Start(ctx, scopeOf(c), up, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/imports/%d", rec.ID))
	return c.JSON(http.StatusAccepted, rec)
}

// getImport is GET /api/v1/imports/{id}: status, counts and the first
// rejected rows.
func (s *Server) getImport(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return lianxin.Errorf(lianxin.EInvalid, "import id %q: want a positive whole number", c.Param("id"))
	}
	rec, err := s.deps.Import.Import(c.Request().Context(), scopeOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

// listImports is GET /api/v1/imports?limit=: the latest imports, newest
// first, with who ran them and when.
func (s *Server) listImports(c echo.Context) error {
	limit := 50
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return lianxin.Errorf(lianxin.EInvalid, "limit %q: want 1..1000", v)
		}
		limit = n
	}
	recs, err := s.deps.Import.Imports(c.Request().Context(), scopeOf(c), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"imports": recs})
}
