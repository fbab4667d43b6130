package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
	// RejectsFile reads the rejects file kept with an import (audited, with
	// the caller's ip) and hands it to serve, bounding how many are held in
	// memory at once.
	RejectsFile(ctx context.Context, scope lianxin.Scope, id int64, ip string, serve func(ingest.Record, ingest.RejectsFile) error) error
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

func (s *Server) needImport(h echo.HandlerFunc) echo.HandlerFunc {
	return needImportRole(func(c echo.Context) error {
		if s.deps.Import == nil {
			return lianxin.Errorf(lianxin.EUnavailable, "imports are not configured on this server")
		}
		return h(c)
	})
}

// needImportRole lets through the roles that may import (ingest.MayImport,
// which `lianxin ingest --as` asks too). The templates need only this: they
// are written from the layer definitions, without the import service.
func needImportRole(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := ingest.MayImport(scopeOf(c)); err != nil {
			return err
		}
		return h(c)
	}
}

// importTemplate is GET /api/v1/imports/template?layer=&lang=: the
// layer's example CSV, as `lianxin ingest --template` writes it (UTF-8
// with a BOM, every column explained in # lines the importer skips), for
// the web map's import tab to offer as a download; lang=zh heads the
// columns with their Chinese names and explains them in Chinese. The layer
// is a query parameter, not a path one, because a path naming households
// or visits is held to the household_points grant (authenticate), and a
// template shows no household: a gis user without the grant still imports
// those layers.
func (s *Server) importTemplate(c echo.Context) error {
	for name := range c.QueryParams() {
		if name != "layer" && name != "lang" {
			return ingest.OptionError(name, ingest.OptUnknownOption, map[string]any{"option": name, "options": []string{"layer", "lang"}})
		}
	}
	lang, err := ingest.ParseLang(c.QueryParam("lang"))
	if err != nil {
		return err
	}
	layer := c.QueryParam("layer")
	if layer == "" {
		return ingest.OptionError("layer", ingest.OptMissingLayer, map[string]any{"layers": ingest.LayerNames()})
	}
	var b bytes.Buffer
	if err := ingest.WriteTemplate(&b, layer, lang); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="lianxin-%s-template.csv"`, layer))
	h.Set(echo.HeaderCacheControl, "no-cache")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// startImport is POST /api/v1/imports/{layer}: a multipart form with the
// file in field "file" and options as form fields or query parameters
// (encoding, crs, dry_run, skip_invalid, make_valid, allow_renames, correct, source_layer, lang: zh
// or en, the language of the kept rejects file's reasons, default en). It answers 202 with
// the running import's record; poll GET /api/v1/imports/{id}. A refused
// option is a 400 whose details (ingest.OptionProblem) name the option, its
// code and parameters; a field or parameter that is not an option is
// refused too, so that a misspelt skip_invalid never imports otherwise
// than asked.
func (s *Server) startImport(c echo.Context) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return ingest.OptionError("file", ingest.OptNoFile, nil)
	}
	if err := onlyImportOptions(c); err != nil {
		return err
	}
	up := ingest.Upload{Layer: c.Param("layer"), FileName: fh.Filename,
		Encoding: c.FormValue("encoding"), CRS: c.FormValue("crs"), SourceLayer: c.FormValue("source_layer"),
		Lang: c.FormValue("lang")}
	for name, dst := range map[string]*bool{"dry_run": &up.DryRun, "skip_invalid": &up.SkipInvalid, "make_valid": &up.MakeValid,
		"allow_renames": &up.AllowRenames, "correct": &up.Correct} {
		if v := c.FormValue(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return ingest.OptionError(name, ingest.OptNotTrueFalse, map[string]any{"option": name, "value": v})
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

// importOptions are the fields (or query parameters) an upload may give
// besides its file.
var importOptions = []string{"encoding", "crs", "dry_run", "skip_invalid", "make_valid", "allow_renames", "correct", "source_layer", "lang"}

// onlyImportOptions refuses an upload's field or query parameter that is
// not one of importOptions (nor the file).
func onlyImportOptions(c echo.Context) error {
	names := slices.Collect(maps.Keys(c.QueryParams()))
	if f := c.Request().MultipartForm; f != nil {
		names = slices.AppendSeq(slices.AppendSeq(names, maps.Keys(f.Value)), maps.Keys(f.File))
	}
	slices.Sort(names) // the first unknown one named, the same each time
	for _, name := range names {
		if name != "file" && !slices.Contains(importOptions, name) {
			return ingest.OptionError(name, ingest.OptUnknownOption, map[string]any{"option": name, "options": append([]string{"file"}, importOptions...)})
		}
	}
	return nil
}

func importID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, ingest.OptionError("id", ingest.OptBadImportID, map[string]any{"value": c.Param("id")})
	}
	return id, nil
}

// getImport is GET /api/v1/imports/{id}: status, counts, the first
// rejected rows and whether a rejects file is kept (rejects_file).
func (s *Server) getImport(c echo.Context) error {
	id, err := importID(c)
	if err != nil {
		return err
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
			return ingest.OptionError("limit", ingest.OptBadLimit, map[string]any{"value": v, "min": 1, "max": 1000})
		}
		limit = n
	}
	recs, err := s.deps.Import.Imports(c.Request().Context(), scopeOf(c), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"imports": recs})
}

// importRejects is GET /api/v1/imports/{id}/rejects: the rejects file kept
// with an upload that skipped invalid rows — every rejected row as it was
// uploaded, with its line, reason, codes and parameters added (the
// columns of ingest.RejectsHeader), as `lianxin ingest --skip-invalid`
// writes it (a CSV upload's as UTF-8 CSV with a BOM, any
// other's as a GeoJSON FeatureCollection) — to fix and upload again as it
// is. Only for those who may see the import (GET /api/v1/imports/{id})
// and read its rows (ingest.MayReadRejects); every download is audited. The X-Rejects-Complete header is false when
// the file holds only the first rows (the record's message says so).
func (s *Server) importRejects(c echo.Context) error {
	id, err := importID(c)
	if err != nil {
		return err
	}
	return s.deps.Import.RejectsFile(c.Request().Context(), scopeOf(c), id, c.RealIP(), func(_ ingest.Record, f ingest.RejectsFile) error {
		h := c.Response().Header()
		h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
			asciiFileName(f.Name), extValue(f.Name)))
		// Rows as uploaded, personal columns included: never kept by a cache.
		h.Set(echo.HeaderCacheControl, "private, no-store")
		h.Set("X-Rejects-Rows", strconv.FormatInt(f.Rows, 10))
		h.Set("X-Rejects-Complete", strconv.FormatBool(f.Complete))
		return c.Blob(http.StatusOK, f.ContentType(), f.Content)
	})
}

// extValue percent-encodes name for the filename* parameter (RFC 8187
// ext-value, after UTF-8 and two quotes): every byte but attr-char.
// url.PathEscape is not this: it leaves = : @ as they are, which an
// ext-value may not hold, so a strict parser (Go's mime, for one) drops the
// whole header for an uploaded file named "a=b.csv".
func extValue(name string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// asciiFileName is name for the plain filename parameter: other than
// printable ASCII (a Chinese file name), quotes, and ; and , (which naive
// parsers split on, quotes or not) become underscores;
// filename* carries the name whole.
func asciiFileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' || r == ',' {
			return '_'
		}
		return r
	}, name)
}
