package tiles_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

// GDAL (and QGIS through it) types a tile's attributes from TileJSON's
// json member: counts and ids must read as Integer, not Real, shares as
// Real. Checked with ogrinfo on served tiles.
func TestTileJSONTypesInGDAL(t *testing.T) {
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Skip("ogrinfo not installed")
	}
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	at := county.Households[0].Location
	dir := t.TempDir()
	gdalType := map[string]string{"Integer": "Integer", "Number": "Real", "String": "String", "Boolean": "Integer(Boolean)"}
	// Fields whose type a reader relies on: ids and counts are integers.
	mustInteger := map[string][]string{
		"villages": {"id", "town_id", "resident_population", "registered_households", "visited_residents", "residents_needed", "special_waiting"},
		"h3":       {"resolution", "households", "residents", "visits"},
		"towns":    {"id"},
	}
	line := regexp.MustCompile(`(?m)^(\w+): (\S+) \(`)
	for _, tc := range []struct {
		layer string
		z     int
	}{{"villages", 12}, {"h3", 12}, {"towns", 10}, {"households", 15}, {"visits", 15}} {
		t.Run(tc.layer, func(t *testing.T) {
			l, ok := tiles.LookupLayer(tc.layer)
			if !ok {
				t.Fatalf("no layer %s", tc.layer)
			}
			tj := tiles.NewTileJSON(l, "http://example.invalid/tiles/"+l.Name+"/{z}/{x}/{y}.mvt", orb.Bound{Min: at, Max: at})
			meta, _ := json.Marshal(map[string]string{"json": tj.JSON})
			metaPath := filepath.Join(dir, tc.layer+".json")
			if err := os.WriteFile(metaPath, meta, 0o600); err != nil {
				t.Fatal(err)
			}
			ls, err := tiles.ParseLayers(tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := svc.Tile(context.Background(), lianxin.SystemScope(), tiles.Request{Layers: ls, Tile: tileAt(at, tc.z)}, "")
			if err != nil {
				t.Fatalf("tile %s z%d: %v", tc.layer, tc.z, err)
			}
			raw, err := got.Raw()
			if err != nil || len(raw) == 0 {
				t.Fatalf("tile %s z%d: %d bytes, %v; want features", tc.layer, tc.z, len(raw), err)
			}
			tilePath := filepath.Join(dir, tc.layer+".mvt")
			if err := os.WriteFile(tilePath, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", "-oo", "METADATA_FILE="+metaPath, tilePath).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", tc.layer, err, out)
			}
			read := map[string]string{}
			for _, m := range line.FindAllStringSubmatch(string(out), -1) {
				read[m[1]] = m[2]
			}
			detail := l.Fields
			if l.Clustered(tc.z) {
				detail = l.ClusterFields
			}
			for _, f := range detail {
				if want := gdalType[f.Type]; read[f.Name] != want {
					t.Errorf("ogrinfo reads %s.%s as %q, want %s (TileJSON type %s)\n%s", tc.layer, f.Name, read[f.Name], want, f.Type, out)
				}
			}
			for _, name := range mustInteger[tc.layer] {
				if read[name] != "Integer" {
					t.Errorf("ogrinfo reads %s.%s as %q, want Integer (a count or an id)", tc.layer, name, read[name])
				}
			}
		})
	}
}
