package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// A diary note longer than a .dbf field's 254 bytes is cut in the
// shapefile and whole in longtext.csv (longtext.go); the import restores
// it from there, so a shapefile export imports back unchanged, and an
// import of the zip writes the whole note, never its cut start. A value
// exactly at the limit is whole in the .dbf and not in the side table.
func TestShapefileLongTextRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	scope := lianxin.SystemScope()
	var longID, limitID string
	storetest.QueryRow(t, url, `SELECT (SELECT external_id FROM visits ORDER BY id LIMIT 1), external_id FROM visits ORDER BY id OFFSET 1 LIMIT 1`, &longID, &limitID)
	long := strings.Repeat("群众反映村口路灯坏了已报修。", 24) // 312 characters, 936 bytes in UTF-8, 624 in GBK
	conn := storetest.Connect(t, url)
	setNote := func(t *testing.T, id, note string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `UPDATE visits SET notes = $1 WHERE external_id = $2`, note, id); err != nil {
			t.Fatal(err)
		}
	}
	note := func(t *testing.T, id string) string {
		t.Helper()
		var s string
		if err := conn.QueryRow(ctx, `SELECT notes FROM visits WHERE external_id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name     string
		encoding export.Encoding
		atLimit  string // exactly the 254 bytes a .dbf field holds, in this encoding
	}{
		{"UTF-8", export.UTF8, strings.Repeat("路", 84) + "ab"},
		{"GBK", export.GBK, strings.Repeat("路", 127)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setNote(t, longID, long)
			setNote(t, limitID, tc.atLimit)
			req := export.Request{Layer: "visits", Format: export.Shapefile, CRS: export.WGS84, Encoding: tc.encoding}
			path, rows := exportFile(t, svc, req, t.TempDir())
			side := zipEntry(t, path, "longtext.csv")
			if !strings.Contains(side, long) || strings.Contains(side, tc.atLimit) || strings.Count(side, "\r\n") != 2 {
				t.Fatalf("%s export: longtext.csv = %.300q, want the header and the 312-character note alone (not the value at the limit)", tc.name, side)
			}
			rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: path, DryRun: true})
			if err != nil {
				t.Fatalf("dry-run import of the %s export: %v (rejects %v)", tc.name, err, rec.Rejects)
			}
			if want := (ingest.Counts{Unchanged: rows}); rec.Counts != want {
				t.Errorf("dry-run import of the %s export: %+v, want all %d rows unchanged (rejects %v)", tc.name, rec.Counts, rows, rec.Rejects)
			}
			// Changed since the export: the import writes the file's whole
			// values back, the long one from longtext.csv.
			setNote(t, longID, "changed")
			setNote(t, limitID, "changed")
			rec, err = ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: path})
			if err != nil {
				t.Fatalf("import of the %s export: %v (rejects %v)", tc.name, err, rec.Rejects)
			}
			if want := (ingest.Counts{Unchanged: rows - 2, Updated: 2}); rec.Counts != want {
				t.Errorf("import of the %s export: %+v, want the two changed rows updated, %d unchanged", tc.name, rec.Counts, rows-2)
			}
			if got := note(t, longID); got != long {
				t.Errorf("import of the %s export: visit %s's note is %d characters %.60q…, want the 312 of the export", tc.name, longID, len([]rune(got)), got)
			}
			if got := note(t, limitID); got != tc.atLimit {
				t.Errorf("import of the %s export: visit %s's note %q, want the value at the limit %q", tc.name, limitID, got, tc.atLimit)
			}
		})
	}
}

// A longtext.csv that does not fit its shapefile is refused as a whole,
// naming the side table, the line and the field, and nothing lands.
func TestShapefileLongTextRefused(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	scope := lianxin.SystemScope()
	var longID, otherID string
	storetest.QueryRow(t, url, `SELECT (SELECT external_id FROM visits ORDER BY id LIMIT 1), external_id FROM visits ORDER BY id OFFSET 1 LIMIT 1`, &longID, &otherID)
	long := strings.Repeat("群众反映村口路灯坏了已报修。", 24)
	conn := storetest.Connect(t, url)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE visits SET notes = $1 WHERE external_id = $2`, long, longID)
	path, _ := exportFile(t, svc, export.Request{Layer: "visits", Format: export.Shapefile, CRS: export.WGS84}, t.TempDir())
	const header = "\ufeffexternal_id,field,text\r\n"
	line := func(key, field, text string) string { return `"` + key + `","` + field + `","` + text + "\"\r\n" }
	for _, tc := range []struct {
		name, side string
		code       string
		words      []string // in the message
	}{
		{"keyed by another field", "\ufeffcode,field,text\r\n" + line(longID, "notes", long), ingest.FileLongTextHeader,
			[]string{"longtext.csv line 1", `"code,field,text"`, "external_id,field,text"}},
		{"two cells", header + `"` + longID + `","notes"` + "\r\n", ingest.FileLongTextRow,
			[]string{"longtext.csv line 2", "three"}},
		{"a key no feature has", header + line(longID, "notes", long) + line("NO-SUCH-ENTRY", "notes", long), ingest.FileLongTextUnmatched,
			[]string{"longtext.csv line 3", "NO-SUCH-ENTRY"}},
		{"a field the shapefile lacks", header + line(longID, "colour", long), ingest.FileLongTextField,
			[]string{"longtext.csv line 2", "field colour"}},
		{"the .dbf's value edited", header + line(longID, "notes", "村民反映"+long), ingest.FileLongTextMismatch,
			[]string{"longtext.csv line 2", "notes of external_id " + longID, "not the start"}},
		{"the same value twice", header + line(longID, "notes", long) + line(longID, "notes", long), ingest.FileLongTextTwice,
			[]string{"longtext.csv line 3", "first on line 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := withZipEntry(t, path, "longtext.csv", tc.side)
			// Changed since the export, so a half-landed import would show.
			exec(`UPDATE visits SET notes = 'changed' WHERE external_id IN ($1, $2)`, longID, otherID)
			rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: edited})
			var le *lianxin.Error
			if !errors.As(err, &le) || le.Code != lianxin.EInvalid {
				t.Fatalf("import with %s: error %v (counts %+v), want invalid", tc.name, err, rec.Counts)
			}
			ps := ingest.ProblemsOf(err)
			if len(ps) != 1 || ps[0].Code != tc.code || ps[0].Params["file"] != "longtext.csv" {
				t.Errorf("import with %s: problems %+v, want one %s naming longtext.csv", tc.name, ps, tc.code)
			}
			for _, w := range tc.words {
				if !strings.Contains(le.Message, w) {
					t.Errorf("import with %s: message %q, want it to hold %q", tc.name, le.Message, w)
				}
			}
			if zh := ingest.MessageZH("v.zip", ps); !strings.Contains(zh, "longtext.csv") || !strings.Contains(zh, "行") {
				t.Errorf("import with %s: Chinese %q, want longtext.csv and its line", tc.name, zh)
			}
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM visits WHERE notes = 'changed' AND external_id IN ($1, $2)`, longID, otherID).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("import with %s: %d of the two changed notes left, want both: nothing lands", tc.name, n)
			}
		})
	}
}

// zipEntry reads one file of the zip at path.
func zipEntry(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s holds no %s", path, name)
	return ""
}

// withZipEntry writes a copy of the zip at path with name's content
// replaced, and returns the copy's path.
func withZipEntry(t *testing.T, path, name, content string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			io.WriteString(w, content)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/visits.zip"
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
