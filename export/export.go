package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// Format is an export file format.
type Format string

const (
	GeoJSON    Format = "geojson"
	CSV        Format = "csv"
	GeoPackage Format = "gpkg"
	Shapefile  Format = "shp"
	KML        Format = "kml"
	FlatGeobuf Format = "fgb"
)

// Formats lists every format, streamed ones first.
var Formats = []Format{GeoJSON, CSV, GeoPackage, Shapefile, KML, FlatGeobuf}

type formatInfo struct {
	contentType, ext string
	ogrDriver        string // empty: written by our own code
}

var formats = map[Format]formatInfo{
	GeoJSON:    {"application/geo+json", ".geojson", ""},
	CSV:        {"text/csv; charset=utf-8", ".csv", ""},
	GeoPackage: {"application/geopackage+sqlite3", ".gpkg", "GPKG"},
	Shapefile:  {"application/zip", ".zip", "ESRI Shapefile"},
	KML:        {"application/vnd.google-earth.kml+xml", ".kml", "KML"},
	FlatGeobuf: {"application/flatgeobuf", ".fgb", "FlatGeobuf"},
}

// ParseFormat reads the format parameter (default geojson).
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return GeoJSON, nil
	}
	f := Format(strings.ToLower(s))
	if _, ok := formats[f]; !ok {
		return "", refuse("format", ReasonBadFormat, map[string]any{"value": s, "allowed": FormatNames},
			"format %q: want geojson, csv, gpkg, shp, kml or fgb", s)
	}
	return f, nil
}

// Encoding is a shapefile's attribute encoding.
type Encoding string

const (
	UTF8 Encoding = "UTF-8"
	GBK  Encoding = "GBK" // code page 936, for older ArcGIS
)

// ParseEncoding reads the encoding parameter (default UTF-8).
func ParseEncoding(s string) (Encoding, error) {
	switch strings.ToUpper(strings.ReplaceAll(s, "-", "")) {
	case "", "UTF8":
		return UTF8, nil
	case "GBK", "CP936", "936":
		return GBK, nil
	}
	return "", refuse("encoding", ReasonBadEncoding, map[string]any{"value": s, "allowed": EncodingNames}, "encoding %q: want utf-8 or gbk", s)
}

// ParseGeometryKind reads the geometry parameter of an export: point or
// polygon keeps that kind of a mixed layer (projects), so that each goes in
// a shapefile of its own; empty keeps every kind.
func ParseGeometryKind(s string) (GeometryType, error) {
	switch strings.ToLower(s) {
	case "":
		return "", nil
	case "point", "points":
		return Point, nil
	case "polygon", "polygons":
		return Polygon, nil
	}
	return "", refuse("geometry", ReasonBadGeometry, map[string]any{"value": s, "allowed": GeometryNames}, "geometry %q: want point or polygon", s)
}

// kindSuffix names a geometry kind in file and layer names, as the OGC
// collections do (projects_points, projects_polygons).
func kindSuffix(k GeometryType) string {
	switch k {
	case Point:
		return "_points"
	case Polygon:
		return "_polygons"
	}
	return ""
}

// Request is one export.
type Request struct {
	Layer    string
	Format   Format
	CRS      CRS
	Encoding Encoding // shapefile only
	Filter   Filter
	// TownName is the name of the town Filter.Town codes, for
	// NamedFilename only (the export reads rows by the code).
	TownName string
}

// Source is what the export needs from the database (the store implements
// it). ExportRows streams the layer's rows through fn, one at a time, from a
// cursor, and returns how many it sent.
type Source interface {
	ExportRows(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter, p Page, fn func(*Row) error) (int64, error)
	CountRows(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter) (int64, error)
	RecordExport(ctx context.Context, rec Record) error
}

// Record is one line of the export log.
type Record struct {
	Actor     string
	At        time.Time
	Layer     string
	Format    Format
	CRS       string
	Filter    Filter
	Rows      int64
	Completed bool
}

// Meta describes a download before its first byte.
type Meta struct {
	Filename    string
	ContentType string
	Size        int64 // -1 when streamed
	// CutValues counts a shapefile's text values longer than its .dbf
	// holds, each written whole to longtext.csv in the zip (longtext.go);
	// 0 for other formats.
	CutValues int
}

// Options configures a Service.
type Options struct {
	// Ogr2ogr is the path of GDAL's ogr2ogr (default "ogr2ogr" on PATH).
	Ogr2ogr string
	// TempDir holds GDAL's output while it is written (default os.TempDir).
	TempDir string
	Logger  *slog.Logger
}

// Service runs exports.
type Service struct {
	src     Source
	opt     Options
	extents extentCache
}

// New returns a Service reading from src.
func New(src Source, opt Options) *Service {
	if opt.Ogr2ogr == "" {
		opt.Ogr2ogr = "ogr2ogr"
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Service{src: src, opt: opt}
}

// Layers lists the layers scope may export.
func (s *Service) Layers(scope lianxin.Scope) []*Layer {
	var out []*Layer
	for _, l := range catalogue {
		if l.Allowed(scope) {
			out = append(out, l)
		}
	}
	return out
}

// Layer returns the layer named name if scope may read it: not found when
// there is no such layer, forbidden when the scope lacks the grant.
func (s *Service) Layer(scope lianxin.Scope, name string) (*Layer, error) {
	l, err := LookupLayer(name)
	if err != nil {
		return nil, err
	}
	if !l.Allowed(scope) {
		return nil, lianxin.Refuse(lianxin.EForbidden, "layer", ReasonLayerNeedsGrant, map[string]any{"layer": name},
			"layer %s: exporting household points needs the household_points grant", name)
	}
	return l, nil
}

// check validates a request before any query runs.
func (s *Service) check(scope lianxin.Scope, req Request) (*Layer, error) {
	l, err := s.Layer(scope, req.Layer)
	if err != nil {
		return nil, err
	}
	if _, ok := formats[req.Format]; !ok {
		return nil, refuse("format", ReasonBadFormat, map[string]any{"value": string(req.Format), "allowed": FormatNames},
			"format %q: want geojson, csv, gpkg, shp, kml or fgb", req.Format)
	}
	if req.CRS.Name == "" {
		return nil, refuse("crs", ReasonBadCRS, map[string]any{"value": "", "allowed": CRSNames}, "crs: missing")
	}
	if req.Encoding != "" && req.Encoding != UTF8 && req.Format != Shapefile {
		return nil, refuse("encoding", ReasonEncodingShpOnly, map[string]any{"format": string(req.Format)},
			"encoding: only shapefiles take an encoding (%s is always UTF-8)", req.Format)
	}
	if req.Format == Shapefile && l.Geometry == AnyGeometry && req.Filter.GeometryKind == "" {
		return nil, refuse("format", ReasonShpMixed, map[string]any{"layer": l.Name}, "format shp: layer %s mixes points and polygons, which one shapefile cannot hold; ask geometry=point and geometry=polygon for a shapefile of each, or use gpkg, fgb, kml or geojson", l.Name)
	}
	if err := checkBBoxGeometry(l, req.Filter); err != nil {
		return nil, err
	}
	if err := checkFormatGeometry(l, req.Format); err != nil {
		return nil, err
	}
	if req.Format == KML && req.CRS.Name == CGCS2000.Name {
		return nil, refuse("crs", ReasonKMLCGCS2000, nil, "crs EPSG:4490: KML is defined in WGS 84 only; use crs=EPSG:4326 (same coordinates here) or gcj02")
	}
	if err := req.Filter.Validate(l); err != nil {
		return nil, err
	}
	if err := checkPublishedResolution(scope, l, req.Filter); err != nil {
		return nil, err
	}
	return l, nil
}

// Check refuses req as Export does before it reads a row (the layer, the
// format's rules for it, the filter, the published resolution), for the
// download check that answers a refusal without sending a file.
func (s *Service) Check(scope lianxin.Scope, req Request) error {
	_, err := s.check(scope, req)
	return err
}

// checkPublishedResolution refuses, naming the resolution parameter, an H3
// resolution finer than the coverage engine publishes for scope. The engine
// refuses it too, but in its own words ("res"), which is not a parameter
// of the exports or of OGC API – Features.
func checkPublishedResolution(scope lianxin.Scope, l *Layer, f Filter) error {
	if !l.Resolution || f.Resolution <= coverage.MaxPublishedResolution {
		return nil
	}
	if privacy.Partial(scope) {
		// A team leader: their own towns' hexagons at every resolution,
		// exact (the engine gives their towns' alone past resolution 8 and
		// refuses another town's share, CheckCellTown).
		return nil
	}
	if privacy.Applies(scope) {
		return lianxin.Refuse(lianxin.EForbidden, "resolution", ReasonResolutionFine,
			map[string]any{"value": f.Resolution, "max": coverage.MaxPublishedResolution},
			"resolution: %d is finer than %d, the finest resolution your role may see without household access",
			f.Resolution, coverage.MaxPublishedResolution)
	}
	return nil
}

// Filename is the download's file name, in ASCII: layer, geometry kind (of
// a mixed layer narrowed to one), the town's code when the export is of one
// town (a town's file is not saved over the county's), CRS suffix,
// extension.
func (req Request) Filename() string { return req.filename("") }

// NamedFilename is Filename with the town's name after its code
// (village_coverage_321299103_南塘镇_cgcs2000.gpkg) when TownName is set:
// the name a browser saves the file under (Content-Disposition's
// filename*, UTF-8). Filename stays the plain name for the files inside a
// zip and for the command line.
func (req Request) NamedFilename() string { return req.filename(req.TownName) }

func (req Request) filename(townName string) string {
	name := req.Layer + kindSuffix(req.Filter.GeometryKind) + townFilePart(req.Filter.Town, townName)
	name += req.CRS.Suffix
	if req.Format == Shapefile && req.Encoding == GBK {
		name += "_gbk"
	}
	return name + formats[req.Format].ext
}

// townFilePart is what a town adds to a file name: _code, then _name
// when the name is given (_321299103_南塘镇); "" for no town. Layer
// exports and offline packages name their files by it alike.
func townFilePart(code, townName string) string {
	c := fileNamePart(code, true)
	if c == "" {
		return ""
	}
	if n := fileNamePart(townName, false); n != "" {
		return "_" + c + "_" + n
	}
	return "_" + c
}

// fileNamePart keeps of s what is safe in a file name on every system:
// letters and digits (any script unless ascii), '-' and '_'; anything else
// (a path separator, a quote, a control character, a space) is dropped.
func fileNamePart(s string, ascii bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			return r
		case !ascii && r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			return r
		}
		return -1
	}, s)
}

// Export writes the export of req to w and records it. begin is called
// once, just before the first byte, so an error that comes earlier (a bad
// parameter, a failed query, GDAL failing) reaches the caller with nothing
// written. It returns the rows exported.
func (s *Service) Export(ctx context.Context, scope lianxin.Scope, req Request, w io.Writer, begin func(Meta) error) (int64, error) {
	l, err := s.check(scope, req)
	if err != nil {
		return 0, err
	}
	info := formats[req.Format]
	var rows int64
	if info.ogrDriver == "" {
		lw := &lazyWriter{w: w, begin: func() error {
			return begin(Meta{Filename: req.Filename(), ContentType: info.contentType, Size: -1})
		}}
		var rw rowWriter
		if req.Format == GeoJSON {
			g := newGeoJSONWriter(lw, l, req.CRS)
			if l.Importable {
				g.skip = slices.Index(l.FieldNames(), "id")
			}
			rw = g
		} else {
			rw = newCSVWriter(lw, l, req.CRS)
		}
		rows, err = s.stream(ctx, scope, l, req.Filter, Page{}, rw)
	} else {
		if req.Format == FlatGeobuf {
			// FlatGeobuf drops features without geometry; leave them out
			// here so the count recorded is the count delivered.
			req.Filter.Located = true
		}
		rows, err = s.viaGDAL(ctx, scope, l, req, w, begin)
	}
	s.record(ctx, scope, req, rows, err == nil)
	if err != nil {
		return rows, fmt.Errorf("export %s as %s: %w", l.Name, req.Format, err)
	}
	return rows, nil
}

// stream runs the query into rw.
func (s *Service) stream(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter, p Page, rw rowWriter) (int64, error) {
	if err := rw.begin(); err != nil {
		return 0, err
	}
	n, err := s.src.ExportRows(ctx, scope, l, f, p, rw.row)
	if err != nil {
		return n, err
	}
	return n, rw.end()
}

func (s *Service) record(ctx context.Context, scope lianxin.Scope, req Request, rows int64, completed bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := s.src.RecordExport(ctx, Record{
		Actor: scope.User, At: time.Now(), Layer: req.Layer, Format: req.Format, CRS: req.CRS.Name,
		Filter: req.Filter, Rows: rows, Completed: completed,
	})
	if err != nil {
		s.opt.Logger.Error("record export", "layer", req.Layer, "error", err)
	}
}

// Features writes one page of a layer as a GeoJSON FeatureCollection for
// OGC API – Features: head is spliced in after the type member, tail after
// the features, told whether more follow (the page reads one row beyond
// its limit for that, so no count is needed). It does not record an
// export: OGC clients page through layers a request at a time.
//
// crs is the page's coordinate system (OGCCRS).
func (s *Service) Features(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter, p Page, crs CRS, w io.Writer, head []byte, tail func(PageEnd) []byte) (int64, error) {
	if err := f.Validate(l); err != nil {
		return 0, err
	}
	if err := checkPublishedResolution(scope, l, f); err != nil {
		return 0, err
	}
	g := newGeoJSONWriter(w, l, crs)
	g.head, g.tail = head, tail
	if p.Limit > 0 {
		g.max = int64(p.Limit)
		p.Limit++
	}
	n, err := s.stream(ctx, scope, l, f, p, g)
	return min(n, g.n), err
}

// Feature writes one feature as GeoJSON in crs (OGCCRS), or returns not
// found.
func (s *Service) Feature(ctx context.Context, scope lianxin.Scope, l *Layer, id int64, crs CRS, w io.Writer, extra []byte) error {
	var out []byte
	n, err := s.src.ExportRows(ctx, scope, l, Filter{ID: &id}, Page{Limit: 1}, func(r *Row) error {
		var err error
		out, err = appendFeature(nil, l, crs, r, -1)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return lianxin.Refuse(lianxin.ENotFound, "featureId", ReasonNoFeature, map[string]any{"value": strconv.FormatInt(id, 10), "collection": l.Name},
			"feature %d of %s: not found", id, l.Name)
	}
	if len(extra) > 0 { // splice members such as links before the final brace
		out = append(append(out[:len(out)-1], extra...), '}')
	}
	_, err = w.Write(out)
	return err
}

// Count returns how many rows match (numberMatched).
func (s *Service) Count(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter) (int64, error) {
	if err := f.Validate(l); err != nil {
		return 0, err
	}
	if err := checkPublishedResolution(scope, l, f); err != nil {
		return 0, err
	}
	return s.src.CountRows(ctx, scope, l, f)
}

// lazyWriter calls begin before its first write.
type lazyWriter struct {
	w       io.Writer
	begin   func() error
	started bool
}

func (lw *lazyWriter) Write(p []byte) (int, error) {
	if !lw.started {
		lw.started = true
		if err := lw.begin(); err != nil {
			return 0, err
		}
	}
	return lw.w.Write(p)
}

var errNoOutput = errors.New("ogr2ogr wrote no output")
