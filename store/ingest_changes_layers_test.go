package store

import (
	"strings"
	"testing"
)

// Every importable layer leaves an import_changed line: the UPDATE layers
// through updateReturningSQL, the others through upsertReturningSQL, which
// needs their upsert to end as upsertTail does. An upsert edited into
// another shape would import silently unaudited (upsertAudited falls back
// to the plain statement), so the shape is held here.
func TestEveryLayerAuditsItsChanges(t *testing.T) {
	for name, spec := range ingestSpecs {
		t.Run(name, func(t *testing.T) {
			if _, ok := changedRowSQL[name]; !ok {
				t.Fatalf("layer %s has no changedRowSQL: its import_changed line cannot give rows before and after", name)
			}
			if spec.update != "" {
				return
			}
			q, ok := upsertReturningSQL(spec.upsert, name)
			if !ok {
				t.Fatalf("layer %s: its upsert does not end with %q", name, upsertTail)
			}
			for _, want := range []string{"t.code)", "JOIN " + name + " o ON o.id = changed.id"} {
				if !strings.Contains(q, want) {
					t.Errorf("layer %s: the audited upsert lacks %q:\n%s", name, want, q)
				}
			}
		})
	}
}
