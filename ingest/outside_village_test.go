package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/ingest"
)

// A household's point must lie in its village, within 200 m of its edge
// (README, "Importing your data"). The reviewer's move (a register row
// giving a household the neighbouring village while its point stays in its
// own) is refused with outside_village naming the village the point lies
// in; a point 100 m outside its village's edge is taken, one 300 m out is
// refused; and a file with one such row lands nothing, its good rows
// included.
func TestHouseholdOutsideVillage(t *testing.T) {
	st, url, _ := demotest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// A household well inside its village v (over 300 m from the border),
	// and a village w of the same town bordering v.
	var hh, v, w string
	var lon, lat float64
	if err := conn.QueryRow(ctx, `
		SELECT h.external_id, v.code, w.code, ST_X(h.location), ST_Y(h.location)
		FROM households h JOIN villages v ON v.id = h.village_id
		JOIN villages w ON w.town_id = v.town_id AND w.id <> v.id AND ST_Intersects(w.boundary, v.boundary)
		WHERE ST_Contains(v.boundary, h.location)
		  AND ST_Distance(h.location::geography, ST_Boundary(v.boundary)::geography) > 300
		  AND ST_Area(ST_Intersection(w.boundary, ST_Buffer(v.boundary::geography, 301)::geometry)::geography) > 1e4
		ORDER BY h.external_id, w.code LIMIT 1`).Scan(&hh, &v, &w, &lon, &lat); err != nil {
		t.Fatalf("a household inside its village with a neighbour: %v", err)
	}
	// outside returns a point in w between lo and hi metres outside v.
	outside := func(lo, hi float64) (float64, float64, float64) {
		t.Helper()
		var x, y, m float64
		if err := conn.QueryRow(ctx, `
			SELECT ST_X(p), ST_Y(p), ST_Distance(v.boundary::geography, p::geography)
			FROM villages v JOIN villages w ON w.code = $2,
			     LATERAL (SELECT (ST_Dump(ST_GeneratePoints(ST_Intersection(w.boundary,
			        ST_Difference(ST_Buffer(v.boundary::geography, $4)::geometry, ST_Buffer(v.boundary::geography, $3)::geometry)), 1, 7))).geom) g(p)
			WHERE v.code = $1`, v, w, lo, hi).Scan(&x, &y, &m); err != nil {
			t.Fatalf("a point %g–%g m outside village %s in %s: %v", lo, hi, v, w, err)
		}
		return x, y, m
	}
	x100, y100, m100 := outside(99.5, 100.5)
	x300, y300, m300 := outside(299.5, 300.5)
	if m100 < 95 || m100 > 105 || m300 < 295 || m300 > 305 {
		t.Fatalf("points outside village %s at %.1f m and %.1f m; want about 100 and 300", v, m100, m300)
	}
	const header = "户编号,村居代码,人口,贫困户,经度,纬度\n"
	moveRow := fmt.Sprintf("%s,%s,10,是,%.7f,%.7f\n", hh, w, lon, lat)
	households := func() string {
		var sum string
		if err := conn.QueryRow(ctx, `SELECT count(*) || ':' || md5(string_agg(h.external_id || '|' || h.village_id || '|' ||
		  h.residents || '|' || ST_AsText(h.location), ',' ORDER BY h.id)) FROM households h`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}

	cases := []struct {
		name, rows  string
		wantStatus  string
		wantCounts  ingest.Counts
		wantLine    int64  // the refused row's line, if any
		wantValue   string // its outside_village parameters
		wantLiesIn  string
		wantLanded  bool // the file's rows are in the database afterwards
		checkExists string
	}{
		{name: "the reviewer's move to the neighbouring village", rows: moveRow,
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantLine: 2, wantValue: w, wantLiesIn: v},
		{name: "100 m outside its village's edge", rows: fmt.Sprintf("OV100,%s,2,否,%.7f,%.7f\n", v, x100, y100),
			wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Inserted: 1}, wantLanded: true, checkExists: "OV100"},
		{name: "300 m outside its village's edge", rows: fmt.Sprintf("OV300,%s,2,否,%.7f,%.7f\n", v, x300, y300),
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantLine: 2, wantValue: v, wantLiesIn: w, checkExists: "OV300"},
		{name: "a good row beside the move: the whole file refused",
			rows:       fmt.Sprintf("OVGOOD,%s,3,否,%.7f,%.7f\n", v, lon, lat) + moveRow,
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantLine: 3, wantValue: w, wantLiesIn: v, checkExists: "OVGOOD"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), fmt.Sprintf("move%d.csv", i))
			if err := os.WriteFile(path, []byte(header+tc.rows), 0o600); err != nil {
				t.Fatal(err)
			}
			before := households()
			rec, err := ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "households", Path: path})
			if err != nil && tc.wantStatus == ingest.StatusSucceeded {
				t.Fatalf("import of\n%s: %v; want it imported", tc.rows, err)
			}
			if rec.Status != tc.wantStatus || rec.Counts != tc.wantCounts {
				t.Errorf("import of\n%s: status %q counts %+v (%s); want %q %+v", tc.rows, rec.Status, rec.Counts, rec.Message, tc.wantStatus, tc.wantCounts)
			}
			if tc.wantLine != 0 {
				if len(rec.Rejects) != 1 {
					t.Fatalf("import of\n%s: rejects %+v; want one outside_village on line %d", tc.rows, rec.Rejects, tc.wantLine)
				}
				r := rec.Rejects[0]
				if r.Code != ingest.CodeOutsideVillage || r.Line != tc.wantLine || r.Field != "village_code" ||
					r.Params["value"] != tc.wantValue || r.Params["lies_in"] != tc.wantLiesIn {
					t.Errorf("import of\n%s: reject %+v; want %s on line %d, field village_code, value %s, lies_in %s",
						tc.rows, r, ingest.CodeOutsideVillage, tc.wantLine, tc.wantValue, tc.wantLiesIn)
				}
				if after := households(); after != before {
					t.Errorf("import of\n%s was refused but households changed: %s → %s; want nothing landed", tc.rows, before, after)
				}
			}
			if tc.checkExists != "" {
				var n int
				if err := conn.QueryRow(ctx, `SELECT count(*) FROM households WHERE external_id = $1`, tc.checkExists).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if landed := n == 1; landed != tc.wantLanded {
					t.Errorf("after importing\n%s: household %s stored %v; want %v", tc.rows, tc.checkExists, landed, tc.wantLanded)
				}
			}
		})
	}
	var still string
	if err := conn.QueryRow(ctx, `SELECT v.code FROM households h JOIN villages v ON v.id = h.village_id WHERE h.external_id = $1`, hh).Scan(&still); err != nil || still != v {
		t.Errorf("household %s after the refused moves: village %q (%v); want %s, where its point lies", hh, still, err, v)
	}
}
