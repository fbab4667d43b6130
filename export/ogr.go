package export

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
)

// ogr2ogrArgs builds the command line that turns our CSV stream on stdin
// into the file out. Pure, so it is tested as strings.
func ogr2ogrArgs(l *Layer, req Request, out string) []string {
	info := formats[req.Format]
	args := []string{
		"-f", info.ogrDriver, out, feedSource,
		// Types from the first megabyte; every string is quoted, so a
		// code made of digits stays text. An empty cell is a NULL, as
		// lianxin writes it (GDAL cannot tell it from an empty string,
		// and no exported text column holds one).
		"-oo", "AUTODETECT_TYPE=YES", "-oo", "QUOTED_FIELDS_AS_STRING=YES", "-oo", "EMPTY_STRING_AS_NULL=YES",
		"-nln", layerName(l, req),
	}
	if l.Geometry == NoGeometry {
		args = append(args, "-nlt", "NONE")
	} else {
		if l.Geometry == Point {
			// Points come as two number columns: GDAL's CSV reader turns
			// them into a point for less than it spends parsing WKT.
			args = append(args, "-oo", "X_POSSIBLE_NAMES="+feedX, "-oo", "Y_POSSIBLE_NAMES="+feedY)
		} else {
			args = append(args, "-oo", "GEOM_POSSIBLE_NAMES=wkt")
		}
		nlt := l.Geometry
		switch req.Filter.GeometryKind {
		case Point:
			nlt = Point
		case Polygon:
			nlt = MultiPolygon // polygons and multipolygons, as ST_Dimension 2 keeps them
		}
		args = append(args, "-oo", "KEEP_GEOM_COLUMNS=NO", "-nlt", string(nlt), "-a_srs", req.CRS.OGR)
	}
	switch req.Format {
	case Shapefile:
		enc := "UTF-8"
		if req.Encoding == GBK {
			enc = "CP936"
		}
		args = append(args, "-lco", "ENCODING="+enc)
	case KML:
		if _, ok := l.Field("name"); ok {
			args = append(args, "-dsco", "NameField=name")
		}
	case GeoPackage:
		// One transaction for the whole layer: GDAL's default commits every
		// 100,000 rows.
		//
		// The spatial index is not GDAL's work here: with geometry, the
		// file is made in steps (gpkg.go) and lianxin bulk-loads the
		// R-tree (gpkgindex.go), because GDAL 3.6 inserts its entries one
		// at a time after the last row, over half of ogr2ogr's time. Its
		// background RTree thread never starts for ogr2ogr's first layer,
		// and the order of the rows or SQLite's page and cache sizes did
		// not make that insertion cheaper (BENCHMARKS.md, Layer exports).
		args = append(args, "-gt", "unlimited")
	}
	return args
}

// layerName is the layer's name inside the file. GCJ-02 layers carry the
// CRS in it (villages_gcj02), as they do in the file name, so the layer
// lists of QGIS and Google Earth mark them too: a KML has no other place
// for it (KML is WGS 84 by definition). A shapefile's layer is its file
// name, set by the zip.
func layerName(l *Layer, req Request) string {
	name := l.Name + kindSuffix(req.Filter.GeometryKind)
	if req.CRS.IsGCJ02() && req.Format != Shapefile {
		return name + req.CRS.Suffix
	}
	return name
}

// feedSource is where ogr2ogr reads the feed: its stdin, as CSV.
const feedSource = "CSV:/vsistdin/"

// feedX and feedY name a point layer's coordinate columns in the CSV fed to
// ogr2ogr, names no catalogue field has (a test checks).
const (
	feedX = "lianxin_x"
	feedY = "lianxin_y"
)

// feedWriter writes the CSV that ogr2ogr reads on stdin. Every string is
// quoted (read with QUOTED_FIELDS_AS_STRING, so a code made of digits stays
// text), booleans are t and f (GDAL reads both as booleans; seven columns
// of "false" were over a quarter of a household's line), and the geometry
// comes last: two columns of coordinates for a point layer, WKT in a
// column wkt for the others. Coordinates are rounded as in every other
// export (appendCoord).
//
// With index set (a GeoPackage), every row's box goes to the spatial index
// builder too, under the id ogr2ogr gives the feature: its place in the
// feed, counting from 1.
type feedWriter struct {
	csvOut
	index *rtreeBuilder
	fid   int64  // rows written
	text  []bool // fields fed as text whatever their type (shapefileText)
}

func newFeedWriter(w io.Writer, l *Layer, crs CRS) *feedWriter {
	return &feedWriter{csvOut: newCSVOut(w, l, crs)}
}

func (c *feedWriter) begin() error {
	b := appendCSVHeader(c.buf[:0], c.names, nil)
	switch c.layer.Geometry {
	case NoGeometry:
	case Point:
		b = append(b, ","+feedX+","+feedY...)
	default:
		b = append(b, ",wkt"...)
	}
	c.buf = append(b, '\n')
	_, err := c.w.Write(c.buf)
	return err
}

func (c *feedWriter) row(r *Row) error {
	b, err := appendCSVFieldsText(c.buf[:0], c.layer, r, nil, c.text, false, true)
	if err != nil {
		return err
	}
	c.fid++
	switch c.layer.Geometry {
	case NoGeometry:
	case Point:
		b = append(b, ',')
		if r.Geom != nil {
			p, ok := c.crs.Transform(r.Geom).(orb.Point)
			if !ok {
				return fmt.Errorf("row %d: %T in a point layer", r.ID, r.Geom)
			}
			b = appendCoord(b, p[0])
			b = append(b, ',')
			b = appendCoord(b, p[1])
			if err := c.addBox(orb.Bound{Min: p, Max: p}); err != nil {
				return err
			}
		} else {
			b = append(b, ',')
		}
	default:
		b = append(b, ',')
		if r.Geom != nil {
			g := c.crs.Transform(r.Geom)
			b = append(b, '"')
			if b, err = appendWKT(b, g); err != nil {
				return fmt.Errorf("row %d: %w", r.ID, err)
			}
			b = append(b, '"')
			if err := c.addBox(g.Bound()); err != nil {
				return err
			}
		}
	}
	c.buf = append(b, '\n')
	_, err = c.w.Write(c.buf)
	return err
}

// addBox gives the spatial index the current row's bounds, in the
// coordinates written: the values GDAL reads back, since appendCoord's
// digits read back as the same float64.
func (c *feedWriter) addBox(b orb.Bound) error {
	if c.index == nil {
		return nil
	}
	box, ok := boundBox(b)
	if !ok {
		return nil
	}
	return c.index.add(c.fid, box)
}

// viaGDAL streams the layer as CSV into ogr2ogr, waits for it to finish the
// file in a temporary directory, then sends the file (a zip of the
// shapefile's parts for shp). A GeoPackage with geometry is made in steps
// that bulk-load its spatial index (gpkg.go).
func (s *Service) viaGDAL(ctx context.Context, scope lianxin.Scope, l *Layer, req Request, w io.Writer, begin func(Meta) error) (int64, error) {
	dir, err := os.MkdirTemp(s.opt.TempDir, "lianxin-export-")
	if err != nil {
		return 0, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)

	out := filepath.Join(dir, l.Name+formats[req.Format].ext)
	if req.Format == Shapefile {
		out = filepath.Join(dir, l.Name+".shp")
	}
	var rows int64
	cut := map[string]int{} // a shapefile's text values longer than the .dbf holds, by field (longtext.go)
	if req.Format == GeoPackage && l.Geometry != NoGeometry {
		rows, err = s.gpkgIndexed(ctx, scope, l, req, dir, out)
	} else {
		rows, err = s.ogr2ogrOnce(ctx, scope, l, req, dir, out, cut)
	}
	if err != nil {
		return rows, err
	}

	if req.Format == Shapefile {
		zipped := filepath.Join(dir, "shapefile.zip")
		if err := zipShapefile(dir, l, req, zipped, cut); err != nil {
			return rows, err
		}
		out = zipped
	}
	f, err := os.Open(out)
	if err != nil {
		return rows, fmt.Errorf("%w: %v", errNoOutput, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return rows, err
	}
	m := Meta{Filename: req.Filename(), ContentType: formats[req.Format].contentType, Size: st.Size()}
	for _, n := range cut {
		m.CutValues += n
	}
	if err := begin(m); err != nil {
		return rows, err
	}
	if _, err := io.Copy(w, f); err != nil {
		return rows, err
	}
	return rows, nil
}

// ogr2ogrOnce writes the file out with one ogr2ogr reading the feed. A
// shapefile's text too long for its .dbf is counted in cut, by field, and
// written whole to the side table (longtext.go).
func (s *Service) ogr2ogrOnce(ctx context.Context, scope lianxin.Scope, l *Layer, req Request, dir, out string, cut map[string]int) (int64, error) {
	proc, err := s.startOgr2ogr(ctx, dir, ogr2ogrArgs(l, req, out))
	if err != nil {
		return 0, err
	}
	feed := newFeedWriter(proc.stdin, l, req.CRS)
	if req.Format == Shapefile {
		feed.names = l.ShapefileNames()
		feed.text = l.shapefileText()
	}
	var rw rowWriter = feed
	var long *longText
	if req.Format == Shapefile {
		long = newLongText(l, req, dir, feed, cut)
		rw = long
	}
	var guard *gbkGuard
	if req.Format == Shapefile && req.Encoding == GBK {
		guard = newGBKGuard(l, rw) // no silent loss of what GBK cannot hold (gbk.go)
		rw = guard
	}
	rows, streamErr := s.stream(ctx, scope, l, req.Filter, Page{}, rw)
	procErr := proc.finish()
	if long != nil {
		if err := long.close(); err != nil && streamErr == nil {
			streamErr = err
		}
	}
	switch {
	case ctx.Err() != nil:
		return rows, ctx.Err()
	case procErr != nil: // before streamErr: a GDAL failure shows as a broken pipe there
		return rows, procErr
	case streamErr != nil:
		return rows, streamErr
	}
	if guard != nil {
		if err := guard.err(); err != nil {
			return rows, err
		}
	}
	if req.Format != Shapefile { // a layer without geometry has a .dbf and no .shp: zipShapefile looks
		if _, err := os.Stat(out); err != nil {
			return rows, fmt.Errorf("%w: %v: %s", errNoOutput, err, bytes.TrimSpace(proc.stderr.Bytes()))
		}
	}
	return rows, nil
}

// ogrProc is a running ogr2ogr reading its stdin.
type ogrProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
}

// startOgr2ogr starts ogr2ogr in dir, killed if ctx ends.
func (s *Service) startOgr2ogr(ctx context.Context, dir string, args []string) (*ogrProc, error) {
	p := &ogrProc{cmd: exec.CommandContext(ctx, s.opt.Ogr2ogr, args...)}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "CPL_TMPDIR="+dir)
	p.cmd.Stderr = &limitedBuffer{buf: &p.stderr, max: 16 << 10}
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ogr2ogr stdin: %w", err)
	}
	p.stdin = stdin
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ogr2ogr: %w", err)
	}
	return p, nil
}

// finish closes ogr2ogr's stdin and waits for it.
func (p *ogrProc) finish() error {
	closeErr := p.stdin.Close()
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("ogr2ogr: %w: %s", err, bytes.TrimSpace(p.stderr.Bytes()))
	}
	if closeErr != nil {
		return fmt.Errorf("ogr2ogr stdin: %w", closeErr)
	}
	return nil
}

// runOgr2ogr runs ogr2ogr with nothing on its stdin.
func (s *Service) runOgr2ogr(ctx context.Context, dir string, args []string) error {
	p, err := s.startOgr2ogr(ctx, dir, args)
	if err != nil {
		return err
	}
	return p.finish()
}

// zipShapefile packs the layer's parts (shp, shx, dbf, prj, cpg) into
// zipPath, the files named for the download so that unzipping gives a
// matching set, and the field dictionary with them, and the side table of
// text too long for the .dbf when values were cut (cut, by field).
func zipShapefile(dir string, l *Layer, req Request, zipPath string, cut map[string]int) error {
	parts, err := filepath.Glob(filepath.Join(dir, l.Name+".*"))
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		return errNoOutput
	}
	sort.Strings(parts)
	zf, err := os.Create(zipPath)
	if err != nil {
		return err
	}
	defer zf.Close()
	zw := zip.NewWriter(zf)
	base := req.Filename()
	base = base[:len(base)-len(filepath.Ext(base))]
	for _, p := range parts {
		if err := addToZip(zw, p, base+filepath.Ext(p)); err != nil {
			return err
		}
	}
	dict, err := zw.CreateHeader(&zip.FileHeader{Name: fieldDictionaryName, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	if _, err := dict.Write(shapefileDictionary(l, filepath.Join(dir, l.Name+".dbf"), cut)); err != nil {
		return err
	}
	if len(cut) > 0 {
		if err := addToZip(zw, filepath.Join(dir, longTextName), longTextName); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return zf.Close()
}

func addToZip(zw *zip.Writer, path, name string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	// The parts' own times: zip.Writer.Create leaves them unset, which
	// unzip shows as 1980-00-00.
	dst, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: st.ModTime()})
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return err
}

// limitedBuffer keeps the first max bytes of ogr2ogr's messages.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
