package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
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

// An export unzipped on disk and imported by its .shp reads the
// longtext.csv beside it as the zip's import does: the long note comes back
// whole, and a side table that does not fit is refused naming it. In a
// folder of several Shapefiles the side table is no one's: the .dbf's cut
// value is what the file says.
func TestUnzippedShapefileLongText(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	scope := lianxin.SystemScope()
	var longID string
	storetest.QueryRow(t, url, `SELECT external_id FROM visits ORDER BY id LIMIT 1`, &longID)
	long := strings.Repeat("群众反映村口路灯坏了已报修。", 24) // 312 characters
	conn := storetest.Connect(t, url)
	setNote := func(t *testing.T, note string) {
		t.Helper()
		if _, err := conn.Exec(ctx, `UPDATE visits SET notes = $1 WHERE external_id = $2`, note, longID); err != nil {
			t.Fatal(err)
		}
	}
	noteNow := func(t *testing.T) string {
		t.Helper()
		var s string
		if err := conn.QueryRow(ctx, `SELECT notes FROM visits WHERE external_id = $1`, longID).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	setNote(t, long)
	zipPath, _ := exportFile(t, svc, export.Request{Layer: "visits", Format: export.Shapefile, CRS: export.WGS84, Encoding: export.UTF8}, t.TempDir())

	// unzipped unpacks the export into a new folder, with edit applied to
	// its files by name, and returns the .shp's path.
	unzipped := func(t *testing.T, edit func(dir string)) string {
		t.Helper()
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		dir, shp := t.TempDir(), ""
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, filepath.Base(f.Name))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(path, ".shp") {
				shp = path
			}
		}
		if shp == "" {
			t.Fatalf("%s holds no .shp", zipPath)
		}
		if edit != nil {
			edit(dir)
		}
		return shp
	}

	t.Run("the long note comes back whole", func(t *testing.T) {
		shp := unzipped(t, nil)
		setNote(t, "changed")
		rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: shp})
		if err != nil {
			t.Fatalf("import of the unzipped .shp: %v (rejects %v)", err, rec.Rejects)
		}
		if rec.Counts.Updated != 1 {
			t.Errorf("import of the unzipped .shp: %+v, want the changed note's row updated", rec.Counts)
		}
		if got := noteNow(t); got != long {
			t.Errorf("visit %s's note after the import: %d characters %.60q…, want the 312 of the export", longID, len([]rune(got)), got)
		}
	})

	t.Run("a side table that does not fit is refused, naming it", func(t *testing.T) {
		shp := unzipped(t, func(dir string) {
			side := "\ufeffexternal_id,field,text\r\n\"" + longID + "\",\"notes\",\"村民反映" + long + "\"\r\n"
			if err := os.WriteFile(filepath.Join(dir, "longtext.csv"), []byte(side), 0o644); err != nil {
				t.Fatal(err)
			}
		})
		setNote(t, "changed")
		_, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: shp})
		ps := ingest.ProblemsOf(err)
		if len(ps) != 1 || ps[0].Code != ingest.FileLongTextMismatch || ps[0].Params["file"] != "longtext.csv" {
			t.Fatalf("import beside an edited longtext.csv: error %v, problems %+v; want one %s naming longtext.csv", err, ps, ingest.FileLongTextMismatch)
		}
		if got := noteNow(t); got != "changed" {
			t.Errorf("a refused import changed the note to %.60q", got)
		}
	})

	t.Run("beside another Shapefile the side table is no one's", func(t *testing.T) {
		shp := unzipped(t, func(dir string) {
			for _, ext := range []string{".shp", ".shx", ".dbf"} {
				b, err := os.ReadFile(strings.TrimSuffix(zipShp(t, dir), ".shp") + ext)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "other"+ext), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
		setNote(t, "changed")
		rec, err := ingest.Run(ctx, st, scope, "test", ingest.Options{Layer: "visits", Path: shp})
		if err != nil {
			t.Fatalf("import of a .shp beside another: %v (rejects %v)", err, rec.Rejects)
		}
		got := noteNow(t)
		if got == long || got == "changed" || !strings.HasPrefix(long, got) {
			t.Errorf("visit %s's note after the import: %.60q (%d characters), want the .dbf's cut start of the note", longID, got, len([]rune(got)))
		}
	})
}

// zipShp returns the path of the one .shp in dir that is not other.shp.
func zipShp(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.shp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m {
		if filepath.Base(p) != "other.shp" {
			return p
		}
	}
	t.Fatalf("no .shp in %s", dir)
	return ""
}
