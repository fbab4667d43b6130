package ingest_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// TestTemplatesRoundTrip writes every layer's template in one language and
// imports it as it is: its example row is a # note, so the file holds no
// rows and is refused as such (no_rows), never a change to the row its
// example names. Then the template with its example filled in as data (a
// clerk's first row) is imported, then the same layer's template in the
// other language: the second finds its row unchanged, so both templates
// carry the same example under their own headers, and it is a valid row.
// The Chinese template heads every column in Chinese and explains each in
// a Chinese # line; the English one as before.
func TestTemplatesRoundTrip(t *testing.T) {
	cases := []struct{ first, second string }{
		{ingest.LangEN, ingest.LangZH},
		{ingest.LangZH, ingest.LangEN},
	}
	for _, tc := range cases {
		t.Run(tc.first+"-then-"+tc.second, func(t *testing.T) {
			st, _ := storetest.New(t)
			dir := t.TempDir()
			for _, layer := range ingest.LayerNames() {
				for i, lang := range []string{tc.first, tc.second} {
					var b bytes.Buffer
					if err := ingest.WriteTemplate(&b, layer, lang); err != nil {
						t.Fatalf("template of %s in %s: %v", layer, lang, err)
					}
					checkTemplateWording(t, layer, lang, b.String())
					path := filepath.Join(dir, layer+"-"+lang+".csv")
					if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					_, err := importFile(t, st, layer, path, ingest.Options{Lang: lang})
					if ps := ingest.ProblemsOf(err); len(ps) != 1 || ps[0].Code != ingest.FileNoRows {
						t.Errorf("import the %s template of %s as it is: %v; want it refused as holding no rows", lang, layer, err)
					}
					filled := filepath.Join(dir, layer+"-"+lang+"-filled.csv")
					if err := os.WriteFile(filled, []byte(fillExample(t, b.String())), 0o644); err != nil {
						t.Fatal(err)
					}
					rec, err := importFile(t, st, layer, filled, ingest.Options{Lang: lang})
					if layer == "visits" {
						// The diary's example names a member, a household and
						// a time no test county holds together: its form is
						// checked by the diary's own template tests.
						continue
					}
					if err != nil {
						t.Fatalf("import the %s template of %s with its example filled in: %v", lang, layer, err)
					}
					want := [4]int64{1, 0, 0, 0} // inserted, updated, unchanged, rejected
					if i == 1 {
						want = [4]int64{0, 0, 1, 0}
					}
					if got := [4]int64{rec.Inserted, rec.Updated, rec.Unchanged, rec.Rejected}; got != want {
						t.Errorf("import the %s template of %s after the %s one: inserted, updated, unchanged, rejected = %v, want %v",
							lang, layer, tc.first, got, want)
					}
				}
			}
		})
	}
}

// fillExample turns a template's example note into the first data row, as
// a clerk copying it would.
func fillExample(t *testing.T, body string) string {
	t.Helper()
	lines := strings.Split(body, "\n")
	for i, line := range lines {
		for _, lead := range []string{"): ", "）："} {
			if strings.HasPrefix(line, "# ") && i == 1 {
				if _, row, ok := strings.Cut(line, lead); ok {
					lines[i] = row
					return strings.Join(lines, "\n")
				}
			}
		}
	}
	t.Fatalf("template has no example note on its second line:\n%s", body)
	return ""
}

// checkTemplateWording checks a template's language: in Chinese every
// header and every # line holds Chinese and none holds the English docs;
// in English the canonical names. Every column has its # line.
func checkTemplateWording(t *testing.T, layer, lang, body string) {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Errorf("%s template of %s starts %q, want a UTF-8 BOM", lang, layer, body[:min(8, len(body))])
	}
	header, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).Read()
	if err != nil {
		t.Fatalf("%s template of %s: header: %v", lang, layer, err)
	}
	l, err := ingest.LookupLayer(layer)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range header {
		if lang == ingest.LangZH && !hasHan(col) {
			t.Errorf("Chinese template of %s: column %q is not in Chinese", layer, col)
		}
		if lang == ingest.LangEN && hasHan(col) {
			t.Errorf("English template of %s: column %q is not the canonical name", layer, col)
		}
		if !strings.Contains(body, "\n# "+col) && !strings.Contains(body, ", "+col) && !strings.Contains(body, "、"+col) {
			t.Errorf("%s template of %s: column %s has no # line explaining it", lang, layer, col)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		if lang == ingest.LangZH {
			if !hasHan(line) {
				t.Errorf("Chinese template of %s: line %q holds no Chinese", layer, line)
			}
			for _, f := range l.Fields {
				if strings.Contains(line, f.Doc) {
					t.Errorf("Chinese template of %s: line %q holds the English doc of %s", layer, line, f.Name)
				}
			}
			if strings.Contains(line, l.Title) || strings.Contains(line, "ignored on import") {
				t.Errorf("Chinese template of %s: line %q is English", layer, line)
			}
		}
	}
}
