package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The side table's fields, matched to a visits shapefile's columns: a
// field the import reads is restored; one the import does not read but the
// .dbf has (by its name or its 10-character cut) is left alone; one the
// .dbf lacks is refused.
func TestLongTextFields(t *testing.T) {
	layer, err := LookupLayer("visits")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("路灯坏了", 80)
	columns := []string{"external_i", "member_cod", "notes", "village_na"}
	for _, tc := range []struct {
		name, field string
		restored    bool   // notes becomes the whole text
		refused     string // the refusal's code, if any
	}{
		{"a field the import reads", "notes", true, ""},
		{"a field the import ignores, by the .dbf's cut name", "village_name", false, ""},
		{"a field the .dbf lacks", "colour", false, FileLongTextField},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), longTextName)
			body := "\ufeffexternal_id,field,text\r\n\"V1\",\"" + tc.field + "\",\"" + long + "\"\r\n"
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			lt, err := readLongTexts(path, layer, "visits.zip")
			if err != nil {
				t.Fatalf("read %s: %v", tc.field, err)
			}
			err = lt.bind(columns)
			if tc.refused != "" {
				ps := ProblemsOf(err)
				if len(ps) != 1 || ps[0].Code != tc.refused || !strings.Contains(err.Error(), "longtext.csv line 2: field "+tc.field) {
					t.Fatalf("bind %s: %v (problems %+v), want %s naming line 2 and the field", tc.field, err, ps, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatalf("bind %s: %v", tc.field, err)
			}
			r := &raw{vals: make([]string, len(layer.Fields))}
			key, _ := layer.matchField("external_id")
			notes, _ := layer.matchField("notes")
			r.vals[key], r.vals[notes] = "V1", long[:252]
			if err := lt.restore(r, 1, true); err != nil {
				t.Fatalf("restore %s: %v", tc.field, err)
			}
			if got := r.vals[notes] == long; got != tc.restored {
				t.Errorf("restore %s: notes whole = %v, want %v", tc.field, got, tc.restored)
			}
			if err := lt.unmatched(); err != nil {
				t.Errorf("every key was read, yet: %v", err)
			}
		})
	}
}
