package export_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// Every layer the import takes imports again, from its CSV and its GeoJSON
// export, as it is: every row unchanged, none rejected. The visits carry
// the household's number (its external id) and the diary's notes.
func TestExportReimportsUnchanged(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	dir := t.TempDir()
	scope := lianxin.SystemScope()
	importable := map[string]bool{}
	for _, l := range export.Layers() {
		if l.Importable {
			importable[l.Name] = true
		}
	}
	for _, name := range ingest.LayerNames() {
		if !importable[name] {
			t.Errorf("the import takes layer %s, the export does not mark it importable", name)
		}
		for _, f := range []export.Format{export.CSV, export.GeoJSON} {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				path, rows := exportFile(t, svc, export.Request{Layer: name, Format: f, CRS: export.WGS84}, dir)
				if rows == 0 {
					t.Fatalf("export %s: no rows", name)
				}
				rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: name, Path: path})
				if err != nil {
					t.Fatalf("import of export %s as %s: %v (rejects %v)", name, f, err, rec.Rejects)
				}
				want := ingest.Counts{Unchanged: rows}
				if rec.Counts != want {
					t.Errorf("import of export %s as %s: %+v, want every one of %d rows unchanged (rejects %v)", name, f, rec.Counts, rows, rec.Rejects)
				}
			})
		}
	}

	// The visits CSV names households by their number and keeps notes.
	path, _ := exportFile(t, svc, export.Request{Layer: "visits", Format: export.CSV, CRS: export.WGS84}, t.TempDir())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\r\n", 3)
	wantHeader := "\ufeff" + `"external_id","member_code","household_id","village_code","project_code","occurred_at","kind","participants","notes","problems_collected","problems_resolved","petition_resolved","dispute_resolved","wkt"`
	if lines[0] != wantHeader {
		t.Errorf("visits CSV header:\n%s\nwant\n%s", lines[0], wantHeader)
	}
	var hh string
	storetest.QueryRow(t, url, `SELECT h.external_id FROM visits v JOIN households h ON h.id = v.household_id
		WHERE v.external_id = (SELECT external_id FROM visits WHERE household_id IS NOT NULL ORDER BY id LIMIT 1)`, &hh)
	if !strings.Contains(string(b), fmt.Sprintf(`,"%s",`, hh)) {
		t.Errorf("visits CSV: no household number %s in it", hh)
	}
}
