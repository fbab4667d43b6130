package api_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/export"
	"lianxin/store/storetest"
)

// OGC API – Features intervals are closed: on the windowed collections
// (village_coverage, gaps, h3_cells) datetime=a/b counts the visits of
// the days a to b inclusive, the export's from=a&to=b+1, and a one-day
// interval a/a is a valid window of one day. Those collections advertise
// their default window as a temporal extent, and a layer timed by dates
// (contact_points) ends its extent at the end of its last day, so that a
// client reading the extent as closed keeps that day.
func TestOGCClosedIntervals(t *testing.T) {
	st, url, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, Reports: st, DefaultScope: &scope,
		Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	windowOf := func(t *testing.T, path string) (from, to string) {
		t.Helper()
		var fc struct {
			Features []struct {
				Properties struct {
					From string `json:"window_from"`
					To   string `json:"window_to"`
				} `json:"properties"`
			} `json:"features"`
		}
		body := getBody(t, ts.URL+path, 200)
		if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
			t.Fatalf("GET %s: %v, %d features\n%.300s", path, err, len(fc.Features), body)
		}
		return fc.Features[0].Properties.From, fc.Features[0].Properties.To
	}
	for _, tc := range []struct {
		name, datetime   string
		wantFrom, wantTo string
	}{
		{"days a to b", "2026-03-01/2026-05-31", "2026-03-01", "2026-06-01"},
		{"one day", "2026-05-31/2026-05-31", "2026-05-31", "2026-06-01"},
		{"GDAL's date form", "2026-04-01T/2026-04-30T", "2026-04-01", "2026-05-01"},
		{"an instant end: its day", "2026-04-01/2026-04-30T10:00:00Z", "2026-04-01", "2026-05-01"},
		{"a single day", "2026-05-31", "2026-05-31", "2026-06-01"},
	} {
		for _, col := range []string{"village_coverage", "gaps"} {
			t.Run(col+", "+tc.name, func(t *testing.T) {
				path := "/ogc/collections/" + col + "/items?limit=1&datetime=" + tc.datetime
				from, to := windowOf(t, path)
				if from != tc.wantFrom || to != tc.wantTo {
					t.Errorf("datetime=%s on %s: window [%s, %s), want [%s, %s)", tc.datetime, col, from, to, tc.wantFrom, tc.wantTo)
				}
			})
		}
	}

	// Temporal extents, as closed intervals.
	cp, err := st.Campaign(t.Context(), scope)
	if err != nil {
		t.Fatal(err)
	}
	var lastContact time.Time
	storetest.QueryRow(t, url, `SELECT max(established_on)::timestamp FROM contact_points`, &lastContact)
	w := coverage.DefaultWindow(cp.StartsOn, time.Now())
	endOfDay := func(d time.Time) string {
		return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, coverage.Zone).UTC().Format(time.RFC3339)
	}
	for _, tc := range []struct {
		collection, wantFrom, wantTo string
	}{
		{"village_coverage", w.From.UTC().Format(time.RFC3339), endOfDay(w.LastDay())},
		{"gaps", w.From.UTC().Format(time.RFC3339), endOfDay(w.LastDay())},
		{"h3_cells", w.From.UTC().Format(time.RFC3339), endOfDay(w.LastDay())},
		{"contact_points", "", endOfDay(lastContact)},
	} {
		t.Run("extent of "+tc.collection, func(t *testing.T) {
			var col struct {
				Extent *ogcExtent `json:"extent"`
			}
			body := getBody(t, ts.URL+"/ogc/collections/"+tc.collection, 200)
			if err := json.Unmarshal(body, &col); err != nil {
				t.Fatal(err)
			}
			if col.Extent == nil || col.Extent.Temporal == nil || len(col.Extent.Temporal.Interval) != 1 ||
				len(col.Extent.Temporal.Interval[0]) != 2 || col.Extent.Temporal.Interval[0][1] == nil {
				t.Fatalf("GET /ogc/collections/%s: extent %.400s, want a temporal interval", tc.collection, body)
			}
			iv := col.Extent.Temporal.Interval[0]
			if tc.wantFrom != "" && (iv[0] == nil || *iv[0] != tc.wantFrom) {
				t.Errorf("%s temporal start %v, want %s", tc.collection, iv[0], tc.wantFrom)
			}
			if *iv[1] != tc.wantTo {
				t.Errorf("%s temporal end %s, want %s (the last instant of its last day)", tc.collection, *iv[1], tc.wantTo)
			}
		})
	}
}
