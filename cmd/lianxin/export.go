package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/api"
	"lianxin/export"
	"lianxin/geo"
	"lianxin/tiles"
)

// runExport writes one layer to a file: lianxin export <layer> --format gpkg -o out.gpkg.
func runExport(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lianxin export <layer> [flags]   layers:", layerNames())
		fmt.Fprintln(stderr, "       lianxin export pmtiles --town CODE -o town.pmtiles   (offline map package of every vector layer)")
		fs.PrintDefaults()
	}
	cfg.bindCommon(fs, env)
	format := fs.String("format", "geojson", "geojson, csv, gpkg, shp (zipped), kml or fgb")
	out := fs.String("o", "", "output file (default: the layer's file name in the current directory; - for stdout)")
	crs := fs.String("crs", "EPSG:4326", "EPSG:4326, EPSG:4490 or gcj02 (shifted for Chinese web maps)")
	encoding := fs.String("encoding", "", "shapefile attribute encoding: utf-8 (default) or gbk")
	town := fs.String("town", "", "town code")
	bbox := fs.String("bbox", "", "minLon,minLat,maxLon,maxLat")
	from := fs.String("from", "", "start of the window (YYYY-MM-DD, UTC+8), inclusive")
	to := fs.String("to", "", "end of the window, exclusive")
	below := fs.Bool("below", false, "coverage layers: only villages in gap (rural below one-third, urban communities not visited)")
	resolution := fs.Int("resolution", 0, "h3_cells: H3 resolution from 6 to 10 (default 8)")
	lang := fs.String("lang", "", "csv: column names and enumerated values in en (default) or zh, as the download's lang")
	excel := fs.Bool("excel", false, "csv: for Excel, as the download's excel=true: each code cell of digits as =\"…\", so Excel keeps every digit")
	where := map[string]string{}
	fs.Func("where", "keep rows whose field equals a value, as field=value (repeatable; e.g. kind=community, reached=false)", func(v string) error {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return fmt.Errorf("want field=value, got %q", v)
		}
		if _, dup := where[name]; dup {
			return fmt.Errorf("field %s given twice", name)
		}
		where[name] = value
		return nil
	})
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return fmt.Errorf("export: name a layer first (%s)", layerNames())
	}
	layer := args[0]
	minZoom := fs.Int("minzoom", 8, "pmtiles: first zoom")
	maxZoom := fs.Int("maxzoom", 15, "pmtiles: last zoom")
	if err := parse(fs, args[1:], env); err != nil {
		return err
	}
	if layer == "pmtiles" {
		return runPMTiles(ctx, cfg, *town, *out, *minZoom, *maxZoom, stderr)
	}
	req := export.Request{Layer: layer, Filter: export.Filter{Town: *town, Below: *below, Resolution: *resolution}}
	if len(where) > 0 {
		req.Filter.Equals = where
	}
	var err error
	if req.Format, err = export.ParseFormat(*format); err != nil {
		return err
	}
	if req.CRS, err = export.ParseCRS(*crs); err != nil {
		return err
	}
	// --lang and --excel are the download's lang and excel: the same
	// checks and the same rewriting (api.ExportCSV). Like the parameter,
	// --excel=false given with another format is refused too.
	excelArg := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "excel" {
			excelArg = strconv.FormatBool(*excel)
		}
	})
	csvOut, err := api.ParseExportCSV(req.Format, *lang, excelArg)
	if err != nil {
		return err
	}
	if *encoding != "" {
		if req.Encoding, err = export.ParseEncoding(*encoding); err != nil {
			return err
		}
	}
	if *bbox != "" {
		if req.Filter.BBox, err = export.ParseBBox(*bbox); err != nil {
			return err
		}
	}
	if *from != "" {
		if req.Filter.From, err = export.ParseTime("from", *from); err != nil {
			return err
		}
	}
	if *to != "" {
		if req.Filter.To, err = export.ParseTime("to", *to); err != nil {
			return err
		}
	}
	log, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := export.New(st, export.Options{Logger: log})

	path := *out
	if path == "" {
		path = req.Filename()
	}
	var w io.Writer = stdout
	var f *os.File
	if path != "-" {
		// Written beside the target and renamed at the end, so a failed
		// export never leaves a file that looks complete.
		f, err = os.CreateTemp(filepath.Dir(path), ".lianxin-export-*")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	rows, err := svc.Export(ctx, cliScope(), req, csvOut.Writer(w), func(export.Meta) error { return nil })
	if err = csvOut.Close(err); err != nil {
		return err
	}
	if f != nil {
		if err := finishFile(f, path); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "exported %d rows of %s to %s (%s, %s)\n", rows, layer, path, req.Format, req.CRS.Name)
	}
	return nil
}

// cliScope is the whole county, recorded in the export log as the command
// line (like the imports it runs), not as the server's own system account.
func cliScope() lianxin.Scope {
	scope := lianxin.SystemScope()
	scope.User = cliActor
	return scope
}

// finishFile gives the temporary file f the mode of a file the user wrote
// (os.CreateTemp makes it readable by its owner only) and moves it to path.
func finishFile(f *os.File, path string) error {
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func layerNames() string {
	var names []string
	for _, l := range export.Layers() {
		names = append(names, l.Name)
	}
	return strings.Join(names, ", ")
}

// runPMTiles writes the offline map package of one town: every vector tile
// layer (the tiles package's multi-layer tiles) over the town's box,
// recorded in the export log like the server's packages.
func runPMTiles(ctx context.Context, cfg Config, town, out string, minZoom, maxZoom int, stderr io.Writer) error {
	if town == "" {
		return fmt.Errorf("export pmtiles: --town CODE is required")
	}
	if err := export.CheckPackageZooms(minZoom, maxZoom); err != nil {
		return fmt.Errorf("export pmtiles: %w", err)
	}
	if out == "" {
		out = export.PackageFilename(town)
	}
	log, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	scope := cliScope()
	towns, err := st.Towns(ctx, scope)
	if err != nil {
		return err
	}
	var bound *orb.Bound
	var townName string
	for _, t := range towns {
		if t.Code == town {
			b := t.BBox
			bound, townName = &b, t.Name
		}
	}
	if bound == nil {
		return fmt.Errorf("export pmtiles: no town with code %q", town)
	}
	// One window for every tile, recorded in the package's metadata
	// (export.TownPackageFor).
	cp, err := st.Campaign(ctx, scope)
	if err != nil {
		return err
	}
	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: -1})
	if err != nil {
		return err
	}
	layers := tiles.Layers()
	opt, filter := export.TownPackageFor(cp, townName, town, "", *bound, minZoom, maxZoom, layers, time.Now())
	svc := export.New(st, export.Options{Logger: log})
	// The town's layers, and the county's hexagons over the town
	// (export.TownTiles), as the web map's package.
	shape, err := svc.TownShape(ctx, scope, town)
	if err != nil {
		return err
	}
	tileFunc := export.TownTiles(func(ctx context.Context, ls []*tiles.Layer, t geo.TileZXY, f tiles.Filter) ([]byte, error) {
		tl, _, err := tileSrv.Tile(ctx, scope, tiles.Request{Layers: ls, Tile: t, Filter: f}, "")
		return tl.Gzip, err
	}, layers, filter, shape)
	f, err := os.CreateTemp(filepath.Dir(out), ".lianxin-pmtiles-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := svc.Package(ctx, scope, export.TownPackage{Town: town, Options: opt}, tileFunc, f, func(export.Meta) error { return nil })
	if err != nil {
		return err
	}
	if err := finishFile(f, out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d tiles of town %s (zoom %d-%d) to %s\n", n, town, minZoom, maxZoom, out)
	return nil
}
