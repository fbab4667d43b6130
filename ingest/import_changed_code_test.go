package ingest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store"
)

// TestImportChangedAuditByCode: the layers written by an ON CONFLICT upsert
// (villages, teams, river_works here; every one by the store's own test)
// leave the import_changed line households do, naming rows by code, with
// the changed columns before and after; an import that changes nothing
// leaves none.
func TestImportChangedAuditByCode(t *testing.T) {
	ctx, st, svc, conn := auditedCounty(t)
	fixture := func(layer string) string {
		b, err := os.ReadFile(filepath.Join("testdata/good", layer+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	edit := func(layer, old, new string) string {
		s := fixture(layer)
		if strings.Count(s, old) != 1 {
			t.Fatalf("%s.csv: %q is not in it once", layer, old)
		}
		return strings.Replace(s, old, new, 1)
	}
	lines := func(layer string) int64 {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2`, store.ActionImportChanged, layer).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		name, layer, body string
		changed           []string // nil: no line
		before, after     map[string]any
	}{
		{"villages unchanged: no line", "villages", fixture("villages"), nil, nil, nil},
		{"a village's population and petition case", "villages",
			edit("villages", "T01V01,庄家村,T01,村,1200,400,是,否", "T01V01,庄家村,T01,村,1300,400,是,是"),
			[]string{"T01V01"}, map[string]any{"resident_population": 1200.0, "petition_case": false},
			map[string]any{"resident_population": 1300.0, "petition_case": true}},
		{"a team's base moved", "teams", edit("teams", "D01,东岳镇工作队,T01,120.05,32.15", "D01,东岳镇工作队,T01,120.06,32.15"),
			[]string{"D01"}, map[string]any{"lon": 120.05}, map[string]any{"lon": 120.06}},
		{"a river work's day", "river_works", edit("river_works", "已完成,T01,2026-06-30", "已完成,T01,2026-07-01"),
			[]string{"W01"}, map[string]any{"completed_on": "2026-06-30"}, map[string]any{"completed_on": "2026-07-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := lines(tc.layer)
			rec, err := svc.Start(ctx, lianxin.SystemScope(), ingest.Upload{Layer: tc.layer, FileName: tc.layer + ".csv"}, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait()
			done, err := st.Import(ctx, lianxin.SystemScope(), rec.ID)
			if err != nil || done.Status != ingest.StatusSucceeded {
				t.Fatalf("import %s: %+v %v", tc.layer, done, err)
			}
			if got := lines(tc.layer); (got > seen) != (tc.changed != nil) || got > seen+1 {
				t.Fatalf("import %s: import_changed lines %d after %d, want a new one: %v", tc.layer, got, seen, tc.changed != nil)
			}
			if tc.changed == nil {
				return
			}
			var detail []byte
			var rows int64
			if err := conn.QueryRow(ctx, `SELECT detail, rows FROM audit_log WHERE action = $1 AND target = $2 ORDER BY id DESC LIMIT 1`,
				store.ActionImportChanged, tc.layer).Scan(&detail, &rows); err != nil {
				t.Fatal(err)
			}
			var l struct {
				ImportID     int64    `json:"import_id"`
				Changed      []string `json:"changed"`
				ChangedCount int64    `json:"changed_count"`
				Changes      map[string]struct {
					Before map[string]any `json:"before"`
					After  map[string]any `json:"after"`
				} `json:"changes"`
			}
			if err := json.Unmarshal(detail, &l); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.Changed, tc.changed) || l.ChangedCount != int64(len(tc.changed)) || rows != l.ChangedCount || l.ImportID != rec.ID {
				t.Errorf("line %s: changed %v (%d, rows %d), import %d; want %v of import %d", detail, l.Changed, l.ChangedCount, rows, l.ImportID, tc.changed, rec.ID)
			}
			got := l.Changes[tc.changed[0]]
			for i, pair := range [][2]map[string]any{{got.Before, tc.before}, {got.After, tc.after}} {
				side, want := pair[0], pair[1]
				if len(side) != len(want) {
					t.Errorf("%s side %d: %v, want %v (only the changed columns)", tc.changed[0], i, side, want)
				}
				for k, v := range want {
					if side[k] != v {
						t.Errorf("%s side %d: %s = %v, want %v", tc.changed[0], i, k, side[k], v)
					}
				}
			}
		})
	}
}
