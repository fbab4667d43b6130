package store_test

import (
	"context"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The summary's household_visit_entries counts entries of kind
// household_visit whether or not they name a household, so that the six
// kinds add up to visits; household_visits keeps counting the entries that
// reached a household (migrations 027 and 029). The demo writes every
// household visit and assistance delivery with its household, so the test
// adds one of each without.
func TestSummaryKindsAddUpWithoutHousehold(t *testing.T) {
	ctx := context.Background()
	_, dbURL, county := demotest.New(t)
	app := openApp(t, dbURL, store.Options{MaxConns: 2, CoverageCache: -1})
	town := county.Towns[0]
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-10-01")}
	kinds := func(s coverage.Summary) int64 {
		return s.HouseholdVisitEntries + s.EnterpriseVisits + s.ProjectSiteVisits + s.VillageMeetings + s.PublicityEvents + s.AssistanceDeliveries
	}
	before := map[string]coverage.Summary{}
	for _, tc := range []string{"", town.Code} {
		s, err := app.SummaryNumbers(ctx, lianxin.SystemScope(), w, tc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.HouseholdVisitEntries == 0 || s.AssistanceDeliveries == 0 {
			t.Fatalf("town %q: household_visit_entries %d, assistance_deliveries %d: the demo needs both", tc, s.HouseholdVisitEntries, s.AssistanceDeliveries)
		}
		if kinds(s) != s.Visits {
			t.Errorf("town %q before the inserts: the kinds add up to %d, visits %d", tc, kinds(s), s.Visits)
		}
		before[tc] = s
	}
	if _, err := exec(ctx, dbURL, `
INSERT INTO visits (external_id, member_id, village_id, town_id, occurred_at, kind)
SELECT x.id, m.id, vl.id, vl.town_id, '2026-03-15 10:00+08', x.kind
FROM (VALUES ('nohh-a', 'assistance_delivery'), ('nohh-h', 'household_visit')) AS x(id, kind)
CROSS JOIN LATERAL (SELECT id, town_id FROM villages WHERE town_id = $1 ORDER BY id LIMIT 1) vl
CROSS JOIN LATERAL (SELECT id FROM members WHERE town_id = $1 ORDER BY id LIMIT 1) m`, town.ID); err != nil {
		t.Fatalf("insert the entries without a household: %v", err)
	}
	for _, tc := range []string{"", town.Code} {
		s, err := app.SummaryNumbers(ctx, lianxin.SystemScope(), w, tc, nil)
		if err != nil {
			t.Fatal(err)
		}
		b := before[tc]
		for _, c := range []struct {
			name      string
			got, want int64
		}{
			{"visits", s.Visits, b.Visits + 2},
			{"household_visit_entries", s.HouseholdVisitEntries, b.HouseholdVisitEntries + 1},
			{"assistance_deliveries", s.AssistanceDeliveries, b.AssistanceDeliveries + 1},
			{"household_visits (entries that reached a household)", s.HouseholdVisits, b.HouseholdVisits},
			{"households_assisted", s.HouseholdsAssisted, b.HouseholdsAssisted},
			{"the six kinds' sum", kinds(s), s.Visits},
		} {
			if c.got != c.want {
				t.Errorf("summary of town %q over [%s, %s) after an assistance delivery and a household visit without a household: %s = %d, want %d",
					tc, w.From.Format(coverage.DayLayout), w.To.Format(coverage.DayLayout), c.name, c.got, c.want)
			}
		}
	}
}
