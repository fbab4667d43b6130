package coverage_test

import (
	"strconv"
	"testing"
	"time"

	"lianxin/coverage"
)

func TestResidentsPerWeekNeeded(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		needed, daysLeft, want int64
	}{
		{"a week, exact", 70, 7, 70},
		{"two weeks, rounded up", 71, 14, 36},
		{"one day", 10, 1, 70},
		{"nothing needed", 0, 30, 0},
		{"no day left", 50, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coverage.ResidentsPerWeekNeeded(tc.needed, tc.daysLeft); got != tc.want {
				t.Errorf("ResidentsPerWeekNeeded(%d, %d) = %d, want %d", tc.needed, tc.daysLeft, got, tc.want)
			}
		})
	}
}

func TestJudgeByEnd(t *testing.T) {
	day := func(s string) time.Time {
		d, err := coverage.ParseDay("day", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	str := func(s string) *string { return &s }
	// The window's last day is 2026-09-30: 2026-10-07 is 7 days later.
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-10-01")}
	ends := day("2026-10-07")
	rows := []coverage.ForecastRow{
		{VillageCode: "on-time", Status: "on_pace", ResidentsNeeded: 70, ReachesOn: str("2026-10-07")},
		{VillageCode: "a-day-late", Status: "on_pace", ResidentsNeeded: 70, ReachesOn: str("2026-10-08")},
		{VillageCode: "stalled", Status: "not_at_this_pace", ResidentsNeeded: 15},
		{VillageCode: "done", Status: "reached"},
		{VillageCode: "empty", Status: "no_population"},
		{VillageCode: "urban", Status: "no_visit"},
		{VillageCode: "small", Status: "suppressed", Suppressed: true},
	}
	type want struct {
		onTrack *bool
		perWeek *int64
	}
	yes, no := true, false
	n := func(v int64) *int64 { return &v }
	wants := map[string]want{
		"on-time":    {&yes, n(70)},
		"a-day-late": {&no, n(70)},
		"stalled":    {&no, n(15)},
		"done":       {&yes, n(0)},
		"empty":      {},
		"urban":      {},
		"small":      {},
	}
	got := coverage.JudgeByEnd(rows, w, ends)
	if len(got) != len(rows) {
		t.Fatalf("JudgeByEnd of %d rows gave %d", len(rows), len(got))
	}
	show := func(b *bool, i *int64) string {
		s := "on_track=nil"
		if b != nil {
			s = map[bool]string{true: "on_track=true", false: "on_track=false"}[*b]
		}
		if i == nil {
			return s + " per_week=nil"
		}
		return s + " per_week=" + strconv.FormatInt(*i, 10)
	}
	for _, g := range got {
		wt := wants[g.VillageCode]
		same := (g.OnTrack == nil) == (wt.onTrack == nil) && (g.OnTrack == nil || *g.OnTrack == *wt.onTrack) &&
			(g.ResidentsPerWeekNeeded == nil) == (wt.perWeek == nil) && (g.ResidentsPerWeekNeeded == nil || *g.ResidentsPerWeekNeeded == *wt.perWeek)
		if !same {
			t.Errorf("village %s (status %s) ending %s: got %s, want %s", g.VillageCode, g.Status, ends.Format(coverage.DayLayout),
				show(g.OnTrack, g.ResidentsPerWeekNeeded), show(wt.onTrack, wt.perWeek))
		}
	}
	// The campaign over before the window's end: no pace is asked of anyone.
	for _, g := range coverage.JudgeByEnd(rows, w, day("2026-09-30")) {
		if g.Status != "reached" && g.ResidentsPerWeekNeeded != nil {
			t.Errorf("village %s with the campaign ending on the window's last day: per week %d, want nil", g.VillageCode, *g.ResidentsPerWeekNeeded)
		}
	}
}

func TestDefaultCampaignEnd(t *testing.T) {
	start, _ := coverage.ParseDay("s", "2026-03-01")
	if got := coverage.DefaultCampaignEnd(start).Format(coverage.DayLayout); got != "2027-02-28" {
		t.Errorf("DefaultCampaignEnd(2026-03-01) = %s, want 2027-02-28", got)
	}
}

// The forecast's default end is the campaign's own when an admin set one,
// else a year after the start.
func TestCampaignEnd(t *testing.T) {
	start, _ := coverage.ParseDay("s", "2026-03-01")
	end, _ := coverage.ParseDay("e", "2026-12-31")
	for _, tc := range []struct {
		name string
		cp   coverage.Campaign
		want string
	}{
		{"end set", coverage.Campaign{StartsOn: start, EndsOn: &end}, "2026-12-31"},
		{"no end", coverage.Campaign{StartsOn: start}, "2027-02-28"},
	} {
		if got := coverage.CampaignEnd(tc.cp).Format(coverage.DayLayout); got != tc.want {
			t.Errorf("%s: CampaignEnd = %s, want %s", tc.name, got, tc.want)
		}
	}
}

// Stalled: no diary entry in the pace's four weeks, counted back from the
// window's end, the edge day included.
func TestStalled(t *testing.T) {
	day := func(s string) *time.Time {
		d, err := coverage.ParseDay("day", s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	// The pace's span is 2026-09-03 .. 2026-09-30.
	w := coverage.Window{From: *day("2026-03-01"), To: *day("2026-10-01")}
	for _, tc := range []struct {
		name string
		last *time.Time
		want bool
	}{
		{"no entry in the window", nil, true},
		{"the span's first day", day("2026-09-03"), false},
		{"the day before it", day("2026-09-02"), true},
		{"the window's last day", day("2026-09-30"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coverage.Stalled(tc.last, w); got != tc.want {
				t.Errorf("Stalled(%v, %s) = %v, want %v", tc.last, w, got, tc.want)
			}
		})
	}
}

// EndedStanding projects nothing: a village not reached by the end is
// not_reached with its residents still missing, whatever its pace said.
func TestEndedStanding(t *testing.T) {
	str := func(s string) *string { return &s }
	rows := []coverage.ForecastRow{
		{VillageCode: "late", Status: "on_pace", ResidentsNeeded: 40, ReachesOn: str("2026-11-01")},
		{VillageCode: "quiet", Status: "not_at_this_pace", ResidentsNeeded: 15, Stalled: true},
		{VillageCode: "done", Status: "reached"},
		{VillageCode: "urban", Status: "no_visit"},
		{VillageCode: "small", Status: "suppressed", Suppressed: true},
	}
	want := map[string]struct {
		status  string
		onTrack string
	}{
		"late": {"not_reached", "false"}, "quiet": {"not_reached", "false"}, "done": {"reached", "true"},
		"urban": {"no_visit", "nil"}, "small": {"suppressed", "nil"},
	}
	for _, g := range coverage.EndedStanding(rows) {
		on := "nil"
		if g.OnTrack != nil {
			on = strconv.FormatBool(*g.OnTrack)
		}
		w := want[g.VillageCode]
		if g.Status != w.status || on != w.onTrack || g.ReachesOn != nil || g.Stalled || g.ResidentsPerWeekNeeded != nil {
			t.Errorf("village %s: status %s, on_track %s, reaches_on %v, stalled %v, pace needed %v; want %s, %s, nothing projected",
				g.VillageCode, g.Status, on, g.ReachesOn, g.Stalled, g.ResidentsPerWeekNeeded, w.status, w.onTrack)
		}
		if g.VillageCode == "late" && g.ResidentsNeeded != 40 {
			t.Errorf("village late: %d residents missing, want 40 (kept)", g.ResidentsNeeded)
		}
	}
}
