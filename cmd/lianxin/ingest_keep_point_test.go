package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin/store/storetest"
)

// TestIngestCorrectionKeepsPoint: `lianxin ingest households` with a file
// of 户编号, 村居代码, 家庭人口 and 贫困户 only corrects the stored household
// and keeps its point and H3 cell; a household not yet stored is refused
// for its missing point, naming its line, and nothing of that file lands.
func TestIngestCorrectionKeepsPoint(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	lx := commandLine(ctx, databaseEnv(url))
	for _, layer := range []string{"towns", "villages"} {
		if out, err := lx("ingest", layer, goodFile(layer+".csv")); err != nil {
			t.Fatalf("ingest %s: %v\n%s", layer, err, out)
		}
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if out, err := lx("ingest", "households", write("register.csv", "户编号,村居代码,家庭人口,经度,纬度\nS0010,T01V01,2,120.021,32.131\n")); err != nil {
		t.Fatalf("ingest the register: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	read := func() (point string, cell int64, residents int, poor bool) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT ST_AsText(location), cell, residents, poor FROM households WHERE external_id = 'S0010'`).
			Scan(&point, &cell, &residents, &poor); err != nil {
			t.Fatal(err)
		}
		return
	}
	point, cell, _, _ := read()

	cases := []struct {
		name, file, body string
		wantErr          []string // in the error and output; none: imported
		residents        int
		poor             bool
	}{
		{"a new household without lon/lat", "new.csv", "户编号,村居代码,家庭人口,贫困户\nS0010,T01V01,4,是\nS0099,T01V01,2,否\n",
			[]string{"new.csv line 3", "S0099"}, 2, false},
		{"the one-field correction", "fix.csv", "户编号,村居代码,家庭人口,贫困户\nS0010,T01V01,4,是\n", nil, 4, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := lx("ingest", "households", write(tc.file, tc.body), "--crs", "gcj02")
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("ingest %s: %v\n%s", tc.file, err, out)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("ingest %s: imported\n%s; want it refused", tc.file, out)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error()+out, w) {
					t.Errorf("ingest %s: %v\n%s\nwant it to name %q", tc.file, err, out, w)
				}
			}
			gotPoint, gotCell, residents, poor := read()
			if gotPoint != point || gotCell != cell || residents != tc.residents || poor != tc.poor {
				t.Errorf("after ingest %s: S0010 at %s cell %d, %d residents, poor %v; want %s cell %d (as stored), %d, %v",
					tc.file, gotPoint, gotCell, residents, poor, point, cell, tc.residents, tc.poor)
			}
		})
	}
}
