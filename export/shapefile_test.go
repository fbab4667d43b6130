package export_test

import (
	"archive/zip"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lianxin/demo/demotest"
	"lianxin/export"
)

// Every layer's shapefile has the catalogue's short field names, unique and
// at most 10 bytes, as GDAL reads them, with the values of the GeoJSON
// export under them, and a field dictionary in the zip naming each.
func TestShapefileFieldNames(t *testing.T) {
	st, _, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	for _, l := range export.Layers() {
		if l.Geometry == export.AnyGeometry || l.Geometry == export.NoGeometry {
			continue // no shapefile: refused, or a dbf without a shape
		}
		t.Run(l.Name, func(t *testing.T) {
			short := l.ShapefileNames()
			seen := map[string]string{}
			for i, s := range short {
				if s == "" || len(s) > 10 {
					t.Errorf("field %s: shapefile name %q, want 1 to 10 bytes", l.Fields[i].Name, s)
				}
				if prev, dup := seen[s]; dup {
					t.Errorf("fields %s and %s share the shapefile name %q", prev, l.Fields[i].Name, s)
				}
				seen[s] = l.Fields[i].Name
			}
			path, _ := exportFile(t, svc, export.Request{Layer: l.Name, Format: export.Shapefile, CRS: export.WGS84}, dir)
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", "/vsizip/"+path).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
			}
			var got []string
			for _, line := range strings.Split(string(out), "\n") {
				if name, _, ok := strings.Cut(line, ": "); ok && name != "Extent" && !strings.Contains(name, " ") && strings.Contains(line, " (") {
					got = append(got, name)
				}
			}
			if !slices.Equal(got, short) {
				t.Errorf("ogrinfo reads fields\n%v\nwant\n%v", got, short)
			}
			// Date-times and the H3 id are text: a .dbf Date drops the
			// time of day, and N(18,0) is read by ArcGIS as a double.
			for i, f := range l.Fields {
				if f.Type != export.DateTime && !(l.Resolution && f.Name == "id") {
					continue
				}
				if !strings.Contains(string(out), "\n"+short[i]+": String (") {
					t.Errorf("field %s (%s): ogrinfo reads %s, want a String field", f.Name, short[i], out)
				}
			}
			// Values: the shapefile's features carry the GeoJSON's.
			gj, _ := exportFile(t, svc, export.Request{Layer: l.Name, Format: export.GeoJSON, CRS: export.WGS84}, dir)
			want := readBack(t, gj)
			have := readBack(t, "/vsizip/"+path)
			if len(have) != len(want) || len(want) == 0 {
				t.Fatalf("shapefile has %d features, GeoJSON %d: want the same, not 0", len(have), len(want))
			}
			for _, k := range []int{0, len(want) / 2, len(want) - 1} {
				if l.Resolution { // the H3 id, every digit, the hex cell's twin
					cell, _ := have[k].Properties["cell"].(string)
					n, err := strconv.ParseUint(cell, 16, 64)
					if id := have[k].Properties["id"]; err != nil || id != strconv.FormatUint(n, 10) {
						t.Errorf("feature %d: H3 id %v (%T), cell %q: want the cell's integer as text", k, id, id, cell)
					}
				}
				for i, f := range l.Fields {
					w, ok := want[k].Properties[f.Name]
					if !ok || w == nil {
						continue // the feature id, or empty
					}
					h := have[k].Properties[short[i]]
					// A date-time keeps its time of day (text in the .dbf):
					// only a Date may come back as the day.
					if ws, hs := fmt.Sprint(w), fmt.Sprint(h); ws != hs && !sameNumber(w, h) && !(f.Type == export.Date && sameDay(ws, hs)) && !sameBool(w, h) {
						t.Errorf("feature %d field %s (%s): shapefile %v, GeoJSON %v", k, f.Name, short[i], h, w)
					}
				}
			}
			// The dictionary lists every field, short and full name.
			zr, err := zip.OpenReader(path)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			var dict string
			for _, zf := range zr.File {
				if zf.Name == "fields.csv" {
					rc, _ := zf.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					dict = string(b)
				}
			}
			for i, f := range l.Fields {
				if !strings.Contains(dict, "\n"+short[i]+","+f.Name+",") {
					t.Errorf("fields.csv in the zip has no line for %s (%s):\n%s", f.Name, short[i], dict)
				}
			}
		})
	}
}

func sameNumber(a, b any) bool {
	x, ok1 := a.(float64)
	y, ok2 := b.(float64)
	if !ok1 || !ok2 {
		return false
	}
	d := x - y
	return d < 1e-6 && d > -1e-6
}

// sameDay: a shapefile keeps dates only (2026-03-01 for 2026-03-01T…).
func sameDay(geojson, shp string) bool {
	return len(shp) == 10 && strings.HasPrefix(strings.ReplaceAll(geojson, "/", "-"), shp)
}

// sameBool: a shapefile has no booleans; GDAL writes them as 1 and 0.
func sameBool(geojson, shp any) bool {
	b, ok := geojson.(bool)
	n, ok2 := shp.(float64)
	return ok && ok2 && (b && n == 1 || !b && n == 0)
}
