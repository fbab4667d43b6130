package store

import (
	"strings"
	"testing"
)

func TestKeepStoredSQL(t *testing.T) {
	cases := []struct {
		name, layer string
		carried     []string
		personal    bool
		want        []string // in the SQL
		notWant     []string
	}{
		{name: "every field carried", layer: "contact_points", carried: []string{"code", "member_code", "village_code", "established_on", "cards_issued", "geometry"}},
		{name: "nil is every field", layer: "visits", carried: nil},
		{name: "contact points without cards", layer: "contact_points", carried: []string{"code", "geometry"},
			want: []string{`"cards_issued" = k."cards_issued"`, `WHERE k.t_key = s."code"`}},
		{name: "diary without place or household", layer: "visits", carried: []string{"external_id", "member_code", "occurred_at", "kind"},
			want: []string{`"geom" = k."geom"`, `"household_id" = k."household_id"`, `"village_code" = CASE WHEN s.household_id IS NULL`}},
		{name: "diary with place keeps no place", layer: "visits", carried: []string{"external_id", "member_code", "household_id", "occurred_at", "kind", "geometry", "notes"},
			want: []string{`"participants" = k."participants"`}, notWant: []string{`"geom"`, `"household_id" =`, `"notes" =`}},
		{name: "personal fields only with personal columns", layer: "households", carried: []string{"external_id", "village_code", "residents", "geometry"},
			want: []string{`"poor" = k."poor"`}, notWant: []string{`"phone" =`}},
		{name: "a personal column keeps the others", layer: "households", carried: []string{"external_id", "village_code", "residents", "geometry", "head_name"}, personal: true,
			want: []string{`"phone" = k."phone"`}, notWant: []string{`"head_name" =`}},
		{name: "a layer of required fields only", layer: "teams", carried: []string{"code"}},
		{name: "a members sheet without 离队日期 keeps the stored day", layer: "members", carried: []string{"code", "name", "team_code"},
			want: []string{`"left_on" = k."left_on"`}},
		{name: "a members sheet with 离队日期 sets it", layer: "members", carried: []string{"code", "name", "team_code", "left_on"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := keepStoredSQL(tc.layer, tc.carried, tc.personal)
			if (q == "") != (len(tc.want) == 0) {
				t.Fatalf("keepStoredSQL(%s, %v) = %q; want empty: %v", tc.layer, tc.carried, q, len(tc.want) == 0)
			}
			for _, w := range tc.want {
				if !strings.Contains(q, w) {
					t.Errorf("keepStoredSQL(%s, %v) = %q; want it to hold %q", tc.layer, tc.carried, q, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(q, w) {
					t.Errorf("keepStoredSQL(%s, %v) = %q; want it without %q", tc.layer, tc.carried, q, w)
				}
			}
		})
	}
}
