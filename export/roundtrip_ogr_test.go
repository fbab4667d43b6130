package export_test

import (
	"context"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/ingest"
)

// Review 10 (GIS) fault 5: a GeoPackage or zipped Shapefile exported and
// imported again unedited reported every row "updated", because the import
// read GDAL's formats with coordinates rounded to 9 decimals while the
// store holds full doubles. GIS staff edit these formats in QGIS and ArcGIS:
// an unedited file must import as unchanged, polygons and points alike, and
// a Shapefile in either code page.
func TestExportReimportsUnchangedOGR(t *testing.T) {
	ctx := context.Background()
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	scope := lianxin.SystemScope()
	// The visits carry the time of day, which a .dbf Date dropped: a
	// shapefile writes date-times as text (shapefileText).
	for _, layer := range []string{"villages", "contact_points", "visits", "households"} {
		for _, tc := range []struct {
			format   export.Format
			encoding export.Encoding
		}{
			{export.GeoPackage, ""},
			{export.Shapefile, export.UTF8},
			{export.Shapefile, export.GBK},
		} {
			name := layer + "/" + string(tc.format) + string(tc.encoding)
			t.Run(name, func(t *testing.T) {
				req := export.Request{Layer: layer, Format: tc.format, CRS: export.WGS84, Encoding: tc.encoding}
				path, rows := exportFile(t, svc, req, t.TempDir())
				if rows == 0 {
					t.Fatalf("export %s: no rows", name)
				}
				rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: layer, Path: path, DryRun: true})
				if err != nil {
					t.Fatalf("import of export %s: %v (rejects %v)", name, err, rec.Rejects)
				}
				want := ingest.Counts{Unchanged: rows}
				if rec.Counts != want {
					t.Errorf("import of export %s: got %+v, want every one of %d rows unchanged (rejects %v)", name, rec.Counts, rows, rec.Rejects)
				}
			})
		}
	}
}
