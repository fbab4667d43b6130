package api_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxin/coverage"
)

// The forecast answers, for the web map's forecast table, whether each
// village reaches one-third by the campaign's last day and the pace needed.
func TestForecastByCampaignEnd(t *testing.T) {
	srv := reportServer(t)
	type row struct {
		VillageCode     string  `json:"village_code"`
		Rural           *bool   `json:"rural"`
		Status          string  `json:"status"`
		ResidentsNeeded int64   `json:"residents_needed"`
		ReachesOn       *string `json:"reaches_on"`
		OnTrack         *bool   `json:"on_track"`
		PerWeekNeeded   *int64  `json:"residents_per_week_needed"`
	}
	var answer struct {
		From   string `json:"from"`
		To     string `json:"to"`
		EndsOn string `json:"ends_on"`
		Rows   []row  `json:"rows"`
	}
	for _, tc := range []struct {
		name, query, endsOn string
	}{
		{"default end: the demo campaign's", "from=2026-03-01&to=2026-08-02", "2026-09-30"},
		{"named end", "from=2026-03-01&to=2026-08-02&ends_on=2026-12-31", "2026-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/reports/forecast?" + tc.query
			res, body := do(t, srv, "GET", path, "")
			if res.StatusCode != 200 || json.Unmarshal(body, &answer) != nil {
				t.Fatalf("GET %s = %d %.300s, want 200 JSON", path, res.StatusCode, body)
			}
			if answer.EndsOn != tc.endsOn {
				t.Errorf("GET %s: ends_on %q, want %q", path, answer.EndsOn, tc.endsOn)
			}
			onPace, judged, communities := 0, 0, 0
			for _, r := range answer.Rows {
				// An urban community is not judged by one-third: never
				// reached nor on pace, whatever its coverage (the gap
				// report lists it only while unvisited).
				if r.Rural == nil {
					t.Fatalf("GET %s: village %s has no rural field", path, r.VillageCode)
				}
				if !*r.Rural {
					communities++
					if r.Status != "not_judged" && r.Status != "no_visit" && r.Status != "suppressed" {
						t.Errorf("GET %s: community %s has status %s, want not_judged, no_visit or suppressed", path, r.VillageCode, r.Status)
					}
				} else if r.Status == "not_judged" {
					t.Errorf("GET %s: rural village %s not judged, want a one-third status", path, r.VillageCode)
				}
				switch r.Status {
				case "on_pace":
					onPace++
					want := *r.ReachesOn <= tc.endsOn
					if r.OnTrack == nil || *r.OnTrack != want {
						t.Errorf("GET %s: village %s reaches one-third on %s, on_track %v, want %v", path, r.VillageCode, *r.ReachesOn, r.OnTrack, want)
					}
				case "not_at_this_pace":
					if r.OnTrack == nil || *r.OnTrack {
						t.Errorf("GET %s: village %s not at this pace, on_track %v, want false", path, r.VillageCode, r.OnTrack)
					}
				case "reached":
					if r.OnTrack == nil || !*r.OnTrack || r.PerWeekNeeded == nil || *r.PerWeekNeeded != 0 {
						t.Errorf("GET %s: reached village %s: on_track %v, per week needed %v, want true and 0", path, r.VillageCode, r.OnTrack, r.PerWeekNeeded)
					}
				default:
					if r.OnTrack != nil || r.PerWeekNeeded != nil {
						t.Errorf("GET %s: village %s of status %s judged (on_track %v, per week %v), want both null", path, r.VillageCode, r.Status, r.OnTrack, r.PerWeekNeeded)
					}
				}
				if r.Status == "on_pace" || r.Status == "not_at_this_pace" {
					judged++
					if r.PerWeekNeeded == nil || *r.PerWeekNeeded <= 0 || *r.PerWeekNeeded < r.ResidentsNeeded*7/400 {
						t.Errorf("GET %s: village %s needs %d residents, per week needed %v, want a positive pace", path, r.VillageCode, r.ResidentsNeeded, r.PerWeekNeeded)
					}
				}
			}
			if communities == 0 {
				t.Errorf("GET %s: no urban community among %d rows, want some (else the rule above proves nothing)", path, len(answer.Rows))
			}
			if onPace == 0 || judged == 0 {
				t.Errorf("GET %s: %d villages on pace, %d judged: want some of each (else the test proves nothing)", path, onPace, judged)
			}
		})
	}

	t.Run("csv in Chinese", func(t *testing.T) {
		path := "/api/v1/reports/forecast?format=csv&lang=zh&to=2026-08-02"
		res, body := do(t, srv, "GET", path, "")
		if res.StatusCode != 200 || !strings.HasPrefix(string(body), "\ufeff") {
			t.Fatalf("GET %s = %d, BOM %v; want 200 with a UTF-8 BOM", path, res.StatusCode, strings.HasPrefix(string(body), "\ufeff"))
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff"))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("GET %s: %d records, %v", path, len(recs), err)
		}
		for _, h := range []string{"活动结束前可达三分之一", "每周需走访人数（按期达到）", "尚需走访人数"} {
			if !slices.Contains(recs[0], h) {
				t.Errorf("GET %s: header %v, want a column %q", path, recs[0], h)
			}
		}
	})

	t.Run("bad end", func(t *testing.T) {
		res, body := do(t, srv, "GET", "/api/v1/reports/forecast?ends_on=2027-13-01", "")
		if res.StatusCode != 400 || !strings.Contains(string(body), "ends_on") {
			t.Errorf("GET forecast?ends_on=2027-13-01 = %d %s, want 400 naming ends_on", res.StatusCode, body)
		}
	})
}

// forecastAnswer is the forecast's JSON answer with what says where it
// stands: the as-of day, the diary's last entry, an ended campaign.
type forecastAnswer struct {
	From         string  `json:"from"`
	To           string  `json:"to"`
	AsOf         string  `json:"as_of"`
	EndsOn       string  `json:"ends_on"`
	Ended        bool    `json:"ended"`
	LastDiaryOn  *string `json:"last_diary_on"`
	DiaryStalled bool    `json:"diary_stalled"`
	Rows         []struct {
		VillageCode     string  `json:"village_code"`
		Status          string  `json:"status"`
		ResidentsNeeded int64   `json:"residents_needed"`
		ReachesOn       *string `json:"reaches_on"`
		OnTrack         *bool   `json:"on_track"`
		PerWeekNeeded   *int64  `json:"residents_per_week_needed"`
		LastVisitOn     *string `json:"last_visit_on"`
		Stalled         bool    `json:"stalled"`
	} `json:"rows"`
}

func getForecast(t *testing.T, srv http.Handler, query string) forecastAnswer {
	t.Helper()
	var a forecastAnswer
	path := "/api/v1/reports/forecast?" + query
	res, body := do(t, srv, "GET", path, "")
	if res.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
		t.Fatalf("GET %s = %d %.300s, want 200 JSON", path, res.StatusCode, body)
	}
	return a
}

// The forecast says the day it stands at and the diary's last entry: asked
// weeks after the diary stopped (the demo's stops on 2026-09-30) it says the
// diary stalled and since when, village by village; once the campaign has
// ended it is the standing at the end, nothing projected.
func TestForecastAsOfAndEnded(t *testing.T) {
	srv := reportServer(t)
	today := coverage.Day(time.Now())
	maxLast := func(a forecastAnswer) string {
		last := ""
		for _, r := range a.Rows {
			if r.LastVisitOn != nil && *r.LastVisitOn > last {
				last = *r.LastVisitOn
			}
		}
		return last
	}

	t.Run("ended: the standing at the demo's end", func(t *testing.T) {
		a := getForecast(t, srv, "")
		if !a.Ended || a.EndsOn != "2026-09-30" || a.AsOf != "2026-09-30" || a.To != "2026-10-01" {
			t.Fatalf("default forecast: ended %v, ends_on %s, as_of %s, to %s; want ended on 2026-09-30, as of it, to 2026-10-01",
				a.Ended, a.EndsOn, a.AsOf, a.To)
		}
		if a.LastDiaryOn == nil || *a.LastDiaryOn != maxLast(a) || *a.LastDiaryOn > "2026-09-30" || *a.LastDiaryOn < "2026-09-01" {
			t.Errorf("last_diary_on %v, want the latest village's last visit (%s), in the diary's last days", a.LastDiaryOn, maxLast(a))
		}
		if a.DiaryStalled {
			t.Errorf("an ended campaign's forecast says the diary stalled; want false (the work is over)")
		}
		// The standing at the end is the gap table's over the same window.
		var gaps struct {
			Rows []struct {
				VillageCode     string `json:"village_code"`
				ResidentsNeeded int64  `json:"residents_needed"`
			} `json:"rows"`
		}
		res, body := do(t, srv, "GET", "/api/v1/reports/gaps?all=true&to=2026-10-01", "")
		if res.StatusCode != 200 || json.Unmarshal(body, &gaps) != nil {
			t.Fatalf("GET gaps = %d %.200s", res.StatusCode, body)
		}
		needed := map[string]int64{}
		for _, g := range gaps.Rows {
			needed[g.VillageCode] = g.ResidentsNeeded
		}
		reached, missed := 0, 0
		for _, r := range a.Rows {
			switch r.Status {
			case "reached":
				reached++
				if r.OnTrack == nil || !*r.OnTrack {
					t.Errorf("village %s reached by the end: on_track %v, want true", r.VillageCode, r.OnTrack)
				}
			case "not_reached":
				missed++
				if r.OnTrack == nil || *r.OnTrack || r.ResidentsNeeded <= 0 || r.ResidentsNeeded != needed[r.VillageCode] {
					t.Errorf("village %s not reached by the end: on_track %v, %d residents missing (gaps: %d); want false and the gap table's figure",
						r.VillageCode, r.OnTrack, r.ResidentsNeeded, needed[r.VillageCode])
				}
			case "on_pace", "not_at_this_pace":
				t.Errorf("village %s: status %s in an ended campaign, want reached or not_reached", r.VillageCode, r.Status)
			}
			if r.ReachesOn != nil || r.Stalled || (r.Status != "reached" && r.PerWeekNeeded != nil) {
				t.Errorf("village %s (%s): reaches_on %v, stalled %v, pace needed %v; want nothing projected", r.VillageCode, r.Status, r.ReachesOn, r.Stalled, r.PerWeekNeeded)
			}
		}
		if reached == 0 || missed == 0 {
			t.Errorf("%d villages reached by the end, %d not: want some of each (else the test proves nothing)", reached, missed)
		}
	})

	t.Run("a window before the end still projects", func(t *testing.T) {
		a := getForecast(t, srv, "to=2026-08-02")
		if a.Ended || a.AsOf != "2026-08-01" || a.DiaryStalled || a.LastDiaryOn == nil || *a.LastDiaryOn < "2026-07-05" {
			t.Errorf("forecast to 2026-08-02: ended %v, as_of %s, diary stalled %v, last diary %v; want a live forecast as of 2026-08-01",
				a.Ended, a.AsOf, a.DiaryStalled, a.LastDiaryOn)
		}
	})

	t.Run("a far end asked today: stalled since the diary's last day", func(t *testing.T) {
		a := getForecast(t, srv, "ends_on=2099-12-31")
		if a.Ended || a.AsOf != today.Format(coverage.DayLayout) {
			t.Fatalf("forecast to 2099: ended %v, as_of %s; want not ended, as of today (%s)", a.Ended, a.AsOf, today.Format(coverage.DayLayout))
		}
		if !a.DiaryStalled || a.LastDiaryOn == nil || *a.LastDiaryOn > "2026-09-30" || *a.LastDiaryOn != maxLast(a) {
			t.Errorf("diary stalled %v since %v (latest village %s); want stalled since a day no later than 2026-09-30", a.DiaryStalled, a.LastDiaryOn, maxLast(a))
		}
		stalled := 0
		for _, r := range a.Rows {
			switch r.Status {
			case "on_pace":
				t.Errorf("village %s on pace with no diary for weeks", r.VillageCode)
			case "not_at_this_pace":
				if !r.Stalled || (r.LastVisitOn != nil && *r.LastVisitOn > *a.LastDiaryOn) {
					t.Errorf("village %s: stalled %v, last visit %v; want stalled since its last visit", r.VillageCode, r.Stalled, r.LastVisitOn)
				}
				stalled++
			default:
				if r.Stalled {
					t.Errorf("village %s of status %s stalled; only a village still judged is", r.VillageCode, r.Status)
				}
			}
		}
		if stalled == 0 {
			t.Error("no village stalled: the test proves nothing")
		}
	})

	t.Run("an end before the window: refused naming ends_on", func(t *testing.T) {
		res, body := do(t, srv, "GET", "/api/v1/reports/forecast?from=2026-06-01&ends_on=2026-05-01", "")
		if res.StatusCode != 400 || !strings.Contains(string(body), "ends_on") {
			t.Errorf("GET forecast?from=2026-06-01&ends_on=2026-05-01 = %d %s, want 400 naming ends_on", res.StatusCode, body)
		}
	})
}
