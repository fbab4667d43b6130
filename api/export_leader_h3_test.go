package api_test

import (
	"encoding/json"
	"testing"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// A team leader has household access in their own town, and their map's
// hexagons past zoom 11 are their town's at resolution 9 and 10: the
// exports give the same, their town's share of each hexagon exact (as the
// system sees it), at every resolution. Another town's share is refused as
// not theirs, and a role without household access is told that one town's
// share needs it (not that it may not see the layer), while every town's
// hexagons stay open to it.
func TestLeaderOwnTownHexagonsInExports(t *testing.T) {
	st, _, _ := demotest.New(t)
	mine, other := twoTowns(t, st)
	leader := downloadServer(t, st, lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{mine.ID}, HouseholdPoints: true})
	planner := downloadServer(t, st, lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	system := downloadServer(t, st, lianxin.SystemScope())

	type cell struct {
		Cell                          string
		Households, Residents, Visits int64
	}
	cells := func(t *testing.T, url string) map[string]cell {
		t.Helper()
		var fc struct {
			Features []struct {
				Properties struct {
					Cell       string `json:"cell"`
					Households int64  `json:"households"`
					Residents  int64  `json:"residents"`
					Visits     int64  `json:"visits"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(getBody(t, url, 200), &fc); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		out := map[string]cell{}
		for _, f := range fc.Features {
			p := f.Properties
			out[p.Cell] = cell{p.Cell, p.Households, p.Residents, p.Visits}
		}
		return out
	}
	for _, tc := range []struct {
		name, query string
	}{
		{"resolution 9 of the own town", "resolution=9&town=" + mine.Code},
		{"resolution 10 of the own town", "resolution=10&town=" + mine.Code},
		{"resolution 8 of the own town", "resolution=8&town=" + mine.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/export/h3_cells?format=geojson&from=2026-03-01&to=2026-06-07&" + tc.query
			getBody(t, leader.URL+path+"&check=true", 200)
			got, want := cells(t, leader.URL+path), cells(t, system.URL+path)
			if len(want) == 0 {
				t.Fatalf("system: no hexagons for %s", tc.query)
			}
			if len(got) != len(want) {
				t.Errorf("leader %s: %d hexagons, want %d (the system's)", tc.query, len(got), len(want))
			}
			for id, w := range want {
				if g := got[id]; g != w {
					t.Errorf("leader %s: hexagon %s = %+v, want %+v", tc.query, id, g, w)
				}
			}
		})
	}
	for _, tc := range []struct {
		name       string
		srv        string
		query      string
		wantStatus int
		wantReason string
	}{
		{"leader, another town at 9", "leader", "resolution=9&town=" + other.Code, 403, export.ReasonTownNotYours},
		{"leader, another town at 8", "leader", "resolution=8&town=" + other.Code, 403, export.ReasonTownNotYours},
		{"planner, one town's share", "planner", "town=" + mine.Code, 403, export.ReasonTownShare},
		{"planner, every town's hexagons", "planner", "resolution=8", 200, ""},
		{"planner, finer than 8", "planner", "resolution=9", 403, export.ReasonResolutionFine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := map[string]string{"leader": leader.URL, "planner": planner.URL}[tc.srv]
			for _, check := range []string{"&check=true", ""} {
				body := getBody(t, srv+"/api/v1/export/h3_cells?format=geojson&"+tc.query+check, tc.wantStatus)
				if tc.wantStatus == 200 {
					continue
				}
				var got refusalBody
				if err := json.Unmarshal(body, &got); err != nil || got.Error.Details.Reason != tc.wantReason {
					t.Errorf("%s h3_cells?%s%s: %.300s, want reason %s", tc.srv, tc.query, check, body, tc.wantReason)
				}
			}
		})
	}
}
