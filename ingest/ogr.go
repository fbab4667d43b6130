package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	pathpkg "path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ogrSource runs GDAL's ogr2ogr to turn a GeoPackage or (zipped) Shapefile
// into GeoJSON on a pipe: GDAL reads those formats, reprojects to WGS84
// (assuming lon/lat when the file declares no CRS) and writes UTF-8, and the
// GeoJSON decoder streams its output. We never hand-write readers for
// formats a well-kept library reads.
type ogrSource struct {
	cmd    *exec.Cmd
	stdout io.ReadCloser
	stderr *limitedBuffer
	file   string
	// longText is the unpacked longtext.csv of a zip lianxin exported
	// (longtext.go); "" when the zip has none.
	longText string
}

// ogrArgs builds ogr2ogr's arguments. path is a local GeoPackage or
// Shapefile (a zip's is unpacked first). enc forces a Shapefile's DBF
// encoding; toWGS84 reprojects (the layer declares a CRS).
//
// The output is GeoJSON as GDAL first wrote it (RFC7946=NO), one feature a
// line, with 17 decimals: GeoPackage and Shapefile hold doubles and the
// import compares geometries exactly, so a file exported and imported
// unedited must read back the very doubles stored. 17 decimals of a
// longitude or latitude do (9 made every row "updated"), and only the
// 2008 GeoJSON keeps a polygon's rings in the file's order: GeoJSONSeq and
// RFC 7946 turn exteriors anticlockwise, the reverse of a Shapefile's and
// of what the export writes. That writer does not reproject by itself,
// hence -t_srs, which GDAL refuses for a layer without a CRS.
func ogrArgs(path, enc, sourceLayer string, toWGS84 bool) []string {
	args := []string{"-f", "GeoJSON", "/vsistdout/", path,
		"-lco", "RFC7946=NO", "-lco", "WRITE_NAME=NO", "-lco", "COORDINATE_PRECISION=17"}
	if toWGS84 {
		args = append(args, "-t_srs", "EPSG:4326")
	}
	if enc == EncodingGB18030 {
		args = append([]string{"--config", "SHAPE_ENCODING", "CP936"}, args...)
	} else if enc == EncodingUTF8 {
		args = append([]string{"--config", "SHAPE_ENCODING", "UTF-8"}, args...)
	}
	if sourceLayer != "" {
		args = append(args, sourceLayer)
	}
	return args
}

// ogrLayerInfo says, from `ogrinfo -so`, whether the layer ogr2ogr will
// read declares a CRS and whether it holds features. A file ogrinfo cannot
// read is reported as having both: ogr2ogr then gives GDAL's reason.
func ogrLayerInfo(ctx context.Context, path, sourceLayer string) (hasCRS, hasFeatures bool) {
	bin, err := exec.LookPath("ogrinfo")
	if err != nil {
		return true, true
	}
	args := []string{"-ro", "-so", "-nomd", path}
	if sourceLayer != "" {
		args = append(args, sourceLayer)
	} else {
		args = append(args, "-al")
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	if err != nil {
		return true, true
	}
	return parseOGRLayerInfo(string(out))
}

// parseOGRLayerInfo reads ogrinfo -so's "Layer SRS WKT:" (then "(unknown)"
// for none) and "Feature Count:" lines.
func parseOGRLayerInfo(out string) (hasCRS, hasFeatures bool) {
	hasCRS, hasFeatures = true, true
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "Layer SRS WKT:" && i+1 < len(lines):
			hasCRS = strings.TrimSpace(lines[i+1]) != "(unknown)"
		case strings.HasPrefix(l, "Feature Count:"):
			hasFeatures = strings.TrimSpace(strings.TrimPrefix(l, "Feature Count:")) != "0"
		}
	}
	return hasCRS, hasFeatures
}

// startOGR starts ogr2ogr on one layer of path: sourceLayer if given, else
// the file's only layer, else the one named like target (the layer being
// imported). A zip's Shapefile is first unpacked to a directory of its own,
// removed by the returned cleanup (also on error).
func startOGR(ctx context.Context, path, format, enc, sourceLayer, target, file string) (*ogrSource, func(), error) {
	cleanup := func() {}
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		return nil, cleanup, fmt.Errorf("reading %s needs GDAL's ogr2ogr (apt-get install gdal-bin): %w", file, err)
	}
	longText := ""
	switch format {
	case FormatShapefileZip:
		shp, dir, side, err := unzipShapefile(path, sourceLayer, target, file)
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		path, sourceLayer, longText = shp, "", side
	case FormatShapefile:
		longText = longTextBeside(path)
	case FormatGeoPackage:
		if sourceLayer == "" {
			if sourceLayer, err = pickOGRLayer(ctx, path, target, file); err != nil {
				return nil, cleanup, err
			}
		}
	}
	hasCRS, hasFeatures := ogrLayerInfo(ctx, path, sourceLayer)
	if !hasFeatures {
		cleanup()
		return nil, func() {}, fileInvalid(file, "feature", 0, FileNoFeatures, nil, "%s holds no features", file)
	}
	cmd := exec.CommandContext(ctx, bin, ogrArgs(path, enc, sourceLayer, hasCRS)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanup()
		return nil, func() {}, err
	}
	o := &ogrSource{cmd: cmd, stdout: stdout, stderr: &limitedBuffer{limit: 8 << 10}, file: file, longText: longText}
	cmd.Stderr = o.stderr
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("start ogr2ogr for %s: %w", file, err)
	}
	return o, cleanup, nil
}

// pickOGRLayer names the layer of a GeoPackage to read when the caller
// named none: "" (ogr2ogr's default) when it has one layer, else the one
// called like target; several others are an error listing them, since
// ogr2ogr would read them all, one after the other, as one layer.
func pickOGRLayer(ctx context.Context, path, target, file string) (string, error) {
	bin, err := exec.LookPath("ogrinfo")
	if err != nil {
		return "", nil // ogr2ogr reads the only layer, or fails with GDAL's reason
	}
	out, err := exec.CommandContext(ctx, bin, "-ro", "-q", path).Output()
	if err != nil {
		return "", nil // not readable: ogr2ogr says why
	}
	names := ogrLayerNames(string(out))
	if len(names) <= 1 || slices.Contains(names, target) {
		if len(names) > 1 {
			return target, nil
		}
		return "", nil
	}
	return "", fileInvalid(file, "feature", 0, FileManyLayers, map[string]any{"count": len(names), "layers": names, "want": target}, "%s holds %d layers (%s): name the one to import with --source-layer (source_layer in an upload), or call it %s",
		file, len(names), strings.Join(names, ", "), target)
}

// ogrLayerNames reads the layer list of `ogrinfo -ro -q`: lines such as
// "1: households (Point)" or "2: codes" (no geometry).
func ogrLayerNames(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		num, rest, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			continue
		}
		if i := strings.LastIndex(rest, " ("); i > 0 && strings.HasSuffix(rest, ")") {
			rest = rest[:i]
		}
		names = append(names, rest)
	}
	return names
}

// maxUnzippedBytes bounds what a zipped Shapefile may unpack to (a
// Shapefile's .shp and .dbf hold 2 GB each at most).
const maxUnzippedBytes = 6 << 30

// unzipShapefile unpacks one Shapefile of a zip (its .shp and every file
// beside it with the same name: .shx, .dbf, .prj, .cpg ...) into a new
// temporary directory, under plain names, and returns the .shp's path and
// the directory. The Shapefile may sit in a folder of the zip; a zip with
// several is read only with the one named (sourceLayer, else target).
// Unpacking by name also spares GDAL the zip's file-name encoding (Windows
// writes Chinese names in GBK). The export's longtext.csv beside the
// Shapefile, when its folder holds no other Shapefile, is unpacked too:
// longText is its path, else "".
func unzipShapefile(path, sourceLayer, target, file string) (shp, dir, longText string, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", "", "", fileInvalid(file, "", 0, FileBadZip, nil, "%s is not a readable zip file: %v", file, err)
	}
	defer zr.Close()
	type stem struct{ dir, base string }
	var shps []stem
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(pathpkg.Base(name), "._") {
			continue
		}
		if strings.EqualFold(pathpkg.Ext(name), ".shp") {
			shps = append(shps, stem{pathpkg.Dir(name), strings.TrimSuffix(pathpkg.Base(name), pathpkg.Ext(name))})
		}
	}
	label := func(s stem) string { return zipLabel(s.base) }
	var pick *stem
	switch {
	case len(shps) == 0:
		return "", "", "", fileInvalid(file, "", 0, FileNoShapefile, nil, "%s holds no Shapefile (.shp): want a zip of one Shapefile's .shp, .shx, .dbf and .prj", file)
	case len(shps) == 1 && sourceLayer == "":
		pick = &shps[0]
	default:
		want := cmp.Or(sourceLayer, target)
		for i := range shps {
			if label(shps[i]) == want || strings.EqualFold(label(shps[i]), want) {
				pick = &shps[i]
				break
			}
		}
		if pick == nil {
			names := make([]string, len(shps))
			for i := range shps {
				names[i] = label(shps[i])
			}
			slices.Sort(names)
			if sourceLayer != "" {
				return "", "", "", fileInvalid(file, "", 0, FileNoSuchShapefile, map[string]any{"name": sourceLayer, "names": names}, "%s holds no Shapefile called %s; it holds %s", file, sourceLayer, strings.Join(names, ", "))
			}
			return "", "", "", fileInvalid(file, "", 0, FileManyLayers, map[string]any{"count": len(shps), "layers": names, "want": target}, "%s holds %d Shapefiles (%s): name the one to import with --source-layer (source_layer in an upload), or call it %s",
				file, len(shps), strings.Join(names, ", "), target)
		}
	}
	dir, err = os.MkdirTemp("", "lianxin-shp-*")
	if err != nil {
		return "", "", "", fmt.Errorf("unpack %s: %w", file, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	alone := true // the only Shapefile of its folder: a longtext.csv there is its
	for _, s := range shps {
		if s.dir == pick.dir && s.base != pick.base {
			alone = false
		}
	}
	var total int64
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		ext := pathpkg.Ext(name)
		if pathpkg.Dir(name) != pick.dir || f.FileInfo().IsDir() {
			continue
		}
		dst := filepath.Join(dir, "layer"+strings.ToLower(ext))
		switch {
		case strings.TrimSuffix(pathpkg.Base(name), ext) == pick.base:
		case alone && strings.EqualFold(pathpkg.Base(name), longTextName):
			dst = filepath.Join(dir, longTextName)
			longText = dst
		default:
			continue
		}
		n, err := unzipTo(f, dst, maxUnzippedBytes-total)
		total += n
		if err != nil {
			return "", "", "", fmt.Errorf("unpack %s from %s: %w", name, file, err)
		}
	}
	return filepath.Join(dir, "layer.shp"), dir, longText, nil
}

// longTextBeside returns the longtext.csv in the folder of the Shapefile at
// shp, as an unpacked export leaves it, when the folder holds no other
// Shapefile (whose side table it could be); else "". The name is matched
// without regard to case, as in a zip.
func longTextBeside(shp string) string {
	dir := filepath.Dir(shp)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "" // ogr2ogr says why the folder cannot be read
	}
	found := ""
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.EqualFold(filepath.Ext(name), ".shp") && name != filepath.Base(shp):
			return ""
		case strings.EqualFold(name, longTextName) && e.Type().IsRegular():
			found = filepath.Join(dir, name)
		}
	}
	return found
}

// zipLabel is a file name of a zip as people read it: UTF-8, or GBK as
// Windows writes it.
func zipLabel(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	if out, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil {
		return out
	}
	return name
}

func unzipTo(f *zip.File, dst string, limit int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("unpacks to more than %d bytes", int64(maxUnzippedBytes))
	}
	return n, err
}

// wait reaps ogr2ogr and turns its failure into an error naming the file.
func (o *ogrSource) wait() error {
	_, _ = io.Copy(io.Discard, o.stdout)
	err := o.cmd.Wait()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg := strings.TrimSpace(o.stderr.String())
		msg = strings.ReplaceAll(msg, "\n", " ")
		if msg == "" {
			msg = ee.String()
		}
		return fileInvalid(o.file, "feature", 0, FileUnreadable, map[string]any{"detail": msg}, "%s: GDAL could not read it: %s", o.file, msg)
	}
	return fmt.Errorf("ogr2ogr for %s: %w", o.file, err)
}

func (o *ogrSource) reader() *bufio.Reader { return bufio.NewReaderSize(o.stdout, 1<<16) }

// limitedBuffer keeps the first limit bytes written to it.
type limitedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	// GDAL's own warnings about assumed CRS are not the reason it failed.
	var keep []string
	for _, l := range strings.Split(b.buf.String(), "\n") {
		// Nor is the list of every driver GDAL tried.
		if strings.HasPrefix(l, "Warning 1: No SRS set") || strings.HasPrefix(strings.TrimSpace(l), "-> ") || strings.TrimSpace(l) == "" {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
