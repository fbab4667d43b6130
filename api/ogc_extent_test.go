package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
)

type ogcExtent struct {
	Spatial *struct {
		BBox [][]float64 `json:"bbox"`
		CRS  string      `json:"crs"`
	} `json:"spatial"`
	Temporal *struct {
		Interval [][]*string `json:"interval"`
	} `json:"temporal"`
}

// Each collection carries its extent from the rows the caller may see: the
// box of its geometries in CRS84, and for layers with time the first and
// last instant; a one-town user gets that town's box. GDAL's OAPIF driver
// reads the box.
func TestOGCCollectionExtents(t *testing.T) {
	st, url, _ := demotest.New(t)
	ctx := context.Background()
	towns, err := st.Towns(ctx, lianxin.SystemScope())
	if err != nil || len(towns) < 2 {
		t.Fatalf("towns: %v (%d)", err, len(towns))
	}
	oneTown := lianxin.Scope{User: "gis-one-town", Roles: []lianxin.Role{lianxin.RoleGIS}, Towns: []int32{towns[1].ID}, HouseholdPoints: true}
	servers := map[string]*httptest.Server{}
	for name, scope := range map[string]lianxin.Scope{"system": lianxin.SystemScope(), "one town": oneTown} {
		srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
			Export: export.New(st, export.Options{Logger: quietLogger()})})
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		servers[name] = ts
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// want computes the extent straight from the tables.
	want := func(t *testing.T, sql string) (box [4]float64, from, to *time.Time) {
		t.Helper()
		if err := conn.QueryRow(ctx, sql).Scan(&box[0], &box[1], &box[2], &box[3], &from, &to); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return box, from, to
	}
	extentSQL := func(table, geom, at string, town int32) string {
		where := "true"
		if town != 0 {
			where = fmt.Sprintf("town_id = %d", town)
		}
		return fmt.Sprintf(`SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1 FROM (
			SELECT ST_Extent(%s) e, min(%s) t0, max(%s) t1 FROM %s WHERE %s) x`, geom, at, at, table, where)
	}
	getCollection := func(t *testing.T, ts *httptest.Server, id string) (ext *ogcExtent) {
		t.Helper()
		res, err := http.Get(ts.URL + "/ogc/collections/" + id)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		var col struct {
			Extent *ogcExtent `json:"extent"`
		}
		if res.StatusCode != http.StatusOK || json.Unmarshal(body, &col) != nil {
			t.Fatalf("GET /ogc/collections/%s = %d %s", id, res.StatusCode, body)
		}
		return col.Extent
	}
	for _, tc := range []struct {
		name, server, collection, sql string
		temporal                      bool
	}{
		{"visits, whole county", "system", "visits", extentSQL("visits", "location", "occurred_at", 0), true},
		{"visits, one town", "one town", "visits", extentSQL("visits", "location", "occurred_at", towns[1].ID), true},
		{"villages, one town", "one town", "villages", extentSQL("villages", "boundary", "NULL::timestamptz", towns[1].ID), false},
		{"households, whole county", "system", "households", extentSQL("households", "location", "NULL::timestamptz", 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			box, from, to := want(t, tc.sql)
			ext := getCollection(t, servers[tc.server], tc.collection)
			if ext == nil || ext.Spatial == nil || len(ext.Spatial.BBox) != 1 || len(ext.Spatial.BBox[0]) != 4 {
				t.Fatalf("%s: extent %+v, want a spatial bbox", tc.collection, ext)
			}
			for i, v := range ext.Spatial.BBox[0] {
				if math.Abs(v-box[i]) > 1e-9 {
					t.Errorf("%s bbox[%d] = %v, want %v (bbox %v)", tc.collection, i, v, box[i], box)
				}
			}
			if ext.Spatial.CRS != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
				t.Errorf("%s spatial crs %q, want CRS84", tc.collection, ext.Spatial.CRS)
			}
			if !tc.temporal {
				if ext.Temporal != nil {
					t.Errorf("%s has a temporal extent %+v, want none (the layer has no time)", tc.collection, ext.Temporal)
				}
				return
			}
			if ext.Temporal == nil || len(ext.Temporal.Interval) != 1 || len(ext.Temporal.Interval[0]) != 2 ||
				ext.Temporal.Interval[0][0] == nil || ext.Temporal.Interval[0][1] == nil {
				t.Fatalf("%s temporal %+v, want one closed interval", tc.collection, ext.Temporal)
			}
			for i, w := range []*time.Time{from, to} {
				if got := *ext.Temporal.Interval[0][i]; got != w.UTC().Format(time.RFC3339) {
					t.Errorf("%s interval[%d] = %s, want %s", tc.collection, i, got, w.UTC().Format(time.RFC3339))
				}
			}
		})
	}

	// /collections gives the same extents, and a layer without geometry none.
	res, err := http.Get(servers["one town"].URL + "/ogc/collections")
	if err != nil {
		t.Fatal(err)
	}
	var all struct {
		Collections []struct {
			ID     string     `json:"id"`
			Extent *ogcExtent `json:"extent"`
		} `json:"collections"`
	}
	err = json.NewDecoder(res.Body).Decode(&all)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	visitsBox, _, _ := want(t, extentSQL("visits", "location", "occurred_at", towns[1].ID))
	for _, c := range all.Collections {
		switch c.ID {
		case "members":
			if c.Extent != nil && c.Extent.Spatial != nil {
				t.Errorf("members (no geometry) has a spatial extent %+v", c.Extent.Spatial)
			}
		case "visits":
			if c.Extent == nil || c.Extent.Spatial == nil || math.Abs(c.Extent.Spatial.BBox[0][0]-visitsBox[0]) > 1e-9 {
				t.Errorf("/collections visits extent %+v, want bbox %v", c.Extent, visitsBox)
			}
		case "village_coverage":
			if c.Extent == nil || c.Extent.Spatial == nil {
				t.Errorf("/collections village_coverage has no spatial extent")
			}
		}
	}

	// A write moves the extent at once: the cache is keyed by the data version.
	before := getCollection(t, servers["system"], "households").Spatial.BBox[0]
	if _, err := conn.Exec(ctx, `UPDATE households SET location = ST_SetSRID(ST_MakePoint($1, $2), 4326)
		WHERE id = (SELECT min(id) FROM households)`, before[2]+0.25, before[3]); err != nil {
		t.Fatalf("move a household east: %v", err)
	}
	if after := getCollection(t, servers["system"], "households").Spatial.BBox[0]; math.Abs(after[2]-(before[2]+0.25)) > 1e-9 {
		t.Errorf("households bbox after moving one %.2f° east of the box: %v, want max lon %v (before %v)", 0.25, after, before[2]+0.25, before)
	}

	// GDAL's OAPIF driver reads the box as the layer's extent.
	box, _, _ := want(t, extentSQL("visits", "location", "occurred_at", 0))
	out, err := exec.Command("ogrinfo", "-ro", "-so", "OAPIF:"+servers["system"].URL+"/ogc", "visits").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo OAPIF visits: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Extent: \(([-0-9.]+), ([-0-9.]+)\) - \(([-0-9.]+), ([-0-9.]+)\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo -so OAPIF visits shows no extent:\n%s", out)
	}
	for i := range 4 {
		v, _ := strconv.ParseFloat(string(m[i+1]), 64)
		if math.Abs(v-box[i]) > 1e-5 {
			t.Errorf("ogrinfo extent[%d] = %v, want %v\n%s", i, v, box[i], out)
		}
	}
}
