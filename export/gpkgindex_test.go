package export_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// The GeoPackage's spatial index is bulk-loaded by lianxin, not inserted by
// GDAL (gpkgindex.go). Each exported file must hold the index GDAL would
// have built: a valid R-tree (SQLite's rtreecheck), the same box for every
// feature as GDAL's own index of the same features, spatial queries that
// find what a full scan finds, the triggers that keep it current, and the
// feature count set.
func TestGeoPackageSpatialIndex(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()

	// A few households around one of them: a tree whose root is its only
	// leaf.
	var x, y float64
	for k, v := range dbValues(t, url, `SELECT ST_X(location)::text, ST_Y(location)::text FROM households ORDER BY id LIMIT 1`) {
		x, _ = strconv.ParseFloat(k, 64)
		y, _ = strconv.ParseFloat(v, 64)
	}
	near := orb.Bound{Min: orb.Point{x - 0.002, y - 0.002}, Max: orb.Point{x + 0.002, y + 0.002}}
	nowhere := orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{10.01, 10.01}}

	cases := []struct {
		name      string
		req       export.Request
		minRows   int64
		maxRows   int64
		triggered bool // UPDATE one geometry through GDAL's SQLite
	}{
		{"households", export.Request{Layer: "households", CRS: export.WGS84}, 52 * 51, 1 << 40, true},
		{"households gcj02", export.Request{Layer: "households", CRS: export.GCJ02}, 52 * 51, 1 << 40, false},
		{"households cgcs2000", export.Request{Layer: "households", CRS: export.CGCS2000}, 52 * 51, 1 << 40, false},
		{"villages", export.Request{Layer: "villages", CRS: export.WGS84}, 52, 1 << 40, true},
		{"villages gcj02", export.Request{Layer: "villages", CRS: export.GCJ02}, 52, 1 << 40, false},
		{"river_works", export.Request{Layer: "river_works", CRS: export.CGCS2000}, 1, 1 << 40, true},
		{"projects (mixed)", export.Request{Layer: "projects", CRS: export.WGS84}, 1, 1 << 40, false},
		{"households near one", export.Request{Layer: "households", CRS: export.WGS84, Filter: export.Filter{BBox: &near}}, 2, 51, true},
		{"households nowhere", export.Request{Layer: "households", CRS: export.WGS84, Filter: export.Filter{BBox: &nowhere}}, 0, 0, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Format = export.GeoPackage
			sub := filepath.Join(dir, strconv.Itoa(i))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			path, rows := exportFile(t, svc, tc.req, sub)
			if rows < tc.minRows || rows > tc.maxRows {
				t.Fatalf("export %s: %d rows, want %d..%d for what this case tests", tc.name, rows, tc.minRows, tc.maxRows)
			}
			db := openSQLite(t, path)
			var table, column string
			scan(t, db, `SELECT table_name, column_name FROM gpkg_geometry_columns`, nil, &table, &column)
			rtree := "rtree_" + table + "_" + column

			var check string
			scan(t, db, `SELECT rtreecheck(?)`, []any{rtree}, &check)
			if check != "ok" {
				t.Fatalf("rtreecheck(%s) of %s: %s", rtree, tc.name, check)
			}
			var depth string // the root's first two bytes
			scan(t, db, `SELECT hex(substr(data, 1, 2)) FROM "`+rtree+`_node" WHERE nodeno = 1`, nil, &depth)
			if rootLeaf := rows <= 51; (depth == "0000") != rootLeaf {
				t.Errorf("%s: %d rows, root depth %s, want the root to be a leaf: %v", tc.name, rows, depth, rootLeaf)
			}
			var count sql.NullInt64
			scan(t, db, `SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?`, []any{table}, &count)
			if !count.Valid || count.Int64 != rows {
				t.Errorf("%s: gpkg_ogr_contents.feature_count %v, want %d", tc.name, count, rows)
			}
			if got := ogrinfo(t, path).count; int64(got) != rows {
				t.Errorf("%s: ogrinfo counts %d features, want %d", tc.name, got, rows)
			}

			// GDAL's own index of the same features: ogr2ogr copies the
			// file, keeping the feature ids, and builds it.
			ref := filepath.Join(sub, "gdal.gpkg")
			if out, err := exec.Command("ogr2ogr", "-f", "GPKG", ref, path).CombinedOutput(); err != nil {
				t.Fatalf("ogr2ogr %s: %v\n%s", path, err, out)
			}
			if _, err := db.Exec(`ATTACH DATABASE ? AS gdal`, ref); err != nil {
				t.Fatal(err)
			}
			var entries, onlyOurs, onlyGDAL int64
			scan(t, db, `SELECT count(*) FROM "`+rtree+`"`, nil, &entries)
			scan(t, db, `SELECT count(*) FROM (SELECT * FROM main."`+rtree+`" EXCEPT SELECT * FROM gdal."`+rtree+`")`, nil, &onlyOurs)
			scan(t, db, `SELECT count(*) FROM (SELECT * FROM gdal."`+rtree+`" EXCEPT SELECT * FROM main."`+rtree+`")`, nil, &onlyGDAL)
			if onlyOurs != 0 || onlyGDAL != 0 {
				t.Errorf("%s: %d index entries (id and box) not in GDAL's index of the same file, %d of GDAL's not in ours", tc.name, onlyOurs, onlyGDAL)
			}
			var located int64
			scan(t, db, `SELECT count(*) FROM "`+table+`" WHERE "`+column+`" IS NOT NULL`, nil, &located)
			if entries != located {
				t.Errorf("%s: %d index entries, want one per feature with a geometry: %d", tc.name, entries, located)
			}
			ourTriggers, gdalTriggers := triggers(t, db, "main", rtree), triggers(t, db, "gdal", rtree)
			if ourTriggers == "" || ourTriggers != gdalTriggers {
				t.Errorf("%s: R-tree triggers\n%s\nwant GDAL's\n%s", tc.name, ourTriggers, gdalTriggers)
			}
			has := fmt.Sprintf("SELECT HasSpatialIndex('%s', '%s')", table, column)
			out, err := exec.Command("ogrinfo", "-ro", path, "-sql", has).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "(Integer) = 1") {
				t.Errorf("%s: GDAL's %s: %v\n%s, want 1", tc.name, has, err, out)
			}
			var extent, gdalExtent string
			scan(t, db, `SELECT concat_ws(' ', min_x, min_y, max_x, max_y, srs_id) FROM main.gpkg_contents WHERE table_name = ?`, []any{table}, &extent)
			scan(t, db, `SELECT concat_ws(' ', min_x, min_y, max_x, max_y, srs_id) FROM gdal.gpkg_contents WHERE table_name = ?`, []any{table}, &gdalExtent)
			if extent != gdalExtent {
				t.Errorf("%s: extent and SRS %q, GDAL computes %q", tc.name, extent, gdalExtent)
			}

			// Windows over the extent: the tree's search finds what a scan
			// of every entry finds, and GDAL's spatial filter counts the same
			// in both files.
			var minX, minY, maxX, maxY sql.NullFloat64
			scan(t, db, `SELECT min(minx), min(miny), max(maxx), max(maxy) FROM "`+rtree+`"`, nil, &minX, &minY, &maxX, &maxY)
			if !minX.Valid {
				minX, minY, maxX, maxY = sql.NullFloat64{Float64: 10}, sql.NullFloat64{Float64: 10}, sql.NullFloat64{Float64: 11}, sql.NullFloat64{Float64: 11}
			}
			w, h := maxX.Float64-minX.Float64, maxY.Float64-minY.Float64
			for _, f := range [][4]float64{{0, 0, 0.5, 0.5}, {0.5, 0.5, 1, 1}, {0.3, 0.2, 0.45, 0.4}, {0.6, 0.1, 0.62, 0.13}, {-1, -1, 2, 2}} {
				x1, y1, x2, y2 := minX.Float64+f[0]*w, minY.Float64+f[1]*h, minX.Float64+f[2]*w, minY.Float64+f[3]*h
				var searched, scanned int64
				scan(t, db, `SELECT count(*) FROM "`+rtree+`" WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ?`, []any{x1, x2, y1, y2}, &searched)
				scan(t, db, `SELECT count(*) FROM "`+rtree+`" WHERE +maxx >= ? AND +minx <= ? AND +maxy >= ? AND +miny <= ?`, []any{x1, x2, y1, y2}, &scanned)
				if searched != scanned {
					t.Errorf("%s: window %v: the R-tree's search finds %d entries, a scan %d", tc.name, f, searched, scanned)
				}
				ours, gdal := spatCount(t, path, x1, y1, x2, y2), spatCount(t, ref, x1, y1, x2, y2)
				if ours != gdal {
					t.Errorf("%s: window %v: ogrinfo -spat counts %d features, %d in GDAL's copy", tc.name, f, ours, gdal)
				}
			}
			db.Close()

			if tc.triggered {
				// Move feature 1 onto the last one's geometry through GDAL's
				// SQLite (which has the ST_ functions the triggers call): its
				// box must follow.
				var last int64
				scan(t, openSQLite(t, path), `SELECT max(fid) FROM "`+table+`"`, nil, &last)
				stmt := fmt.Sprintf(`UPDATE "%s" SET "%s" = (SELECT "%s" FROM "%s" WHERE fid = %d) WHERE fid = 1`, table, column, column, table, last)
				if out, err := exec.Command("ogrinfo", path, "-sql", stmt).CombinedOutput(); err != nil {
					t.Fatalf("ogrinfo -sql %s: %v\n%s", stmt, err, out)
				}
				db := openSQLite(t, path)
				var moved, target string
				scan(t, db, `SELECT concat_ws(' ', minx, maxx, miny, maxy) FROM "`+rtree+`" WHERE id = 1`, nil, &moved)
				scan(t, db, `SELECT concat_ws(' ', minx, maxx, miny, maxy) FROM "`+rtree+`" WHERE id = ?`, []any{last}, &target)
				if moved != target {
					t.Errorf("%s: after moving feature 1 onto feature %d's geometry its box is %s, want %s", tc.name, last, moved, target)
				}
				scan(t, db, `SELECT rtreecheck(?)`, []any{rtree}, &check)
				if check != "ok" {
					t.Errorf("rtreecheck(%s) of %s after the update: %s", rtree, tc.name, check)
				}
			}
		})
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// scan runs q with args and scans its one row into dest.
func scan(t *testing.T, db *sql.DB, q string, args []any, dest ...any) {
	t.Helper()
	if err := db.QueryRow(q, args...).Scan(dest...); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
}

// triggers lists the CREATE statements of the R-tree's triggers in schema.
func triggers(t *testing.T, db *sql.DB, schema, rtree string) string {
	t.Helper()
	rs, err := db.Query(`SELECT sql FROM ` + schema + `.sqlite_master WHERE type = 'trigger' AND name LIKE '` + rtree + `%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

var featureCount = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)

// spatCount is the feature count ogrinfo reports with a spatial filter.
func spatCount(t *testing.T, path string, x1, y1, x2, y2 float64) int {
	t.Helper()
	args := []string{"-ro", "-so", "-al", "-spat"}
	for _, v := range []float64{x1, y1, x2, y2} {
		args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
	}
	out, err := exec.Command("ogrinfo", append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo -spat %s: %v\n%s", path, err, out)
	}
	m := featureCount.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo -spat %s: no feature count in\n%s", path, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// A GeoPackage export cut short — the client gone while ogr2ogr appends,
// or GDAL failing on the skeleton — returns the cause, leaves no ogr2ogr
// running and nothing in its temporary directory.
func TestGeoPackageExportCleansUp(t *testing.T) {
	st, _, _ := demotest.New(t)
	req := export.Request{Layer: "households", Format: export.GeoPackage, CRS: export.WGS84}

	t.Run("client gone", func(t *testing.T) {
		tmp := t.TempDir()
		svc := export.New(st, export.Options{Logger: quiet(), TempDir: tmp})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			// The skeleton's head is written before the appending ogr2ogr
			// starts: cancel once it is there.
			for ctx.Err() == nil {
				if heads, _ := filepath.Glob(filepath.Join(tmp, "*", "head.csv")); len(heads) > 0 {
					cancel()
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
		_, err := svc.Export(ctx, lianxin.SystemScope(), req, io.Discard, func(export.Meta) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("export cancelled while ogr2ogr appends: %v, want context.Canceled", err)
		}
		assertCleanedUp(t, tmp)
	})
	t.Run("GDAL fails", func(t *testing.T) {
		tmp := t.TempDir()
		svc := export.New(st, export.Options{Logger: quiet(), TempDir: tmp, Ogr2ogr: "false"})
		_, err := svc.Export(context.Background(), lianxin.SystemScope(), req, io.Discard, func(export.Meta) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "skeleton") {
			t.Fatalf("export with an ogr2ogr that fails: %v, want the skeleton's failure", err)
		}
		assertCleanedUp(t, tmp)
	})
}

func assertCleanedUp(t *testing.T, tmp string) {
	t.Helper()
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("temporary directory holds %d entries after the export, want none", len(left))
	}
	// No child of this test process is an ogr2ogr still running.
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		stat := string(b)
		name := stat[strings.IndexByte(stat, '(')+1 : strings.LastIndexByte(stat, ')')]
		fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
		if name == "ogr2ogr" && len(fields) > 1 && fields[1] == strconv.Itoa(os.Getpid()) {
			t.Errorf("ogr2ogr (%s) still runs after the export returned", p)
		}
	}
}
