package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
)

func reportServer(t *testing.T) http.Handler {
	t.Helper()
	s, _, _ := demotest.New(t)
	scope := lianxin.SystemScope()
	return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: s, Reports: s, DefaultScope: &scope})
}

func do(t *testing.T, h http.Handler, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result(), rec.Body.Bytes()
}

func TestReportEndpoints(t *testing.T) {
	srv := reportServer(t)
	var teams []struct {
		Code     string     `json:"code"`
		TownCode string     `json:"town_code"`
		Base     [2]float64 `json:"base"`
	}
	res, body := do(t, srv, "GET", "/api/v1/teams", "")
	if res.StatusCode != 200 || json.Unmarshal(body, &teams) != nil || len(teams) == 0 {
		t.Fatalf("GET /api/v1/teams = %d %s, want 200 with teams", res.StatusCode, body)
	}
	team, town := teams[0].Code, teams[0].TownCode
	cases := []struct {
		name, method, path, body string
		status                   int
		contains                 string
	}{
		{"campaign", "GET", "/api/v1/campaign", "", 200, `"starts_on":"2026-03-01"`},
		{"towns", "GET", "/api/v1/towns", "", 200, `"bbox":[`},
		{"gaps", "GET", "/api/v1/reports/gaps?town=" + town, "", 200, `"households_needed"`},
		{"gaps by team sorted", "GET", "/api/v1/reports/gaps?team=" + team + "&sort=-coverage&all=true", "", 200, `"special_unvisited":{"poor"`},
		{"gaps window", "GET", "/api/v1/reports/gaps?from=2026-04-01&to=2026-05-01", "", 200, `"to":"2026-05-01"`},
		{"next", "GET", "/api/v1/reports/next?team=" + team + "&n=5", "", 200, `"total_km"`},
		{"members", "GET", "/api/v1/reports/members?team=" + team, "", 200, `"households_contacted"`},
		{"members of a town", "GET", "/api/v1/reports/members?town=" + town, "", 200, `"town_code":"` + town + `"`},
		{"members of the county", "GET", "/api/v1/reports/members", "", 200, `"households_to_date"`},
		{"members of an unknown town", "GET", "/api/v1/reports/members?town=NOPE", "", 404, `town \"NOPE\" not found`},
		{"members CSV in Chinese", "GET", "/api/v1/reports/members?format=csv&lang=zh&from=2026-03-01&to=2026-03-15", "", 200,
			"每周走访.2026-03-08~03-14,累计联系户数（活动开始至截止日）"},
		{"summary", "GET", "/api/v1/reports/summary", "", 200, `"five_coverages"`},
		{"diary sample", "GET", "/api/v1/reports/diary-sample?team=" + team + "&n=5&seed=7", "", 200, `"flags"`},
		{"forecast", "GET", "/api/v1/reports/forecast?town=" + town, "", 200, `"status"`},
		{"unknown town", "GET", "/api/v1/reports/gaps?town=NOPE", "", 404, `town \"NOPE\" not found`},
		{"unknown team", "GET", "/api/v1/reports/next?team=NOPE", "", 404, `team \"NOPE\" not found`},
		{"bad from", "GET", "/api/v1/reports/gaps?from=2026-13-01", "", 400, `from:`},
		{"from after to", "GET", "/api/v1/reports/gaps?from=2026-05-01&to=2026-04-01", "", 400, `must be before`},
		{"bad sort", "GET", "/api/v1/reports/gaps?sort=password", "", 400, `sort:`},
		{"bad format", "GET", "/api/v1/reports/gaps?format=xml", "", 400, `format:`},
		{"bad all", "GET", "/api/v1/reports/gaps?all=yes", "", 400, `all:`},
		{"unknown parameter", "GET", "/api/v1/reports/gaps?twon=T1", "", 400, `twon: unknown parameter`},
		{"injection in town", "GET", "/api/v1/reports/gaps?town=T1%27%3BDROP%20TABLE%20visits--", "", 400, `town:`},
		{"next without team", "GET", "/api/v1/reports/next", "", 400, `team: required`},
		{"next n too large", "GET", "/api/v1/reports/next?team=" + team + "&n=500", "", 400, `n:`},
		{"unknown village", "GET", "/api/v1/villages/NOPE", "", 404, `village \"NOPE\" not found`},
		{"missing snapshot", "GET", "/api/v1/snapshots/998/diff/999", "", 404, `snapshot 998 not found`},
		{"bad snapshot id", "GET", "/api/v1/snapshots/x/diff/1", "", 400, `a:`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, srv, tc.method, tc.path, tc.body)
			if res.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
				t.Errorf("%s %s = %d %.300s, want %d containing %s", tc.method, tc.path, res.StatusCode, body, tc.status, tc.contains)
			}
		})
	}
}

func TestGapReportFormats(t *testing.T) {
	srv := reportServer(t)
	res, jsonBody := do(t, srv, "GET", "/api/v1/reports/gaps?all=true", "")
	var js struct {
		Rows []map[string]any `json:"rows"`
	}
	if res.StatusCode != 200 || json.Unmarshal(jsonBody, &js) != nil || len(js.Rows) == 0 {
		t.Fatalf("gaps JSON = %d %.200s", res.StatusCode, jsonBody)
	}
	for _, k := range []string{"village_code", "village_name", "town_code", "resident_population", "visited_residents",
		"coverage", "reached", "residents_needed", "households_needed", "special_unvisited", "days_since_last_visit", "distance_km"} {
		if _, ok := js.Rows[0][k]; !ok {
			t.Errorf("gaps JSON row lacks %q: %v", k, js.Rows[0])
		}
	}

	res, body := do(t, srv, "GET", "/api/v1/reports/gaps?all=true&format=csv", "")
	if res.StatusCode != 200 || !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("gaps CSV = %d, starts %q; want 200 starting with the UTF-8 BOM", res.StatusCode, body[:min(10, len(body))])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("gaps CSV does not parse: %v", err)
	}
	if len(recs) != len(js.Rows)+1 || recs[0][1] != "village_code" || !strings.Contains(strings.Join(recs[0], ","), "special_unvisited.poor") {
		t.Errorf("gaps CSV: %d records, header %v; want %d rows + header with village_code and special_unvisited.poor", len(recs), recs[0], len(js.Rows))
	}

	res, body = do(t, srv, "GET", "/api/v1/reports/gaps?all=true&format=geojson", "")
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Geometry struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &fc) != nil || fc.Type != "FeatureCollection" || len(fc.Features) != len(js.Rows) {
		t.Fatalf("gaps GeoJSON = %d, %d features, type %q; want a FeatureCollection of %d", res.StatusCode, len(fc.Features), fc.Type, len(js.Rows))
	}
	f := fc.Features[0]
	if f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 || f.Geometry.Coordinates[0] < 119 || f.Geometry.Coordinates[0] > 121 ||
		f.Geometry.Coordinates[1] < 31 || f.Geometry.Coordinates[1] > 33 {
		t.Errorf("first feature geometry %+v, want a lon/lat point near 120°E 32°N", f.Geometry)
	}
}

func TestSnapshotsDiff(t *testing.T) {
	srv := reportServer(t)
	ids := []float64{}
	for _, asOf := range []string{"2026-05-01", "2026-05-08"} {
		res, body := do(t, srv, "POST", "/api/v1/snapshots", `{"as_of":"`+asOf+`"}`)
		var snap map[string]any
		if res.StatusCode != 201 || json.Unmarshal(body, &snap) != nil || snap["as_of"] != asOf {
			t.Fatalf("POST snapshot as of %s = %d %s", asOf, res.StatusCode, body)
		}
		ids = append(ids, snap["id"].(float64))
	}
	res, body := do(t, srv, "GET", "/api/v1/snapshots", "")
	if res.StatusCode != 200 || strings.Count(string(body), `"id"`) != 2 {
		t.Fatalf("GET snapshots = %d %s, want 2", res.StatusCode, body)
	}
	res, body = do(t, srv, "GET", "/api/v1/snapshots/1/diff/2", "")
	var d struct {
		ReachedBefore, ReachedAfter, NewlyReached int
		Villages                                  []map[string]any
		Summary                                   map[string]float64
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &d) != nil {
		t.Fatalf("diff = %d %.300s", res.StatusCode, body)
	}
	if len(d.Villages) == 0 || d.Summary["visits"] <= 0 {
		t.Errorf("diff of a week: %d villages changed, visits +%v; want some of each", len(d.Villages), d.Summary["visits"])
	}
	_ = ids
}
