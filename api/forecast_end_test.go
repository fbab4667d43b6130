package api_test

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// The forecast answers, for the web map's forecast table, whether each
// village reaches one-third by the campaign's last day and the pace needed.
func TestForecastByCampaignEnd(t *testing.T) {
	srv := reportServer(t)
	type row struct {
		VillageCode     string  `json:"village_code"`
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
		{"default end: the demo campaign's", "from=2026-03-01&to=2026-08-02", "2026-12-31"},
		{"named end", "from=2026-03-01&to=2026-08-02&ends_on=2026-09-30", "2026-09-30"},
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
			onPace, judged := 0, 0
			for _, r := range answer.Rows {
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
