package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/export"
)

// A user of one town who asks for a stored layer of another town is told
// so (403, as for the offline packages) instead of getting an empty file
// that looks like a successful export; that town's aggregates still answer
// (county-wide for every role), and an unknown code stays a 400.
func TestExportTownOutsideScope(t *testing.T) {
	st, _, _ := demotest.New(t)
	towns, err := st.Towns(context.Background(), lianxin.SystemScope())
	if err != nil || len(towns) < 2 {
		t.Fatalf("towns: %v (%d), want at least 2", err, len(towns))
	}
	mine, other := towns[0], towns[1]
	scope := lianxin.Scope{User: "leader-one-town", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{mine.ID}, HouseholdPoints: true}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, DefaultScope: &scope,
		Reports: st, Export: export.New(st, export.Options{Logger: quietLogger()})})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	for _, tc := range []struct {
		name, query string
		want        int
		rows        bool // the CSV holds at least one row of the town
	}{
		{"own town's villages", "villages?format=csv&town=" + mine.Code, http.StatusOK, true},
		{"own town's households", "households?format=csv&town=" + mine.Code, http.StatusOK, true},
		{"another town's villages", "villages?format=csv&town=" + other.Code, http.StatusForbidden, false},
		{"another town's visits", "visits?format=gpkg&town=" + other.Code, http.StatusForbidden, false},
		{"another town's coverage", "village_coverage?format=csv&town=" + other.Code, http.StatusOK, true},
		{"another town's gaps", "gaps?format=csv&town=" + other.Code, http.StatusOK, true},
		{"no such town", "villages?format=csv&town=nowhere", http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Get(ts.URL + "/api/v1/export/" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("GET %s = %d %.200s, want %d", tc.query, res.StatusCode, body, tc.want)
			}
			if tc.want == http.StatusForbidden && !bytes.Contains(body, []byte("outside your towns")) {
				t.Errorf("GET %s: %s, want a message saying the town is outside your towns", tc.query, body)
			}
			if tc.rows && bytes.Count(body, []byte("\n")) < 2 {
				t.Errorf("GET %s: %q, want a header and rows", tc.query, body)
			}
		})
	}
}
