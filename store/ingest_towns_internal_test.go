package store

import "testing"

// Every layer an import can write has town checks, so a town-scoped
// importer's rows of other towns are rejected row by row, not by
// row-level security's refusal of the whole file.
func TestEveryLayerHasTownChecks(t *testing.T) {
	for layer := range ingestSpecs {
		if len(townChecks[layer]) == 0 {
			t.Errorf("layer %s: no town checks, want at least one", layer)
		}
	}
	for layer := range townChecks {
		if _, ok := ingestSpecs[layer]; !ok {
			t.Errorf("town checks for %s, which no import writes", layer)
		}
	}
}

// The town checks' SQL builders quote the identifiers they are given and
// name the row, field and reason as the reject report shows them.
func TestTownCheckSQL(t *testing.T) {
	cases := []struct{ name, got, want string }{
		{"place reference", placeRefCheckSQL("village_code", "villages", "village"),
			`SELECT s.line, 'village_code', 'village ' || s."village_code" || ' is in town ' || t.code || ', outside your towns ' || ` + yourTownsSQL + `
FROM _ingest s JOIN "villages" r ON r.code = s."village_code" JOIN towns t ON t.id = r.town_id
WHERE NOT r.town_id = ANY ((SELECT lianxin_towns())::int[])`},
		{"another town's key", hiddenKeyCheckSQL("external_id", "households", "external_id", "household"),
			`SELECT s.line, 'external_id', 'household ' || s."external_id" || ' already exists in another town (' || o.town_code || ')'
FROM _ingest s JOIN import_town_owners('households', ARRAY(SELECT DISTINCT k."external_id" FROM _ingest k WHERE k."external_id" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "households" r WHERE r."external_id" = k."external_id"))) o ON o.key = s."external_id"`},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, tc.got, tc.want)
		}
	}
}
