package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/protomaps/go-pmtiles/pmtiles"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/tiles"
)

// layerAccessRole is one kind of caller, with the answer the policy gives
// it, written out here rather than read from the code under test.
type layerAccessRole struct {
	name  string
	roles []auth.RoleGrant
	// households: the caller may read the layers of households and of the
	// visits to them.
	households bool
}

// householdLayersByPolicy are the layers whose features are households or
// visits to them (one per visit, with household_id and member_id).
var householdLayersByPolicy = []string{"households", "visits"}

// Every path that serves layer data gives each role the same answer for
// each layer: a role without household points is refused (403, or left out
// of a list) households and visits on every path — single and multi-layer
// tiles, TileJSON, every export format, OGC collections and items, and the
// offline PMTiles package, whose decoded tiles and metadata must not hold
// them — while a role with the grant gets them everywhere, the package
// included. The PMTiles case failed before the one rule: the package took
// its layers from a list that refused households alone, and put every visit
// in a planner's or a GIS user's download.
func TestLayerAccessSameOnEveryPath(t *testing.T) {
	st, _, county := demotest.New(t)
	ctx := context.Background()
	towns, err := st.Towns(ctx, lianxin.SystemScope())
	if err != nil || len(towns) == 0 {
		t.Fatalf("towns: %v (%d), want some", err, len(towns))
	}
	town := towns[0]
	var member int32
	for _, m := range county.Members {
		if m.TownID == town.ID {
			member = m.ID
			break
		}
	}
	roles := []layerAccessRole{
		{"planner", []auth.RoleGrant{{Role: lianxin.RolePlanner}}, false},
		{"admin", []auth.RoleGrant{{Role: lianxin.RoleAdmin}}, false},
		{"gis", []auth.RoleGrant{{Role: lianxin.RoleGIS}}, false},
		{"gis+household_points", []auth.RoleGrant{{Role: lianxin.RoleGIS}, {Role: auth.GrantHouseholdPoints}}, true},
		{"planner+household_points", []auth.RoleGrant{{Role: lianxin.RolePlanner}, {Role: auth.GrantHouseholdPoints}}, true},
		{"team_leader", []auth.RoleGrant{{Role: lianxin.RoleTeamLeader, TownID: town.ID}}, true},
		{"member", []auth.RoleGrant{{Role: lianxin.RoleMember, TownID: town.ID, MemberID: member}}, false},
	}

	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	exp := export.New(st, export.Options{Logger: quietLogger()})
	// A z14 tile on one of the town's households: detail rows of every
	// point layer.
	var at maptile.Tile
	for _, h := range county.Households {
		if h.TownID == town.ID {
			at = maptile.At(h.Location, 14)
			break
		}
	}
	zxy := fmt.Sprintf("%d/%d/%d", at.Z, at.X, at.Y)

	type layerKind struct{ tile, export bool }
	layers := map[string]*layerKind{}
	var names []string
	for _, l := range tiles.Layers() {
		layers[l.Name] = &layerKind{tile: true}
		names = append(names, l.Name)
	}
	for _, l := range export.Layers() {
		if layers[l.Name] == nil {
			layers[l.Name] = &layerKind{}
			names = append(names, l.Name)
		}
		layers[l.Name].export = true
	}
	for _, name := range householdLayersByPolicy {
		if k := layers[name]; k == nil || !k.tile || !k.export {
			t.Fatalf("layer %s: want it among both the tile and the export layers, got %+v", name, k)
		}
	}

	for _, r := range roles {
		scope := auth.User{Username: "access-" + r.name, Roles: r.roles}.Scope()
		if scope.HouseholdPoints != r.households {
			t.Fatalf("role %s: scope has HouseholdPoints %v, the test's policy says %v", r.name, scope.HouseholdPoints, r.households)
		}
		srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
			Tiles: tileSrv, Reports: st, Export: exp})
		get := func(path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			return rec
		}
		t.Run(r.name, func(t *testing.T) {
			var collections struct {
				Collections []struct {
					ID string `json:"id"`
				} `json:"collections"`
			}
			rec := get("/ogc/collections")
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &collections) != nil {
				t.Fatalf("GET /ogc/collections as %s = %d %.200s, want 200 JSON", r.name, rec.Code, rec.Body)
			}
			for _, name := range names {
				kind := layers[name]
				refused := slices.Contains(householdLayersByPolicy, name) && !r.households
				want := http.StatusOK
				if refused {
					want = http.StatusForbidden
				}
				var paths []string
				if kind.tile {
					other := "towns"
					if name == other {
						other = "villages"
					}
					paths = append(paths,
						"/tiles/"+name+"/"+zxy+".mvt",
						"/tiles/"+other+","+name+"/"+zxy+".mvt",
						"/tiles/"+name+","+other+"/"+zxy+".mvt",
						"/tiles/"+name+".json")
				}
				if kind.export {
					l, err := export.LookupLayer(name)
					if err != nil {
						t.Fatal(err)
					}
					townFilter := ""
					if l.Kind == export.Stored {
						townFilter = "&town=" + town.Code
					}
					formats := []string{"csv"}
					if refused {
						// Refused before any row is read: every format is
						// cheap to ask.
						formats = []string{"geojson", "csv", "gpkg", "shp", "kml", "fgb"}
						paths = append(paths, "/ogc/collections/"+name+"/items/1")
					}
					for _, f := range formats {
						paths = append(paths, "/api/v1/export/"+name+"?format="+f+townFilter)
					}
					paths = append(paths, "/ogc/collections/"+name, "/ogc/collections/"+name+"/items?limit=2")
					listed := slices.ContainsFunc(collections.Collections, func(c struct {
						ID string `json:"id"`
					}) bool {
						return c.ID == name
					})
					if listed == refused {
						t.Errorf("GET /ogc/collections as %s lists %s: %v, want %v", r.name, name, listed, !refused)
					}
				}
				for _, p := range paths {
					if rec := get(p); rec.Code != want {
						t.Errorf("GET %s as %s = %d %.200s, want %d", p, r.name, rec.Code, rec.Body, want)
					}
				}
			}

			// The offline package: the layers in its metadata and its tiles.
			path := "/api/v1/export/pmtiles?town=" + town.Code + "&minzoom=13&maxzoom=14"
			rec = get(path)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s as %s = %d %.200s, want 200", path, r.name, rec.Code, rec.Body)
			}
			meta, features := decodePMTiles(t, rec.Body.Bytes())
			for _, name := range names {
				if !layers[name].tile {
					continue
				}
				household := slices.Contains(householdLayersByPolicy, name)
				refused := household && !r.households
				if _, ok := meta[name]; ok == refused {
					t.Errorf("GET %s as %s: metadata vector_layers has %s: %v, want %v", path, r.name, name, ok, !refused)
				}
				if refused && features[name] > 0 {
					t.Errorf("GET %s as %s: the tiles hold %d features of layer %s, want none (the role lacks household points)", path, r.name, features[name], name)
				}
				if household && !refused && features[name] == 0 {
					t.Errorf("GET %s as %s: the tiles hold no feature of layer %s, want the town's (the role has household access)", path, r.name, name)
				}
			}
		})
	}
}

// decodePMTiles reads a PMTiles v3 archive: the ids of its metadata's
// vector_layers, and the number of features per layer over all its tiles.
func decodePMTiles(t *testing.T, b []byte) (meta map[string]bool, features map[string]int) {
	t.Helper()
	if len(b) < pmtiles.HeaderV3LenBytes {
		t.Fatalf("pmtiles: %d bytes, shorter than a header", len(b))
	}
	h, err := pmtiles.DeserializeHeader(b[:pmtiles.HeaderV3LenBytes])
	if err != nil {
		t.Fatalf("pmtiles header: %v", err)
	}
	md, err := pmtiles.DeserializeMetadata(bytes.NewReader(b[h.MetadataOffset:h.MetadataOffset+h.MetadataLength]), h.InternalCompression)
	if err != nil {
		t.Fatalf("pmtiles metadata: %v", err)
	}
	meta = map[string]bool{}
	vl, _ := md["vector_layers"].([]any)
	for _, v := range vl {
		if m, ok := v.(map[string]any); ok {
			id, _ := m["id"].(string)
			meta[id] = true
		}
	}
	features = map[string]int{}
	var walk func(dir []byte, depth int)
	walk = func(dir []byte, depth int) {
		if depth > 3 {
			t.Fatal("pmtiles: directories nested deeper than 3")
		}
		for _, e := range pmtiles.DeserializeEntries(bytes.NewBuffer(dir), h.InternalCompression) {
			if e.RunLength == 0 { // a leaf directory
				off := h.LeafDirectoryOffset + e.Offset
				walk(b[off:off+uint64(e.Length)], depth+1)
				continue
			}
			off := h.TileDataOffset + e.Offset
			zr, err := gzip.NewReader(bytes.NewReader(b[off : off+uint64(e.Length)]))
			if err != nil {
				t.Fatalf("pmtiles tile %d: not gzipped: %v", e.TileID, err)
			}
			raw, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("pmtiles tile %d: %v", e.TileID, err)
			}
			ls, err := mvt.Unmarshal(raw)
			if err != nil {
				z, x, y := pmtiles.IDToZxy(e.TileID)
				t.Fatalf("pmtiles tile %d/%d/%d does not decode: %v", z, x, y, err)
			}
			for _, l := range ls {
				features[l.Name] += len(l.Features) * int(e.RunLength)
			}
		}
	}
	walk(b[h.RootOffset:h.RootOffset+h.RootLength], 0)
	if len(features) == 0 {
		t.Fatalf("pmtiles: no feature in any tile (header %+v)", h)
	}
	return meta, features
}
