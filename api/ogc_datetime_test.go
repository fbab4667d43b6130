package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"lianxin/store/storetest"
)

// datetime on /ogc items follows OGC API – Features Part 1 (OGC 17-069r4,
// /req/core/fc-time-response): a feature without a time matches any
// datetime, so on a collection without time the value is checked and every
// feature comes back, and on one with time the rows whose time is empty
// stay in. A malformed value is still a 400 (/req/core/query-param-invalid).
// GDAL's OAPIF driver writes a date filter as "2026-05-01T", which reads as
// the day.
func TestOGCDatetime(t *testing.T) {
	ts, url, _ := exportServer(t)
	// One river work not completed: no completed_on, so no time.
	conn := storetest.Connect(t, url)
	if _, err := conn.Exec(context.Background(), `UPDATE river_works SET completed_on = NULL, status = 'under_way'
		WHERE id = (SELECT min(id) FROM river_works)`); err != nil {
		t.Fatalf("leave one river work uncompleted: %v", err)
	}
	const may = `occurred_at >= '2026-05-01T00:00:00+08' AND occurred_at < '2026-06-01T00:00:00+08'`
	for _, tc := range []struct {
		name, path string
		wantStatus int
		wantSQL    string // the count numberMatched must equal
	}{
		{"towns, an instant", "/ogc/collections/towns/items?datetime=2026-05-01T08:00:00Z", 200, `SELECT count(*) FROM towns`},
		{"villages, a closed interval", "/ogc/collections/villages/items?datetime=2026-05-01/2026-06-01", 200, `SELECT count(*) FROM villages`},
		{"teams, a day", "/ogc/collections/teams/items?datetime=2026-05-01", 200, `SELECT count(*) FROM teams`},
		{"members, open start", "/ogc/collections/members/items?datetime=../2026-05-01T00:00:00Z", 200, `SELECT count(*) FROM members`},
		{"households, open end", "/ogc/collections/households/items?datetime=2026-05-01T00:00:00Z/..", 200, `SELECT count(*) FROM households`},
		{"projects, empty start", "/ogc/collections/projects/items?datetime=/2026-05-01", 200, `SELECT count(*) FROM projects`},
		{"villages, a property filter too", "/ogc/collections/villages/items?datetime=2026-05-01&kind=community", 200, `SELECT count(*) FROM villages WHERE kind = 'community'`},
		// Intervals are closed (/req/core/fc-time-definition): a date end
		// is its whole day, as a single date is.
		{"visits in May", "/ogc/collections/visits/items?datetime=2026-05-01/2026-05-31", 200, `SELECT count(*) FROM visits WHERE ` + may},
		{"visits in May, GDAL's date form", "/ogc/collections/visits/items?datetime=2026-05-01T/2026-05-31T", 200, `SELECT count(*) FROM visits WHERE ` + may},
		{"visits on one day as an interval", "/ogc/collections/visits/items?datetime=2026-05-31/2026-05-31", 200,
			`SELECT count(*) FROM visits WHERE occurred_at >= '2026-05-31T00:00:00+08' AND occurred_at < '2026-06-01T00:00:00+08'`},
		{"visits up to an instant, included", "/ogc/collections/visits/items?datetime=2026-05-01T00:00:00%2B08:00/" +
			"2026-05-31T12:00:00Z", 200,
			`SELECT count(*) FROM visits WHERE occurred_at >= '2026-05-01T00:00:00+08' AND occurred_at <= '2026-05-31T12:00:00Z'`},
		{"visits, open start up to a day", "/ogc/collections/visits/items?datetime=../2026-05-31", 200,
			`SELECT count(*) FROM visits WHERE occurred_at < '2026-06-01T00:00:00+08'`},
		{"visits on one day, GDAL's date form", "/ogc/collections/visits/items?datetime=2026-05-01T", 200,
			`SELECT count(*) FROM visits WHERE occurred_at >= '2026-05-01T00:00:00+08' AND occurred_at < '2026-05-02T00:00:00+08'`},
		{"river works in 2026 and those without a day", "/ogc/collections/river_works/items?datetime=2026-01-01/2026-12-31", 200,
			`SELECT count(*) FROM river_works WHERE completed_on IS NULL OR completed_on >= '2026-01-01' AND completed_on < '2027-01-01'`},
		{"river works, none completed in 1990 but the one without a day", "/ogc/collections/river_works/items?datetime=1990-01-01/1991-01-01", 200,
			`SELECT count(*) FROM river_works WHERE completed_on IS NULL`},
		{"village coverage, the window", "/ogc/collections/village_coverage/items?datetime=2026-03-01/2026-06-01", 200, `SELECT count(*) FROM villages`},
		{"villages, not a time", "/ogc/collections/villages/items?datetime=yesterday", 400, ""},
		{"villages, month 13", "/ogc/collections/villages/items?datetime=2026-13-01", 400, ""},
		{"visits, end before start", "/ogc/collections/visits/items?datetime=2026-05-31/2026-05-30", 400, ""},
		{"villages, both ends open", "/ogc/collections/villages/items?datetime=../..", 400, ""},
		{"visits, a bad end", "/ogc/collections/visits/items?datetime=2026-05-01/June", 400, ""},
		// The exports' from/to stay the layer's own: a layer without time refuses them.
		{"export from/to on villages", "/api/v1/export/villages?format=csv&from=2026-05-01", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := getBody(t, ts.URL+tc.path, tc.wantStatus)
			if tc.wantSQL == "" {
				return
			}
			var page struct {
				NumberMatched *int `json:"numberMatched"`
			}
			if err := json.Unmarshal(body, &page); err != nil || page.NumberMatched == nil {
				t.Fatalf("GET %s: no numberMatched (%v)\n%.300s", tc.path, err, body)
			}
			if want := count(t, url, tc.wantSQL); *page.NumberMatched != want || want == 0 {
				t.Errorf("GET %s: numberMatched %d, want %d (%s), not 0", tc.path, *page.NumberMatched, want, tc.wantSQL)
			}
		})
	}
	if t.Failed() {
		return
	}
	// The answer for a collection without time is the whole collection, not
	// a count that happens to agree.
	with := getBody(t, ts.URL+"/ogc/collections/towns/items?datetime=2026-05-01&limit=3", http.StatusOK)
	without := getBody(t, ts.URL+"/ogc/collections/towns/items?limit=3", http.StatusOK)
	if itemsFeatures(t, with) != itemsFeatures(t, without) {
		t.Errorf("towns with datetime:\n%.300s\nwithout:\n%.300s\nwant the same features", with, without)
	}
}

// itemsFeatures returns the features array of an items page as JSON text.
func itemsFeatures(t *testing.T, page []byte) string {
	t.Helper()
	var fc struct {
		Features json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(page, &fc); err != nil {
		t.Fatalf("items page: %v\n%.300s", err, page)
	}
	return string(fc.Features)
}
