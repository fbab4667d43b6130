package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/geo"
)

// CSV for Excel starts with a UTF-8 BOM and keeps Chinese text; GCJ-02 is
// marked in the file name, the CSV column and the GeoJSON, and its
// coordinates are the WGS 84 ones moved by geo.FromWGS84.
func TestCSVAndGCJ02(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	ctx := context.Background()
	run := func(req export.Request) []byte {
		t.Helper()
		var buf bytes.Buffer
		if _, err := svc.Export(ctx, lianxin.SystemScope(), req, &buf, func(export.Meta) error { return nil }); err != nil {
			t.Fatalf("export %s %s %s: %v", req.Layer, req.Format, req.CRS.Name, err)
		}
		return buf.Bytes()
	}
	csv := run(export.Request{Layer: "teams", Format: export.CSV, CRS: export.GCJ02})
	if !bytes.HasPrefix(csv, []byte("\xEF\xBB\xBF\"code\",\"name\"")) {
		t.Errorf("CSV starts %q, want a UTF-8 BOM then the header", csv[:min(40, len(csv))])
	}
	if !bytes.Contains(csv, []byte(`"wkt_gcj02"`+"\r\n")) || !bytes.Contains(csv, []byte("工作队")) {
		t.Errorf("GCJ-02 CSV lacks the wkt_gcj02 column or the Chinese team names:\n%s", csv[:min(300, len(csv))])
	}
	if got := (export.Request{Layer: "teams", Format: export.CSV, CRS: export.GCJ02}).Filename(); got != "teams_gcj02.csv" {
		t.Errorf("GCJ-02 file name %q, want teams_gcj02.csv", got)
	}

	type fc struct {
		CoordinateSystem string `json:"coordinate_system"`
		Features         []struct {
			ID       int64 `json:"id"`
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	var wgs, gcj fc
	if err := json.Unmarshal(run(export.Request{Layer: "teams", Format: export.GeoJSON, CRS: export.WGS84}), &wgs); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(run(export.Request{Layer: "teams", Format: export.GeoJSON, CRS: export.GCJ02}), &gcj); err != nil {
		t.Fatal(err)
	}
	if wgs.CoordinateSystem != "" || !strings.HasPrefix(gcj.CoordinateSystem, "GCJ-02") {
		t.Errorf("coordinate_system: WGS 84 %q, GCJ-02 %q; want none and a GCJ-02 note", wgs.CoordinateSystem, gcj.CoordinateSystem)
	}
	if len(wgs.Features) == 0 || len(wgs.Features) != len(gcj.Features) {
		t.Fatalf("%d WGS 84 teams, %d GCJ-02 teams", len(wgs.Features), len(gcj.Features))
	}
	for i, f := range wgs.Features {
		p := f.Geometry.Coordinates
		want := geo.FromWGS84(geo.CRSGCJ02, [2]float64{p[0], p[1]})
		got := gcj.Features[i].Geometry.Coordinates
		if d := geo.DistanceMetres(want, [2]float64{got[0], got[1]}); d > 0.05 || geo.DistanceMetres([2]float64{p[0], p[1]}, want) < 50 {
			t.Errorf("team %d: GCJ-02 %v, want %v (WGS 84 %v)", f.ID, got, want, p)
		}
	}
}

// Every export is recorded with who, layer, format, filter and rows.
func TestExportIsRecorded(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	scope := lianxin.SystemScope()
	scope.User = "gis-alice"
	req := export.Request{Layer: "villages", Format: export.GeoJSON, CRS: export.WGS84, Filter: export.Filter{Equals: map[string]string{"kind": "community"}}}
	rows, err := svc.Export(context.Background(), scope, req, &bytes.Buffer{}, func(export.Meta) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.RecentExports(context.Background(), 1)
	if err != nil || len(recs) != 1 {
		t.Fatalf("recent exports: %v %v", recs, err)
	}
	r := recs[0]
	if r.Actor != "gis-alice" || r.Layer != "villages" || r.Format != "geojson" || r.Rows != rows || !r.Completed ||
		r.Filter["equals"].(map[string]any)["kind"] != "community" {
		t.Errorf("recorded %+v, want gis-alice, villages, geojson, %d rows, completed, filter kind=community", r, rows)
	}
}

// Mistakes are refused before any query, naming the parameter.
func TestExportRefusals(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	noGrant := lianxin.Scope{User: "planner", AllTowns: true}
	for _, tc := range []struct {
		name  string
		scope lianxin.Scope
		req   export.Request
		code  string
		in    string
	}{
		{"unknown layer", lianxin.SystemScope(), export.Request{Layer: "nothing", Format: export.GeoJSON, CRS: export.WGS84}, lianxin.ENotFound, "no such layer"},
		{"households without grant", noGrant, export.Request{Layer: "households", Format: export.CSV, CRS: export.WGS84}, lianxin.EForbidden, "household_points"},
		{"mixed geometry as shp", lianxin.SystemScope(), export.Request{Layer: "projects", Format: export.Shapefile, CRS: export.WGS84}, lianxin.EInvalid, "format shp"},
		{"KML in CGCS2000", lianxin.SystemScope(), export.Request{Layer: "towns", Format: export.KML, CRS: export.CGCS2000}, lianxin.EInvalid, "crs EPSG:4490"},
		{"unknown town", lianxin.SystemScope(), export.Request{Layer: "villages", Format: export.GeoJSON, CRS: export.WGS84, Filter: export.Filter{Town: "x"}}, lianxin.EInvalid, "town"},
		{"time on a timeless layer", lianxin.SystemScope(), export.Request{Layer: "towns", Format: export.GeoJSON, CRS: export.WGS84, Filter: export.Filter{Below: true}}, lianxin.EInvalid, "below"},
		{"encoding on GeoJSON", lianxin.SystemScope(), export.Request{Layer: "towns", Format: export.GeoJSON, CRS: export.WGS84, Encoding: export.GBK}, lianxin.EInvalid, "encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			began := false
			_, err := svc.Export(context.Background(), tc.scope, tc.req, &bytes.Buffer{}, func(export.Meta) error { began = true; return nil })
			if lianxin.ErrorCode(err) != tc.code || !strings.Contains(lianxin.ErrorMessage(err), tc.in) || began {
				t.Errorf("error %v (code %s, began %v), want code %s mentioning %q before any byte", err, lianxin.ErrorCode(err), began, tc.code, tc.in)
			}
		})
	}
}
