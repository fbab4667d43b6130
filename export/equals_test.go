package export_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// Property filters take values the field can hold, written as the field
// shows them; anything else is refused naming the field, where it used to
// match nothing and look like an empty layer.
func TestPropertyFilterValues(t *testing.T) {
	st, url, _ := demotest.New(t)
	svc := export.New(st, export.Options{Logger: quiet()})
	ctx := context.Background()
	scope := lianxin.SystemScope()
	sqlCount := func(sql string) int64 {
		n, _ := strconv.ParseInt(dbValues(t, url, `SELECT 'n', (`+sql+`)::text`)["n"], 10, 64)
		return n
	}
	first := dbValues(t, url, `SELECT 'p', resident_population::text FROM villages WHERE id = (SELECT min(id) FROM villages)
		UNION ALL SELECT 'd', established_on::text FROM contact_points WHERE id = (SELECT min(id) FROM contact_points)`)
	population, day := first["p"], first["d"]
	for _, tc := range []struct {
		layer, field, value string
		want                string // SQL counting the matches; empty: refused
	}{
		{"villages", "rural", "true", `SELECT count(*) FROM villages WHERE rural`},
		{"villages", "rural", "false", `SELECT count(*) FROM villages WHERE NOT rural`},
		{"villages", "resident_population", population, `SELECT count(*) FROM villages WHERE resident_population = ` + population},
		{"contact_points", "established_on", day, `SELECT count(*) FROM contact_points WHERE established_on = '` + day + `'`},
		{"village_coverage", "reached", "false", `SELECT count(*) FROM villages`}, // compared below with below=true
		{"villages", "rural", "maybe", ""},
		{"villages", "rural", "1", ""},
		{"villages", "resident_population", "abc", ""},
		{"villages", "resident_population", "0" + population, ""},
		{"contact_points", "established_on", "notadate", ""},
		{"river_works", "length_metres", "long", ""},
		{"visits", "occurred_at", "2026-05-01", ""},
	} {
		t.Run(tc.layer+"/"+tc.field+"="+tc.value, func(t *testing.T) {
			l, err := export.LookupLayer(tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			f := export.Filter{Equals: map[string]string{tc.field: tc.value}}
			got, err := svc.Count(ctx, scope, l, f)
			if tc.want == "" {
				if lianxin.ErrorCode(err) != lianxin.EInvalid || !strings.Contains(lianxin.ErrorMessage(err), tc.field) {
					t.Errorf("%s=%s on %s: %d rows, error %v; want an invalid-parameter error naming %s", tc.field, tc.value, tc.layer, got, err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s=%s on %s: %v", tc.field, tc.value, tc.layer, err)
			}
			want := sqlCount(tc.want)
			if tc.layer == "village_coverage" {
				if want, err = svc.Count(ctx, scope, l, export.Filter{Below: true}); err != nil {
					t.Fatal(err)
				}
			}
			if got != want || got == 0 {
				t.Errorf("%s=%s on %s: %d rows, want %d (and not 0)", tc.field, tc.value, tc.layer, got, want)
			}
		})
	}
}
