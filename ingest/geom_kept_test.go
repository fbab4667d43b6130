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
	"lianxin/geo"
	"lianxin/ingest"
)

// A register correction without lon/lat (README, "Columns left out keep
// what is stored") lands for households the store holds: their point and
// H3 cell stay as stored, whatever the file's coordinate system, and the
// point checks judge the stored point (a move to a village the point is
// not in is refused as outside_village). A household not yet stored has no
// point to keep and is refused, geometry_missing naming its line, and a
// file holding one lands nothing.
func TestHouseholdCorrectionWithoutPoint(t *testing.T) {
	st, url, _ := demotest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// A household well inside its village, not poor, and a neighbouring
	// village of the same town.
	var hh, v, w string
	var residents int
	if err := conn.QueryRow(ctx, `
		SELECT h.external_id, v.code, w.code, h.residents
		FROM households h JOIN villages v ON v.id = h.village_id
		JOIN villages w ON w.town_id = v.town_id AND w.id <> v.id AND ST_Intersects(w.boundary, v.boundary)
		WHERE NOT h.poor AND ST_Distance(h.location::geography, ST_Boundary(v.boundary)::geography) > 300
		ORDER BY h.external_id, w.code LIMIT 1`).Scan(&hh, &v, &w, &residents); err != nil {
		t.Fatalf("a household with a neighbouring village: %v", err)
	}
	type stored struct {
		village, point string
		residents      int
		poor           bool
		cell           int64
	}
	read := func(id string) (stored, bool) {
		var s stored
		err := conn.QueryRow(ctx, `SELECT v.code, ST_AsText(h.location), h.residents, h.poor, h.cell
			FROM households h JOIN villages v ON v.id = h.village_id WHERE h.external_id = $1`, id).
			Scan(&s.village, &s.point, &s.residents, &s.poor, &s.cell)
		if err == pgx.ErrNoRows {
			return s, false
		}
		if err != nil {
			t.Fatal(err)
		}
		return s, true
	}
	before, _ := read(hh)
	checksum := func() string {
		var sum string
		if err := conn.QueryRow(ctx, `SELECT count(*) || ':' || md5(string_agg(h.external_id || '|' || h.village_id || '|' ||
		  h.residents || '|' || h.poor || '|' || ST_AsText(h.location) || '|' || h.cell, ',' ORDER BY h.id)) FROM households h`).Scan(&sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}

	const header = "户编号,村居代码,家庭人口,贫困户\n"
	fix := fmt.Sprintf("%s,%s,%d,是\n", hh, v, residents+3)
	cases := []struct {
		name       string
		rows       string
		crs        geo.CRS
		wantStatus string
		wantCounts ingest.Counts
		wantCode   string // the one reject's code, on wantLine
		wantLine   int64
		wantField  string
	}{
		{name: "new household without lon/lat", rows: fmt.Sprintf("NOPOINT1,%s,2,否\n", v),
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantCode: ingest.CodeGeometryMissing, wantLine: 2, wantField: "geometry"},
		{name: "the correction beside a new household: nothing lands", rows: fix + fmt.Sprintf("NOPOINT2,%s,2,否\n", v),
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantCode: ingest.CodeGeometryMissing, wantLine: 3, wantField: "geometry"},
		{name: "a move to a village its stored point is not in", rows: fmt.Sprintf("%s,%s,%d,是\n", hh, w, residents+3),
			wantStatus: ingest.StatusRejected, wantCounts: ingest.Counts{Rejected: 1},
			wantCode: ingest.CodeOutsideVillage, wantLine: 2, wantField: "village_code"},
		{name: "the one-field correction, GCJ-02 asked", rows: fix, crs: geo.CRSGCJ02,
			wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Updated: 1}},
		{name: "the same again: unchanged", rows: fix,
			wantStatus: ingest.StatusSucceeded, wantCounts: ingest.Counts{Unchanged: 1}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), fmt.Sprintf("fix%d.csv", i))
			if err := os.WriteFile(path, []byte(header+tc.rows), 0o600); err != nil {
				t.Fatal(err)
			}
			sum := checksum()
			rec, err := ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "households", Path: path, CRS: tc.crs})
			if err != nil && tc.wantStatus == ingest.StatusSucceeded {
				t.Fatalf("import of\n%s%s: %v; want it imported", header, tc.rows, err)
			}
			if rec.Status != tc.wantStatus || rec.Counts != tc.wantCounts {
				t.Errorf("import of\n%s%s: status %q counts %+v (%s); want %q %+v", header, tc.rows, rec.Status, rec.Counts, rec.Message,
					tc.wantStatus, tc.wantCounts)
			}
			if tc.wantCode == "" {
				return
			}
			if len(rec.Rejects) != 1 || rec.Rejects[0].Code != tc.wantCode || rec.Rejects[0].Line != tc.wantLine || rec.Rejects[0].Field != tc.wantField {
				t.Errorf("import of\n%s%s: rejects %+v; want one %s on line %d, field %s", header, tc.rows, rec.Rejects, tc.wantCode, tc.wantLine, tc.wantField)
			}
			if after := checksum(); after != sum {
				t.Errorf("import of\n%s%s was refused but households changed", header, tc.rows)
			}
		})
	}
	after, _ := read(hh)
	want := before
	want.residents, want.poor = residents+3, true
	if after != want {
		t.Errorf("household %s after the correction without lon/lat: %+v; want %+v (its point and cell as stored)", hh, after, want)
	}
	for _, id := range []string{"NOPOINT1", "NOPOINT2"} {
		if _, ok := read(id); ok {
			t.Errorf("household %s without a point was stored", id)
		}
	}
	// A file with lon/lat columns still needs them filled on every row.
	path := filepath.Join(t.TempDir(), "blank.csv")
	if err := os.WriteFile(path, []byte("户编号,村居代码,家庭人口,经度,纬度\n"+fmt.Sprintf("%s,%s,%d,,\n", hh, v, residents)), 0o600); err != nil {
		t.Fatal(err)
	}
	rec, _ := ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "households", Path: path})
	if len(rec.Rejects) != 1 || rec.Rejects[0].Code != ingest.CodeGeometryMissing {
		t.Errorf("a household row with empty lon/lat cells: %+v; want geometry_missing", rec.Rejects)
	}
	// Other layers keep needing their geometry columns.
	path = filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(path, []byte("联系点代码,队员代码,村居代码,建立日期\nCPX,M0001,"+v+",2026-03-05\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Run(ctx, st, lianxin.SystemScope(), "test", ingest.Options{Layer: "contact_points", Path: path}); !hasProblem(err, ingest.FileMissingGeometry) {
		t.Errorf("a contact points file without lon/lat: %v; want missing_geometry", err)
	}
}

func hasProblem(err error, code string) bool {
	for _, p := range ingest.ProblemsOf(err) {
		if p.Code == code {
			return true
		}
	}
	return false
}
