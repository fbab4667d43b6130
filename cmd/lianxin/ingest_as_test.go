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

// TestIngestAs imports from the command line as a named user: the import
// runs with that user's scope through the server's database role, as their
// upload would, and its record names them. A team leader's rows of another
// town are rejected row by row; a user who may not import, an unknown one
// and a disabled one are refused before anything is read.
func TestIngestAs(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.New(t)
	var getenvAs string
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return url
		case "LIANXIN_INGEST_AS":
			return getenvAs
		}
		return ""
	}
	lx := commandLine(ctx, getenv)
	for _, layer := range []string{"towns", "villages"} {
		if out, err := lx("ingest", layer, goodFile(layer+".csv")); err != nil {
			t.Fatalf("ingest %s as the system: %v\n%s", layer, err, out)
		}
	}
	for _, args := range [][]string{
		{"add", "leader1", "--role", "team_leader", "--town", "T01"},
		{"add", "planner1", "--role", "planner"},
		{"add", "gone", "--role", "admin"},
		{"disable", "gone"},
	} {
		if out, err := lx(append([]string{"user"}, args...)...); err != nil {
			t.Fatalf("user %q: %v\n%s", args, err, out)
		}
	}
	dir := t.TempDir()
	register := filepath.Join(dir, "households.csv")
	if err := os.WriteFile(register, []byte("external_id,village_code,residents,lon,lat\nS0010,T01V01,2,120.021,32.131\nS0011,T02V01,2,120.151,32.161\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const otherTown = "households.csv line 3, field village_code: village T02V01 is in town T02, outside your towns T01"

	cases := []struct {
		name    string
		envAs   string // LIANXIN_INGEST_AS
		args    []string
		wantErr string
		wantOut string
	}{
		{name: "a team leader's file with another town's row is rejected whole",
			args:    []string{"ingest", "--as", "leader1", "households", register},
			wantErr: "1 row rejected, nothing imported", wantOut: otherTown},
		{name: "with skip invalid the leader's own row lands",
			args:    []string{"ingest", "households", register, "--as", "leader1", "--skip-invalid", "--rejects", filepath.Join(dir, "r.csv")},
			wantOut: "households inserted=1 updated=0 unchanged=0 rejected=1"},
		{name: "the user may come from the environment, case as typed",
			envAs: "LEADER1", args: []string{"ingest", "households", register, "--skip-invalid", "--rejects", filepath.Join(dir, "r.csv")},
			wantOut: "households inserted=0 updated=0 unchanged=1 rejected=1"},
		{name: "a role that may not import is refused",
			args:    []string{"ingest", "--as", "planner1", "households", register},
			wantErr: "--as planner1: importing data needs the admin, gis or team_leader role; planner1 holds planner"},
		{name: "an unknown user is refused",
			args:    []string{"ingest", "--as", "nobody", "households", register},
			wantErr: "--as nobody: no such user"},
		{name: "a disabled user is refused",
			args:    []string{"ingest", "--as", "gone", "households", register},
			wantErr: "--as gone: the account is disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			getenvAs = tc.envAs
			out, err := lx(tc.args...)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("run(%q) = %v, want no error; printed %s", tc.args, err, out)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run(%q) = %v, want an error containing %q; printed %s", tc.args, err, tc.wantErr, out)
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Fatalf("run(%q) printed %q, want it to contain %q", tc.args, out, tc.wantOut)
			}
		})
	}

	// The records name the user, and only the leader's own town got a row.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var records []string
	rows, err := conn.Query(ctx, `SELECT layer || ' ' || source || ' ' || started_by || ' ' || status FROM imports ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if records, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	want := []string{"households cli leader1 rejected", "households cli leader1 succeeded", "households cli leader1 succeeded"}
	if got := records[len(records)-min(len(records), 3):]; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("import records = %q, want the last three %q (and none for the refused users)", records, want)
	}
	var households string
	if err := conn.QueryRow(ctx, `SELECT string_agg(external_id, ',' ORDER BY external_id) FROM households`).Scan(&households); err != nil {
		t.Fatal(err)
	}
	if households != "S0010" {
		t.Errorf("households after the leader's imports = %q, want only S0010 (their town's row)", households)
	}
}
