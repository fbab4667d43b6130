package coverage_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/privacy"
)

// A town's or the county's special-group count in the summary is hidden as
// often to protect a sibling (complementary suppression) or because the
// visited count it implies is small as for being 1 to 10 itself. Hidden, it
// reads "hidden" or "≥n" (n the sum of the village counts shown beneath,
// which the reader can add up), never "<11": a planner once read "<11" for
// counts of several hundred. A bound never exceeds the exact count.
func TestSummaryHiddenTotalsNeverReadSmall(t *testing.T) {
	ctx := context.Background()
	s, _, county := demotest.New(t)
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	planner, _, _, _ := testRoles(0)
	towns := []string{""}
	for _, tw := range county.Towns {
		towns = append(towns, tw.Code)
	}
	windows := [][2]string{{"2026-03-01", "2026-03-08"}, {"2026-03-01", "2026-04-05"}, {"2026-03-01", "2026-09-27"}}
	var hidden int
	for _, win := range windows {
		for _, town := range towns {
			q := coverage.Query{Town: town, From: day(win[0]), To: day(win[1])}
			exact, err := reports.Summary(ctx, lianxin.SystemScope(), q)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := reports.Summary(ctx, planner, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(sum.Checks.SpecialUnvisited)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			for _, g := range coverage.Groups {
				label, ok := got[string(g)].(string)
				if !ok {
					continue
				}
				hidden++
				want := exact.Checks.SpecialUnvisited.Get(g)
				switch {
				case label == privacy.HiddenLabel:
				case strings.HasPrefix(label, privacy.AtLeastPrefix):
					n, err := strconv.ParseInt(strings.TrimPrefix(label, privacy.AtLeastPrefix), 10, 64)
					if err != nil || n > want || n <= privacy.SmallCountMax {
						t.Errorf("summary town %q %v as planner: special_unvisited.%s = %q, exact %d: want a bound above %d and at most the count",
							town, win, g, label, want, privacy.SmallCountMax)
					}
				default:
					t.Errorf("summary town %q %v as planner: special_unvisited.%s = %q (exact %d), want %q or %q and a bound",
						town, win, g, label, want, privacy.HiddenLabel, privacy.AtLeastPrefix)
				}
			}
		}
	}
	if hidden == 0 {
		t.Fatalf("set-up: no town or county special-group count was hidden from the planner in %v", windows)
	}
}
