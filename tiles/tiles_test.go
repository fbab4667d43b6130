package tiles_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// demoNow is "today" for the tests: after the diary ends, as in the demo.
var demoNow = time.Date(2026, 11, 20, 12, 0, 0, 0, coverage.Zone)

func newService(t *testing.T, s *store.Store) *tiles.Service {
	t.Helper()
	svc, err := tiles.New(s, tiles.FromEngine(s), tiles.Options{CacheBytes: 8 << 20, Now: func() time.Time { return demoNow }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// tileAt converts (in the test only) a lon/lat point to the tile holding it.
func tileAt(p orb.Point, z int) geo.TileZXY {
	mt := maptile.At(p, maptile.Zoom(z))
	return geo.TileZXY{Z: uint32(mt.Z), X: mt.X, Y: mt.Y}
}

// fetch asks the service for a tile and decodes it into lon/lat layers.
func fetch(t *testing.T, svc *tiles.Service, scope lianxin.Scope, layers string, tile geo.TileZXY, f tiles.Filter) mvt.Layers {
	t.Helper()
	ls, err := tiles.ParseLayers(layers)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.Tile(context.Background(), scope, tiles.Request{Layers: ls, Tile: tile, Filter: f}, "")
	if err != nil {
		t.Fatalf("tile %s %s: %v", layers, tile, err)
	}
	raw, err := got.Raw()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatalf("tile %s %s: decode %d bytes: %v", layers, tile, len(raw), err)
	}
	dec.ProjectToWGS84(tile.MapTile())
	return dec
}

func layerOf(ls mvt.Layers, name string) *mvt.Layer {
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	return nil
}

func idsOf(t *testing.T, l *mvt.Layer) []int64 {
	t.Helper()
	var ids []int64
	if l == nil {
		return ids
	}
	for _, f := range l.Features {
		id, ok := f.Properties["id"].(float64)
		if !ok {
			t.Fatalf("layer %s: feature without a numeric id: %v", l.Name, f.Properties)
		}
		ids = append(ids, int64(id))
	}
	slices.Sort(ids)
	return ids
}

func queryIDs(t *testing.T, url, sql string, args ...any) []int64 {
	t.Helper()
	ctx := context.Background()
	conn := storetest.Connect(t, url)
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// envelopeSQL is the tile's envelope in 4326, widened by the MVT buffer.
const envelopeSQL = `ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int, margin => 64.0/4096), 4326)`

// Every feature layer: the ids in the tile are exactly the rows that meet the
// tile (with its buffer), the attributes are the registry's, and no personal
// field appears.
func TestFeatureLayersMatchDatabase(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	hh := county.Households[len(county.Households)/2]
	centre := hh.Location
	cases := []struct {
		layer, table, geom string
		z                  int
		polygons           bool
	}{
		{"towns", "towns", "boundary", 11, true},
		{"villages", "villages", "boundary", 12, true},
		{"households", "households", "location", 14, false},
		{"visits", "visits", "location", 13, false},
		{"contact_points", "contact_points", "location", 10, false},
		{"projects", "projects", "geom", 10, false},
		{"river_works", "river_works", "geom", 10, true},
	}
	for _, tc := range cases {
		t.Run(tc.layer, func(t *testing.T) {
			tile := tileAt(centre, tc.z)
			got := layerOf(fetch(t, svc, lianxin.SystemScope(), tc.layer, tile, tiles.Filter{}), tc.layer)
			want := queryIDs(t, url, fmt.Sprintf(`SELECT id FROM %s WHERE ST_Intersects(%s, %s)`,
				pgx.Identifier{tc.table}.Sanitize(), pgx.Identifier{tc.geom}.Sanitize(), envelopeSQL), tile.Z, tile.X, tile.Y)
			if len(want) == 0 {
				t.Fatalf("tile %s holds no %s in the database: pick another tile", tile, tc.layer)
			}
			gotIDs := idsOf(t, got)
			if tc.polygons {
				// A sliver in the buffer may vanish when snapped to the grid;
				// every row meeting the tile itself must be there.
				inner := queryIDs(t, url, fmt.Sprintf(`SELECT id FROM %s WHERE ST_Intersects(%s, ST_Transform(ST_TileEnvelope($1::int, $2::int, $3::int), 4326))`,
					pgx.Identifier{tc.table}.Sanitize(), pgx.Identifier{tc.geom}.Sanitize()), tile.Z, tile.X, tile.Y)
				for _, id := range inner {
					if !slices.Contains(gotIDs, id) {
						t.Errorf("tile %s layer %s: id %d meets the tile in the database, missing from the tile (got %v)", tile, tc.layer, id, gotIDs)
					}
				}
				for _, id := range gotIDs {
					if !slices.Contains(want, id) {
						t.Errorf("tile %s layer %s: id %d in the tile does not meet the buffered tile in the database", tile, tc.layer, id)
					}
				}
			} else if !slices.Equal(gotIDs, want) {
				t.Fatalf("tile %s layer %s: ids %v, want %v", tile, tc.layer, gotIDs, want)
			}
			l, _ := tiles.LookupLayer(tc.layer)
			for _, f := range got.Features {
				for k := range f.Properties {
					if !slices.ContainsFunc(l.Fields, func(fl tiles.Field) bool { return fl.Name == k }) {
						t.Errorf("layer %s: attribute %q is not in the registry's fields", tc.layer, k)
					}
				}
			}
		})
	}
}

// Household points: position and attributes against the generated county,
// and nothing personal.
func TestHouseholdPointsAttributesAndPositions(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	byID := map[int64]*demo.Household{}
	for i := range county.Households {
		byID[county.Households[i].ID] = &county.Households[i]
	}
	tile := tileAt(county.Households[len(county.Households)/3].Location, 14)
	l := layerOf(fetch(t, svc, lianxin.SystemScope(), "households", tile, tiles.Filter{}), "households")
	if l == nil || len(l.Features) == 0 {
		t.Fatalf("tile %s: no household", tile)
	}
	b := tile.Bound()
	unit := (b.Max[0] - b.Min[0]) / tiles.Extent
	for _, f := range l.Features {
		id := int64(f.Properties["id"].(float64))
		h := byID[id]
		if h == nil {
			t.Fatalf("household %d in the tile is not in the county", id)
		}
		p := f.Geometry.(orb.Point)
		if math.Abs(p[0]-h.Location[0]) > unit || math.Abs(p[1]-h.Location[1]) > unit {
			t.Errorf("household %d at %v, want %v (within one tile unit, %g°)", id, p, h.Location, unit)
		}
		if got := int(f.Properties["residents"].(float64)); got != h.Residents {
			t.Errorf("household %d residents %d, want %d", id, got, h.Residents)
		}
		if got, _ := f.Properties["poor"].(bool); got != h.Flags[demo.FlagPoor] {
			t.Errorf("household %d poor %v, want %v", id, got, h.Flags[demo.FlagPoor])
		}
		for _, personal := range []string{"head_name", "name", "phone", "id_number"} {
			if _, ok := f.Properties[personal]; ok {
				t.Fatalf("household %d carries personal field %q", id, personal)
			}
		}
	}
}

// The households layer sits behind one switch.
func TestHouseholdsNeedTheGrant(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	ls, _ := tiles.ParseLayers("households")
	_, _, err := svc.Tile(context.Background(), planner, tiles.Request{Layers: ls, Tile: tileAt(county.Households[0].Location, 14)}, "")
	if lianxin.ErrorCode(err) != lianxin.EForbidden {
		t.Fatalf("planner asks for households: err %v, want forbidden", err)
	}
}

// Clusters below the detail zoom: summed over every tile that covers the
// county, the counts equal the tables, so no household is dropped or
// counted twice.
func TestClustersCountEveryRowOnce(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	bound := orb.MultiPolygon{county.Boundary}.Bound()
	for _, tc := range []struct {
		layer, field, sql string
		z                 int
	}{
		{"households", "households", `SELECT count(*) FROM households`, 10},
		{"visits", "visits", `SELECT count(*) FROM visits WHERE cell IS NOT NULL OR household_id IS NOT NULL`, 10},
	} {
		t.Run(fmt.Sprintf("%s z%d", tc.layer, tc.z), func(t *testing.T) {
			nw, se := tileAt(orb.Point{bound.Min[0], bound.Max[1]}, tc.z), tileAt(orb.Point{bound.Max[0], bound.Min[1]}, tc.z)
			var sum int64
			for x := nw.X; x <= se.X; x++ {
				for y := nw.Y; y <= se.Y; y++ {
					l := layerOf(fetch(t, svc, lianxin.SystemScope(), tc.layer, geo.TileZXY{Z: uint32(tc.z), X: x, Y: y}, tiles.Filter{}), tc.layer)
					if l == nil {
						continue
					}
					for _, f := range l.Features {
						sum += int64(f.Properties[tc.field].(float64))
					}
				}
			}
			want := queryIDs(t, url, tc.sql)[0]
			if sum != want {
				t.Fatalf("%s clusters at z%d over the county sum to %d, want %d", tc.layer, tc.z, sum, want)
			}
		})
	}
}

// Hexagons carry the coverage engine's numbers, cell by cell.
func TestHexagonsMatchCoverageEngine(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	from, to := time.Date(2026, 4, 1, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 7, 1, 0, 0, 0, 0, coverage.Zone)
	tile := tileAt(county.Households[len(county.Households)/2].Location, 10)
	l := layerOf(fetch(t, svc, lianxin.SystemScope(), "h3", tile, tiles.Filter{From: from, To: to}), "h3")
	if l == nil || len(l.Features) == 0 {
		t.Fatalf("tile %s: no hexagon", tile)
	}
	w, _ := coverage.NewWindow(from, to)
	cells, err := s.CellAggregates(context.Background(), lianxin.SystemScope(), tiles.HexResolution(10), w, tiles.HexBound(tile), "")
	if err != nil {
		t.Fatal(err)
	}
	byHex := map[string]coverage.CellAggregate{}
	for _, c := range cells {
		byHex[coverage.H3String(c.Cell)] = c
	}
	for _, f := range l.Features {
		hex := f.Properties["cell"].(string)
		c, ok := byHex[hex]
		if !ok {
			t.Fatalf("hexagon %s is not among the engine's cells", hex)
		}
		for k, want := range map[string]int64{"households": c.Households, "residents": c.Residents, "visits": c.Visits,
			"special_waiting": c.SpecialUnvisited, "open_problems": c.OpenProblems, "visited_residents": c.VisitedResidents} {
			if got := int64(f.Properties[k].(float64)); got != want {
				t.Errorf("hexagon %s %s = %d, want %d", hex, k, got, want)
			}
		}
		if f.Properties["resolution"].(float64) != float64(tiles.HexResolution(10)) {
			t.Errorf("hexagon %s resolution %v, want %d", hex, f.Properties["resolution"], tiles.HexResolution(10))
		}
	}
}

// Villages carry the coverage engine's figures for the window: every
// village drawn in a tile, those crossing its edges too (the service binds
// only the figures of the villages a tile can hold), at several zooms.
func TestVillagesCarryCoverage(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 6, 1, 0, 0, 0, 0, coverage.Zone)
	w, _ := coverage.NewWindow(from, to)
	vs, err := s.VillageCoverage(context.Background(), lianxin.SystemScope(), w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int32]coverage.VillageCoverage{}
	for _, v := range vs {
		byID[v.VillageID] = v
	}
	centre := county.Households[len(county.Households)/2].Location
	for _, z := range []int{10, 11, 13, 15} {
		c := tileAt(centre, z)
		for _, tile := range []geo.TileZXY{c, {Z: c.Z, X: c.X + 1, Y: c.Y}, {Z: c.Z, X: c.X, Y: c.Y + 1}, {Z: c.Z, X: c.X - 1, Y: c.Y - 1}} {
			l := layerOf(fetch(t, svc, lianxin.SystemScope(), "villages", tile, tiles.Filter{From: from, To: to}), "villages")
			if tile == c && (l == nil || len(l.Features) == 0) {
				t.Fatalf("tile %s: no village", tile)
			}
			if l == nil {
				continue
			}
			for _, f := range l.Features {
				v := byID[int32(f.Properties["id"].(float64))]
				checkVillageFigures(t, tile, f.Properties, v)
			}
		}
	}
}

func checkVillageFigures(t *testing.T, tile geo.TileZXY, p geojson.Properties, v coverage.VillageCoverage) {
	t.Helper()
	for _, k := range []string{"visited_residents", "reached", "residents_needed", "special_waiting"} {
		if _, ok := p[k]; !ok {
			t.Errorf("tile %s village %s: no %s (its figures were not bound)", tile, v.VillageCode, k)
			return
		}
	}
	if got := int64(p["visited_residents"].(float64)); got != v.VisitedResidents {
		t.Errorf("tile %s village %s visited_residents %d, want %d", tile, v.VillageCode, got, v.VisitedResidents)
	}
	if got := p["reached"].(bool); got != v.Reached() {
		t.Errorf("tile %s village %s reached %v, want %v", tile, v.VillageCode, got, v.Reached())
	}
	if got, want := int64(p["residents_needed"].(float64)), v.ResidentsNeeded(); got != want {
		t.Errorf("tile %s village %s residents_needed %d, want %d", tile, v.VillageCode, got, want)
	}
	if got, want := int64(p["special_waiting"].(float64)), v.SpecialUnvisited.Total(); got != want {
		t.Errorf("tile %s village %s special_waiting %d, want %d", tile, v.VillageCode, got, want)
	}
	if c := v.Coverage(); c != nil && math.Abs(p["coverage"].(float64)-*c) > 1e-9 {
		t.Errorf("tile %s village %s coverage %v, want %v", tile, v.VillageCode, p["coverage"], *c)
	}
}

// An import of visits changes what the cached tile returns, at once.
func TestImportChangesCachedTile(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	hh := county.Households[len(county.Households)/4]
	tile := tileAt(hh.Location, 13)
	count := func() int {
		l := layerOf(fetch(t, svc, lianxin.SystemScope(), "visits", tile, tiles.Filter{}), "visits")
		if l == nil {
			return 0
		}
		return len(l.Features)
	}
	before := count()
	if again := count(); again != before {
		t.Fatalf("same tile twice: %d then %d features", before, again)
	}
	ctx := context.Background()
	ls, _ := tiles.ParseLayers("visits")
	revalidate := func(etag string) (tiles.Tile, bool) {
		got, notModified, err := svc.Tile(ctx, lianxin.SystemScope(), tiles.Request{Layers: ls, Tile: tile}, etag)
		if err != nil {
			t.Fatalf("tile %s If-None-Match %s: %v", tile, etag, err)
		}
		return got, notModified
	}
	first, _ := revalidate("")
	if _, notModified := revalidate(first.ETag); !notModified {
		t.Fatalf("tile %s unchanged, If-None-Match its ETag %s: a tile, want not modified (304)", tile, first.ETag)
	}
	cell, err := geo.CellIDOf(hh.Location, geo.FineResolution)
	if err != nil {
		t.Fatal(err)
	}
	m := county.Members[0]
	err = s.Load(ctx, func(ctx context.Context, l *store.Loader) error {
		_, err := l.Copy(ctx, "visits", []string{"external_id", "member_id", "household_id", "village_id", "town_id", "occurred_at", "location", "cell", "kind"}, 1,
			func(int) ([]any, error) {
				return []any{"tiles-test-1", m.ID, hh.ID, hh.VillageID, hh.TownID, time.Date(2026, 9, 1, 10, 0, 0, 0, coverage.Zone), hh.Location, cell, "household_visit"}, nil
			})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := count(); after != before+1 {
		t.Fatalf("visits in tile %s after importing one: %d, want %d", tile, after, before+1)
	}
	// The client's copy is stale: its ETag no longer matches.
	got, notModified := revalidate(first.ETag)
	if notModified || got.ETag == first.ETag || len(got.Gzip) == 0 {
		t.Fatalf("tile %s after an import, If-None-Match the old ETag %s: not modified %v, ETag %s, %d bytes; want the new tile with a new ETag",
			tile, first.ETag, notModified, got.ETag, len(got.Gzip))
	}
}

// A tile of the open window (no from) starts at the campaign's first day:
// moving that day changes the cached tile at once, though the service keeps
// the day in memory.
func TestCampaignStartChangesOpenWindowTile(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	ctx := context.Background()
	tile := tileAt(county.Households[len(county.Households)/2].Location, 11)
	visited := func() map[int64]int64 {
		l := layerOf(fetch(t, svc, lianxin.SystemScope(), "villages", tile, tiles.Filter{}), "villages")
		if l == nil || len(l.Features) == 0 {
			t.Fatalf("tile %s: no village", tile)
		}
		out := map[int64]int64{}
		for _, f := range l.Features {
			out[int64(f.Properties["id"].(float64))] = int64(f.Properties["visited_residents"].(float64))
		}
		return out
	}
	before := visited()
	newStart := time.Date(2026, 9, 1, 0, 0, 0, 0, coverage.Zone)
	if err := s.Load(ctx, func(ctx context.Context, l *store.Loader) error {
		return l.Exec(ctx, `UPDATE campaign SET starts_on = $1`, newStart.Format(time.DateOnly))
	}); err != nil {
		t.Fatal(err)
	}
	after := visited()
	w, _ := coverage.NewWindow(newStart, coverage.Day(time.Now()).AddDate(0, 0, 1))
	vs, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var sumBefore, sumAfter int64
	for _, v := range vs {
		got, ok := after[int64(v.VillageID)]
		if !ok {
			continue
		}
		if got != v.VisitedResidents {
			t.Errorf("village %s after the campaign moved to %s: visited_residents %d, want %d", v.VillageCode, newStart.Format(time.DateOnly), got, v.VisitedResidents)
		}
		sumBefore, sumAfter = sumBefore+before[int64(v.VillageID)], sumAfter+got
	}
	if sumAfter >= sumBefore {
		t.Errorf("visited residents in tile %s: %d from the demo's start, %d from %s; want fewer from the later start", tile, sumBefore, sumAfter, newStart.Format(time.DateOnly))
	}
}

func TestBadRequests(t *testing.T) {
	s, _, _ := demotest.New(t)
	svc := newService(t, s)
	ls, _ := tiles.ParseLayers("villages")
	for _, tc := range []struct {
		name string
		tile geo.TileZXY
	}{
		{"zoom too deep", geo.TileZXY{Z: 25}},
		{"x outside", geo.TileZXY{Z: 10, X: 1024}},
		{"y outside", geo.TileZXY{Z: 3, Y: 8}},
		{"below minzoom", geo.TileZXY{Z: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := svc.Tile(context.Background(), lianxin.SystemScope(), tiles.Request{Layers: ls, Tile: tc.tile}, "")
			if lianxin.ErrorCode(err) != lianxin.EInvalid {
				t.Fatalf("tile %s: err %v, want invalid", tc.tile, err)
			}
		})
	}
}
