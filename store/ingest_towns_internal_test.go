package store

import (
	"regexp"
	"strings"
	"testing"

	"lianxin/ingest"
)

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

// The town checks' builders quote the identifiers they are given, name
// the row, field and reason as the reject report shows them, and hand
// over the code and its parameters.
func TestTownCheckSQL(t *testing.T) {
	cases := []struct {
		name string
		got  ingestCheck
		want ingestCheck
	}{
		{"place reference", placeRefCheck("village_code", "villages", "village"), ingestCheck{"outside_your_towns",
			`SELECT s.line, 'village_code', 'village ' || s."village_code" || ' is in town ' || t.code || ', outside your towns ' || ` + yourTownsSQL + `,
  jsonb_build_object('value', s."village_code", 'town', t.code, 'your_towns', ` + yourTownsSQL + `, 'town_zh', t.name || '（' || t.code || '）', 'your_towns_zh', ` + yourTownsZHSQL + `)
FROM _ingest s JOIN "villages" r ON r.code = s."village_code" JOIN towns t ON t.id = r.town_id
WHERE NOT r.town_id = ANY ((SELECT lianxin_towns())::int[])`}},
		{"another town's key", hiddenKeyCheck("external_id", "households", "external_id", "household"), ingestCheck{"duplicate_other_town",
			`SELECT s.line, 'external_id', 'household ' || s."external_id" || ' already exists in another town (' || o.town_code || ')',
  jsonb_build_object('value', s."external_id", 'town', o.town_code, 'town_zh', (SELECT tn.name || '（' || tn.code || '）' FROM towns tn WHERE tn.code = o.town_code))
FROM _ingest s JOIN import_town_owners('households', ARRAY(SELECT DISTINCT k."external_id" FROM _ingest k WHERE k."external_id" IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM "households" r WHERE r."external_id" = k."external_id"))) o ON o.key = s."external_id"`}},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got code %q\n%s\nwant code %q\n%s", tc.name, tc.got.code, tc.got.sql, tc.want.code, tc.want.sql)
		}
	}
}

// Every check the store runs, for every layer and with or without the
// town checks, gives its rejects a code the ingest package knows (and
// words in Chinese and English): a new SQL check cannot leave its rejects
// "other", nor put anything but a plain code into the SQL.
func TestCheckCodesKnown(t *testing.T) {
	plain := regexp.MustCompile(`^[a-z_]+$`)
	for name, spec := range ingestSpecs {
		layer, err := ingest.LookupLayer(name)
		if err != nil {
			t.Fatalf("layer %s: %v", name, err)
		}
		checks := append(layerChecks(layer, spec), townChecks[name]...)
		for i, c := range checks {
			if !ingest.KnownCode(c.code) || !plain.MatchString(c.code) {
				t.Errorf("layer %s check %d gives code %q, want one of ingest.Codes:\n%s", name, i, c.code, c.sql)
			}
			if !strings.HasPrefix(strings.TrimSpace(c.sql), "SELECT ") {
				t.Errorf("layer %s check %d (%s) is not a SELECT:\n%s", name, i, c.code, c.sql)
			}
		}
	}
}
