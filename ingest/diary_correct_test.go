package ingest_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lianxin"
	"lianxin/ingest"
	"lianxin/store/storetest"
)

// A diary import with Options.Correct replaces the stored entry a row's id
// names — another member, household or time — and audits each entry it
// changed (diary_correct, before and after); without it the row is refused
// as id_taken, worded so that the clerk learns how to correct. A dry run
// changes and audits nothing; another layer refuses the option. The
// fixture's V01 is M01 at H0001, 2026-03-05 14:30.
func TestDiaryImportCorrect(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	dir := t.TempDir()
	const row = "V01,M02,H0002,,2026-03-12 09:00,入户走访,改正户号\n"
	cases := []struct {
		name        string
		layer, body string
		opt         ingest.Options
		want        ingest.Counts
		wantRejects []string // line:field:code
		wantOption  string   // the option code of a refused import
		wantV01     string
		wantAudits  int64 // diary_correct lines of V01 afterwards
	}{
		{name: "without correct the row is refused", layer: "visits", body: visitsHeader + row,
			want: ingest.Counts{Rejected: 1}, wantRejects: []string{"2:member_code:id_taken"},
			wantV01: "M01 H0001 2026-03-05 14:30", wantAudits: 0},
		{name: "a dry run with correct changes nothing", layer: "visits", body: visitsHeader + row, opt: ingest.Options{Correct: true, DryRun: true},
			want: ingest.Counts{Updated: 1}, wantV01: "M01 H0001 2026-03-05 14:30", wantAudits: 0},
		{name: "with correct the entry is replaced", layer: "visits", body: visitsHeader + row, opt: ingest.Options{Correct: true},
			want: ingest.Counts{Updated: 1}, wantV01: "M02 H0002 2026-03-12 09:00", wantAudits: 1},
		{name: "the same file again changes nothing", layer: "visits", body: visitsHeader + row, opt: ingest.Options{Correct: true},
			want: ingest.Counts{Unchanged: 1}, wantV01: "M02 H0002 2026-03-12 09:00", wantAudits: 1},
		{name: "correct on another layer is refused", layer: "households", body: "户编号,村居代码,人口\nH0001,T01V01,3\n", opt: ingest.Options{Correct: true},
			wantOption: ingest.OptCorrectVisits, wantV01: "M02 H0002 2026-03-12 09:00", wantAudits: 1},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("c%d.csv", i))
			writeFile(t, path, tc.body)
			rec, err := importFile(t, st, tc.layer, path, tc.opt)
			if tc.wantOption != "" {
				var le *lianxin.Error
				p, _ := ingest.OptionProblemOf(err)
				if !errors.As(err, &le) || le.Code != lianxin.EInvalid || p.Code != tc.wantOption {
					t.Fatalf("import %s with %+v: %v; want the option refused as %s", tc.layer, tc.opt, err, tc.wantOption)
				}
			} else {
				var got []string
				for _, r := range rec.Rejects {
					got = append(got, fmt.Sprintf("%d:%s:%s", r.Line, r.Field, r.Code))
					if zh := ingest.ReasonZH(r); !strings.Contains(zh, "按编号更正") || !strings.Contains(zh, "--correct") {
						t.Errorf("reject %+v worded %q; want it to say how to correct (按编号更正, --correct)", r, zh)
					}
				}
				if rec.Counts != tc.want || strings.Join(got, ",") != strings.Join(tc.wantRejects, ",") {
					t.Fatalf("import %q with %+v: counts %+v rejects %v (%v); want %+v rejects %v", tc.body, tc.opt, rec.Counts, got, err, tc.want, tc.wantRejects)
				}
			}
			var v01 string
			if err := queryRow(url, `SELECT m.code || ' ' || coalesce(h.external_id, '-') || ' ' ||
  to_char(v.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')
FROM visits v JOIN members m ON m.id = v.member_id LEFT JOIN households h ON h.id = v.household_id
WHERE v.external_id = 'V01'`, &v01); err != nil || v01 != tc.wantV01 {
				t.Fatalf("V01 afterwards = %q (%v); want %q", v01, err, tc.wantV01)
			}
			var audits int64
			var change string
			if err := queryRow(url, `SELECT count(*), coalesce(max(concat_ws(' ', detail->'before'->>'member', detail->'after'->>'member',
  detail->'before'->>'household', detail->'after'->>'household')), '') FROM audit_log WHERE action = 'diary_correct' AND detail->>'entry' = 'V01'`,
				&audits, &change); err != nil || audits != tc.wantAudits || (audits > 0 && change != "M01 M02 H0001 H0002") {
				t.Fatalf("diary_correct audit lines of V01: %d, %q (%v); want %d saying M01 M02 H0001 H0002", audits, change, err, tc.wantAudits)
			}
		})
	}
}
