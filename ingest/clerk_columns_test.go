package ingest_test

import (
	"path/filepath"
	"testing"

	"lianxin/ingest"
	"lianxin/store/storetest"
)

// A column absent from a file leaves the stored value alone (README,
// "Importing your data"): the clerk's week-2 diary without 情况记录 or
// 参与人数, a register without 贫困户 or 电话, a contact point sheet
// without 联系卡数 erase nothing, and a row whose carried columns agree
// with the stored row counts as unchanged. The good county's V01 has notes
// 了解生产生活情况, 2 participants, 1 problem and a place; H0001 is poor,
// headed by 张建国 with phone 13800000001; CP01 handed out 25 cards.
func TestAbsentColumnKeepsStoredValue(t *testing.T) {
	st, url := storetest.New(t)
	loadCounty(t, st)
	cases := []struct {
		name, layer, file string
		want              ingest.Counts
		query, wantRow    string
	}{
		{name: "diary without notes, counts or place", layer: "visits", file: "visits-fewer-columns.csv",
			want:    ingest.Counts{Unchanged: 1},
			query:   `SELECT notes || ' ' || participants || ' ' || problems_collected || ' ' || (location IS NOT NULL) || ' ' || coalesce(village_id::text, '-') FROM visits WHERE external_id = 'V01'`,
			wantRow: "了解生产生活情况 2 1 true 1"},
		{name: "register without flags or personal columns", layer: "households", file: "households-fewer-columns.csv",
			want:    ingest.Counts{Unchanged: 1},
			query:   `SELECT h.poor || ' ' || p.head_name || ' ' || p.phone FROM households h JOIN household_personal p ON p.household_id = h.id WHERE h.external_id = 'H0001'`,
			wantRow: "true 张建国 13800000001"},
		{name: "register with 户主 but not 电话", layer: "households", file: "households-head-only.csv",
			want:    ingest.Counts{Unchanged: 1},
			query:   `SELECT h.poor || ' ' || p.head_name || ' ' || p.phone FROM households h JOIN household_personal p ON p.household_id = h.id WHERE h.external_id = 'H0001'`,
			wantRow: "true 张建国 13800000001"},
		{name: "contact points without 联系卡数", layer: "contact_points", file: "contact-points-fewer-columns.csv",
			want:    ingest.Counts{Unchanged: 1},
			query:   `SELECT cards_issued::text FROM contact_points WHERE code = 'CP01'`,
			wantRow: "25"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := importFile(t, st, tc.layer, filepath.Join("testdata/clerk", tc.file), ingest.Options{})
			if err != nil {
				t.Fatalf("import %s: %v", tc.file, err)
			}
			if rec.Counts != tc.want {
				t.Errorf("import %s: counts %+v; want %+v", tc.file, rec.Counts, tc.want)
			}
			var got string
			if err := queryRow(url, tc.query, &got); err != nil {
				t.Fatal(err)
			}
			if got != tc.wantRow {
				t.Errorf("after importing %s: %s gives %q; want %q (the stored values kept)", tc.file, tc.query, got, tc.wantRow)
			}
		})
	}
}
