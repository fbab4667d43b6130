package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

// TestPMTilesTellsTheTruth writes offline packages with `lianxin export
// pmtiles` and decodes each archive's header and metadata: the header's
// zooms are those of the tiles written and its box the town's; every
// vector layer is listed with its description at those zooms (not the
// TileJSON's 5–16); the metadata records the window [from, to) the
// coverage figures count, and which layers count it.
func TestPMTilesTellsTheTruth(t *testing.T) {
	ctx := context.Background()
	st, url, county := demotest.New(t)
	town := county.Towns[0]
	towns, err := st.Towns(ctx, lianxin.SystemScope())
	if err != nil {
		t.Fatal(err)
	}
	var bbox [4]float64
	for _, tw := range towns {
		if tw.Code == town.Code {
			bbox = [4]float64{tw.BBox.Min[0], tw.BBox.Min[1], tw.BBox.Max[0], tw.BBox.Max[1]}
		}
	}
	cp, err := st.Campaign(ctx, lianxin.SystemScope())
	if err != nil {
		t.Fatal(err)
	}
	window := coverage.DefaultWindow(cp.StartsOn, time.Now())
	descriptions := map[string]string{}
	var windowed []any
	for _, l := range tiles.Layers() {
		descriptions[l.Name] = l.Description
		if l.Windowed {
			windowed = append(windowed, l.Name)
		}
	}

	cases := []struct{ minZoom, maxZoom int }{{10, 12}, {8, 9}, {13, 13}}
	for _, tc := range cases {
		name := strconv.Itoa(tc.minZoom) + "-" + strconv.Itoa(tc.maxZoom)
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), town.Code+".pmtiles")
			args := []string{"export", "pmtiles", "--town", town.Code, "--minzoom", strconv.Itoa(tc.minZoom),
				"--maxzoom", strconv.Itoa(tc.maxZoom), "-o", path, "--database-url", url, "--log-level", "warn"}
			var out bytes.Buffer
			if err := run(ctx, args, func(string) string { return "" }, &out, &out); err != nil {
				t.Fatalf("lianxin %v: %v\n%s", args, err, out.String())
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
			if err != nil {
				t.Fatalf("header: %v", err)
			}
			// The zooms of the tiles in the directory.
			lo, hi := 99, -1
			for _, e := range pmtiles.DeserializeEntries(bytes.NewBuffer(b[h.RootOffset:h.RootOffset+h.RootLength]), h.InternalCompression) {
				z, _, _ := pmtiles.IDToZxy(e.TileID)
				lo, hi = min(lo, int(z)), max(hi, int(z))
			}
			if int(h.MinZoom) != lo || int(h.MaxZoom) != hi || lo < tc.minZoom || hi > tc.maxZoom {
				t.Errorf("asked z%d–%d: header says z%d–%d, the tiles are z%d–%d", tc.minZoom, tc.maxZoom, h.MinZoom, h.MaxZoom, lo, hi)
			}
			gotBox := [4]float64{float64(h.MinLonE7) / 1e7, float64(h.MinLatE7) / 1e7, float64(h.MaxLonE7) / 1e7, float64(h.MaxLatE7) / 1e7}
			for i := range gotBox {
				if d := gotBox[i] - bbox[i]; d > 1e-6 || d < -1e-6 {
					t.Errorf("header bounds %v, want the town's box %v", gotBox, bbox)
					break
				}
			}

			meta, err := pmtiles.DeserializeMetadata(bytes.NewReader(b[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
			if err != nil {
				t.Fatalf("metadata: %v", err)
			}
			vl, _ := meta["vector_layers"].([]any)
			if len(vl) != len(descriptions) {
				t.Errorf("metadata lists %d vector layers, want %d (%v)", len(vl), len(descriptions), meta["vector_layers"])
			}
			for _, v := range vl {
				l, _ := v.(map[string]any)
				id, _ := l["id"].(string)
				want, ok := descriptions[id]
				if !ok || l["description"] != want {
					t.Errorf("vector layer %q: description %q, want %q", id, l["description"], want)
				}
				if l["minzoom"] != float64(lo) || l["maxzoom"] != float64(hi) {
					t.Errorf("vector layer %s: minzoom %v maxzoom %v, want the tiles' %d and %d", id, l["minzoom"], l["maxzoom"], lo, hi)
				}
			}
			w, _ := meta["window"].(map[string]any)
			wantFrom, wantTo := window.From.Format(coverage.DayLayout), window.To.Format(coverage.DayLayout)
			if w == nil || w["from"] != wantFrom || w["to"] != wantTo {
				t.Errorf("metadata window %v, want from %s to %s", meta["window"], wantFrom, wantTo)
			}
			if w != nil && !equalAny(w["layers"], windowed) {
				t.Errorf("metadata window layers %v, want the windowed layers %v", w["layers"], windowed)
			}
		})
	}
}

func equalAny(got any, want []any) bool {
	g, ok := got.([]any)
	if !ok || len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}
