package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// TestImportChangedAudit: a households import that updates stored rows
// leaves an import_changed audit line naming them, in order, with each
// one's changed columns before and after; rows it leaves as they were and
// rows it inserts are not named; a dry run leaves no line; past
// store.ImportChangedMax rows the line names the first ones, says how
// many in all and gives no before/after.
func TestImportChangedAudit(t *testing.T) {
	ctx, st, svc, conn := auditedCounty(t)
	const head = "external_id,village_code,residents,poor,lon,lat\n"
	row := func(id string, residents int, poor bool, lon float64) string {
		return fmt.Sprintf("%s,T01V01,%d,%t,%.6f,32.110000\n", id, residents, poor, lon)
	}
	many := func(residents int) string {
		var b strings.Builder
		b.WriteString(head)
		for i := range store.ImportChangedMax + 50 {
			b.WriteString(row(fmt.Sprintf("M%04d", i), residents, false, 120.01+float64(i)*0.00001))
		}
		return b.String()
	}
	type line struct {
		Changed      []string `json:"changed"`
		ChangedCount int64    `json:"changed_count"`
		Truncated    bool     `json:"truncated"`
		Max          int      `json:"max"`
		Changes      map[string]struct {
			Before map[string]any `json:"before"`
			After  map[string]any `json:"after"`
		} `json:"changes"`
	}
	var seen int64 // audit lines of import_changed so far
	for _, tc := range []struct {
		name      string
		body      string
		dryRun    bool
		wantLine  bool
		changed   []string
		count     int64
		truncated bool
		// before/after of one row's changed columns (nil: no changes given)
		changes map[string][2]map[string]any
	}{
		{"inserted rows are not changes", head + row("A1", 2, false, 120.01) + row("A2", 2, false, 120.01) + row("A3", 2, false, 120.01), false, false, nil, 0, false, nil},
		{"a correction names the rows it changed", head + row("A1", 2, false, 120.01) + row("A2", 5, true, 120.01) + row("A3", 2, false, 120.02) + row("A4", 1, false, 120.01),
			false, true, []string{"A2", "A3"}, 2, false, map[string][2]map[string]any{
				"A2": {{"residents": 2.0, "poor": false}, {"residents": 5.0, "poor": true}},
				"A3": {{"lon": 120.01}, {"lon": 120.02}},
			}},
		{"a dry run leaves no line", head + row("A1", 9, false, 120.01), true, false, nil, 0, false, nil},
		{"many rows in: inserts", many(2), false, false, nil, 0, false, nil},
		{"many rows changed: the first ones named", many(3), false, true, nil, int64(store.ImportChangedMax + 50), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := svc.Start(ctx, lianxin.SystemScope(), ingest.Upload{Layer: "households", FileName: "h.csv", DryRun: tc.dryRun}, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait()
			done, err := st.Import(ctx, lianxin.SystemScope(), rec.ID)
			if err != nil || done.Status != ingest.StatusSucceeded {
				t.Fatalf("import: %+v %v", done, err)
			}
			var n int64
			var detail []byte
			var rows *int64
			err = conn.QueryRow(ctx, `SELECT count(*) OVER (), detail, rows FROM audit_log WHERE action = $1 AND target = 'households'
				ORDER BY id DESC LIMIT 1`, store.ActionImportChanged).Scan(&n, &detail, &rows)
			if err != nil && err != pgx.ErrNoRows {
				t.Fatal(err)
			}
			if got := n > seen; got != tc.wantLine {
				t.Fatalf("import_changed lines %d after %d: a new one %v, want %v", n, seen, got, tc.wantLine)
			}
			seen = n
			if !tc.wantLine {
				return
			}
			var l line
			if err := json.Unmarshal(detail, &l); err != nil {
				t.Fatal(err)
			}
			if l.ChangedCount != tc.count || rows == nil || *rows != tc.count || l.Truncated != tc.truncated || l.Max != store.ImportChangedMax {
				t.Errorf("line: %d changed (rows %v), truncated %v, max %d; want %d, %v, %d", l.ChangedCount, rows, l.Truncated, l.Max, tc.count, tc.truncated, store.ImportChangedMax)
			}
			if tc.changed != nil && !slices.Equal(l.Changed, tc.changed) {
				t.Errorf("changed %v, want %v", l.Changed, tc.changed)
			}
			if tc.truncated {
				if len(l.Changed) != store.ImportChangedMax || !slices.IsSorted(l.Changed) || l.Changed[0] != "M0000" || l.Changes != nil {
					t.Errorf("truncated line: %d ids from %v, changes %v; want the first %d in order, no changes", len(l.Changed), l.Changed[:1], l.Changes != nil, store.ImportChangedMax)
				}
			}
			for id, want := range tc.changes {
				got := l.Changes[id]
				for i, side := range []map[string]any{got.Before, got.After} {
					if len(side) != len(want[i]) {
						t.Errorf("%s side %d: %v, want %v (only the changed columns)", id, i, side, want[i])
					}
					for k, v := range want[i] {
						if side[k] != v {
							t.Errorf("%s side %d: %s = %v, want %v", id, i, k, side[k], v)
						}
					}
				}
			}
		})
	}
}

// auditedCounty is a fresh test county with an import service on it and a
// connection (as the tables' owner) to read what the imports audited.
func auditedCounty(t *testing.T) (context.Context, *store.Store, *ingest.Service, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	st, url := storetest.New(t)
	loadCounty(t, st)
	svc := ingest.NewService(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return ctx, st, svc, conn
}
