package tiles_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// rowSQL gives, for the rows $1 (ids), each row's attributes as a tile
// should carry them (NULLs left out, as a tile leaves them) and the lon/lat
// box of its geometry, written from the registry's field descriptions, not
// from the tile SQL. The default window runs from the campaign's first day
// to the end of today (UTC+8); the demo's diary lies within it.
var rowSQL = map[string]string{
	"towns": `SELECT id, jsonb_build_object('id', id, 'code', code, 'name', name, 'kind', kind),
  ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary) FROM towns WHERE id = ANY ($1)`,
	// The villages' coverage figures are the engine's (TestVillagesCarryCoverage).
	"villages": `SELECT id, jsonb_build_object('id', id, 'code', code, 'name', name, 'town_id', town_id, 'kind', kind,
    'resident_population', resident_population, 'registered_households', registered_households, 'rural', rural,
    'petition_case', petition_case),
  ST_XMin(boundary), ST_YMin(boundary), ST_XMax(boundary), ST_YMax(boundary) FROM villages WHERE id = ANY ($1)`,
	"contact_points": `SELECT c.id, jsonb_build_object('id', c.id, 'code', c.code, 'member_id', c.member_id, 'member_role', m.role,
    'village_id', c.village_id, 'town_id', c.town_id, 'established_on', c.established_on::text, 'cards_issued', c.cards_issued),
  ST_X(c.location), ST_Y(c.location), ST_X(c.location), ST_Y(c.location)
  FROM contact_points c JOIN members m ON m.id = c.member_id WHERE c.id = ANY ($1)`,
	"visits": `SELECT id, jsonb_strip_nulls(jsonb_build_object('id', id, 'kind', kind,
    'occurred_on', (occurred_at AT TIME ZONE 'Asia/Shanghai')::date::text, 'member_id', member_id, 'household_id', household_id,
    'village_id', village_id, 'town_id', town_id, 'participants', participants,
    'problems_collected', problems_collected, 'problems_resolved', problems_resolved)),
  ST_X(location), ST_Y(location), ST_X(location), ST_Y(location) FROM visits WHERE id = ANY ($1)`,
	"projects": `SELECT id, jsonb_strip_nulls(jsonb_build_object('id', id, 'code', code, 'name', name, 'kind', kind, 'status', status,
    'town_id', town_id, 'village_id', village_id, 'investment_yuan', investment_yuan, 'dispute', dispute)),
  ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM projects WHERE id = ANY ($1)`,
	"river_works": `SELECT id, jsonb_strip_nulls(jsonb_build_object('id', id, 'code', code, 'name', name, 'kind', kind, 'status', status,
    'town_id', town_id, 'length_metres', ST_Length(geom::geography), 'completed_on', completed_on::text)),
  ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM river_works WHERE id = ANY ($1)`,
	"households": `SELECT h.id, jsonb_strip_nulls(jsonb_build_object('id', h.id, 'village_id', h.village_id, 'town_id', h.town_id,
    'residents', h.residents, 'visits', count(v.id), 'last_visit', max((v.occurred_at AT TIME ZONE 'Asia/Shanghai')::date)::text,
    'poor', h.poor, 'seriously_ill', h.seriously_ill, 'disabled', h.disabled, 'empty_nest', h.empty_nest,
    'left_behind_children', h.left_behind_children, 'community_correction', h.community_correction,
    'petition_case', h.petition_case)),
  ST_X(h.location), ST_Y(h.location), ST_X(h.location), ST_Y(h.location)
  FROM households h LEFT JOIN visits v ON v.household_id = h.id
   AND v.occurred_at >= (SELECT starts_on FROM campaign)::timestamp AT TIME ZONE 'Asia/Shanghai'
  WHERE h.id = ANY ($1) GROUP BY h.id`,
}

// Every attribute of every feature equals its row in the database, and
// every feature lies where its row's geometry does (within one tile unit
// of a point; inside a line's or outline's box, widened by one unit).
func TestFeatureValuesMatchDatabase(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	ctx := context.Background()
	conn := storetest.Connect(t, url)
	centre := county.Households[len(county.Households)/2].Location
	for _, tc := range []struct {
		layer string
		z     int
		// more: the tile carries attributes besides those rowSQL gives.
		more bool
	}{
		{"towns", 10, false}, {"villages", 12, true}, {"contact_points", 10, false}, {"visits", 13, false},
		{"projects", 10, false}, {"river_works", 10, false}, {"households", 14, false},
	} {
		t.Run(tc.layer, func(t *testing.T) {
			tile := tileAt(centre, tc.z)
			l := layerOf(fetch(t, svc, lianxin.SystemScope(), tc.layer, tile, tiles.Filter{}), tc.layer)
			ids := idsOf(t, l)
			if len(ids) == 0 {
				t.Fatalf("tile %s: no %s", tile, tc.layer)
			}
			type row struct {
				attrs map[string]any
				box   orb.Bound
			}
			rows := map[int64]row{}
			res, err := conn.Query(ctx, rowSQL[tc.layer], ids)
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			var js []byte
			var r row
			if _, err := pgx.ForEachRow(res, []any{&id, &js, &r.box.Min[0], &r.box.Min[1], &r.box.Max[0], &r.box.Max[1]}, func() error {
				r.attrs = nil
				if err := json.Unmarshal(js, &r.attrs); err != nil {
					return err
				}
				rows[id] = r
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			tb := tile.Bound()
			unit := (tb.Max[0] - tb.Min[0]) / tiles.Extent
			for _, f := range l.Features {
				id := int64(f.Properties["id"].(float64))
				want, ok := rows[id]
				if !ok {
					t.Fatalf("tile %s layer %s: id %d not in the database", tile, tc.layer, id)
				}
				if got := fmt.Sprint(f.Properties); !tc.more && len(f.Properties) != len(want.attrs) {
					t.Errorf("tile %s %s %d: attributes %s, want %v", tile, tc.layer, id, got, want.attrs)
				}
				for k, w := range want.attrs {
					g := f.Properties[k]
					gf, gok := g.(float64)
					wf, wok := w.(float64)
					if gok && wok && math.Abs(gf-wf) <= 1e-6*math.Max(1, math.Abs(wf)) {
						continue
					}
					if g != w {
						t.Errorf("tile %s %s %d: %s = %v (%T), want %v (%T)", tile, tc.layer, id, k, g, g, w, w)
					}
				}
				got := f.Geometry.Bound()
				box := want.box.Pad(unit)
				if !box.Contains(got.Min) || !box.Contains(got.Max) {
					t.Errorf("tile %s %s %d: drawn over %v, want within %v (its geometry's box)", tile, tc.layer, id, got, want.box)
				}
			}
		})
	}
}

// Below the detail zoom, each cluster of households is one H3 cell at the
// zoom's resolution, drawn inside that cell, with the count and residents
// of the households whose point lies in it.
func TestHouseholdClustersMatchDatabase(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	ctx := context.Background()
	conn := storetest.Connect(t, url)
	rows, err := conn.Query(ctx, `SELECT cell, residents FROM households`)
	if err != nil {
		t.Fatal(err)
	}
	type sums struct{ households, residents int64 }
	var pointCells []int64
	var residents []int64
	var cell, r int64
	if _, err := pgx.ForEachRow(rows, []any{&cell, &r}, func() error {
		pointCells, residents = append(pointCells, cell), append(residents, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	centre := county.Households[len(county.Households)/2].Location
	for _, z := range []int{8, 10, 12} {
		t.Run(fmt.Sprintf("z%d", z), func(t *testing.T) {
			res := tiles.HexResolution(z)
			want := map[int64]sums{}
			for i, pc := range pointCells {
				p, err := geo.ParentCell(pc, res)
				if err != nil {
					t.Fatal(err)
				}
				w := want[p]
				w.households++
				w.residents += residents[i]
				want[p] = w
			}
			tile := tileAt(centre, z)
			l := layerOf(fetch(t, svc, lianxin.SystemScope(), tiles.Households, tile, tiles.Filter{}), tiles.Households)
			if l == nil || len(l.Features) == 0 {
				t.Fatalf("tile %s: no cluster", tile)
			}
			for _, f := range l.Features {
				hex, _ := f.Properties["cell"].(string)
				id, err := strconv.ParseInt(hex, 16, 64)
				if err != nil {
					t.Fatalf("tile %s: cluster cell %q: %v", tile, hex, err)
				}
				if got, err := geo.ParentCell(id, res); err != nil || got != id {
					t.Errorf("tile %s: cluster cell %s is not at resolution %d", tile, hex, res)
				}
				w := want[id]
				if got := int64(f.Properties["households"].(float64)); got != w.households {
					t.Errorf("tile %s cluster %s: households %d, want %d", tile, hex, got, w.households)
				}
				if got := int64(f.Properties["residents"].(float64)); got != w.residents {
					t.Errorf("tile %s cluster %s: residents %d, want %d", tile, hex, got, w.residents)
				}
				outline, err := geo.CellBoundary(id)
				if err != nil {
					t.Fatal(err)
				}
				if p := f.Geometry.(orb.Point); !planar.PolygonContains(outline, p) {
					t.Errorf("tile %s cluster %s: drawn at %v, outside its cell", tile, hex, p)
				}
			}
		})
	}
}

// Hexagons as a role without household access sees them are the coverage
// engine's published cells (resolution 8 at most, counts the privacy rules
// hide left out), and every published cell whose centre lies in the tile is
// drawn: none is dropped.
func TestPublishedHexagonsMatchEngine(t *testing.T) {
	s, _, county := demotest.New(t)
	svc := newService(t, s)
	planner := lianxin.Scope{User: "p", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	from, to := time.Date(2026, 4, 1, 0, 0, 0, 0, coverage.Zone), time.Date(2026, 7, 1, 0, 0, 0, 0, coverage.Zone)
	w, _ := coverage.NewWindow(from, to)
	for _, z := range []int{9, 10, 13} {
		t.Run(fmt.Sprintf("z%d", z), func(t *testing.T) {
			tile := tileAt(county.Households[len(county.Households)/2].Location, z)
			res := min(tiles.HexResolution(z), coverage.MaxPublishedResolution)
			cells, _, err := coverage.PublishCells(context.Background(), s, planner, res, w, tiles.HexBound(tile), "")
			if err != nil {
				t.Fatal(err)
			}
			got := hexagonsOf(t, fetch(t, svc, planner, tiles.H3, tile, tiles.Filter{From: from, To: to}))
			if len(got) == 0 {
				t.Fatalf("tile %s: no hexagon", tile)
			}
			byHex := map[string]coverage.CellAggregate{}
			for _, c := range cells {
				byHex[coverage.H3String(c.Cell)] = c
				centre, err := tiles.CellCentre(c.Cell)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := got[coverage.H3String(c.Cell)]; !ok && tiles.InTile(tile, centre) {
					t.Errorf("tile %s: published cell %s (centre in the tile) is not drawn", tile, coverage.H3String(c.Cell))
				}
			}
			for hex, h := range got {
				c, ok := byHex[hex]
				if !ok {
					t.Errorf("tile %s: hexagon %s is not among the published cells", tile, hex)
					continue
				}
				want := map[string]any{"resolution": float64(res), "households": float64(c.Households), "residents": float64(c.Residents),
					"visited_households": float64(c.VisitedHouseholds), "visited_residents": float64(c.VisitedResidents),
					"visits": float64(c.Visits), "open_problems": float64(c.OpenProblems)}
				if !c.SpecialUnvisitedHidden {
					want["special_waiting"] = float64(c.SpecialUnvisited)
				}
				if c.Residents > 0 {
					want["visited_share"] = float64(c.VisitedResidents) / float64(c.Residents)
				}
				for k, v := range want {
					if h.props[k] != v {
						t.Errorf("tile %s hexagon %s: %s = %v, want %v", tile, hex, k, h.props[k], v)
					}
				}
				if _, shown := h.props["special_waiting"]; shown && c.SpecialUnvisitedHidden {
					t.Errorf("tile %s hexagon %s: special_waiting %v shown, want it left out (hidden)", tile, hex, h.props["special_waiting"])
				}
			}
		})
	}
}
