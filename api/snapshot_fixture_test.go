package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
)

// snapshotFixture is a demo county served to a planner and to a team
// leader of its first town (mine), each at their own base URL: the
// snapshot tests take snapshots as each and compare them.
type snapshotFixture struct {
	mine            coverage.Town
	planner, leader string
}

func newSnapshotFixture(t *testing.T) snapshotFixture {
	t.Helper()
	st, _, _ := demotest.New(t)
	mine, _ := twoTowns(t, st)
	planner := downloadServer(t, st, lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	leader := downloadServer(t, st, lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader},
		Towns: []int32{mine.ID}, HouseholdPoints: true})
	return snapshotFixture{mine: mine, planner: planner.URL, leader: leader.URL}
}

// snap is a snapshot as the API answers it, taken (POST) or listed (GET).
type snap struct {
	ID         int64  `json:"id"`
	AsOf       string `json:"as_of"`
	AsOfAsked  string `json:"as_of_asked"`
	From       string `json:"from"`
	To         string `json:"to"`
	Town       string `json:"town"`
	Comparable *bool  `json:"comparable"`
	RetakeAsOf string `json:"retake_as_of"`
}

// call asks the server at srvURL (a JSON body when there is one) and
// answers the status and the body.
func (snapshotFixture) call(t *testing.T, srvURL, method, path, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srvURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// take POSTs a snapshot as of the day asked (of town, "" the county) to
// the server at srvURL and fails the test unless it is taken (201).
func (f snapshotFixture) take(t *testing.T, srvURL, asOf, town string) snap {
	t.Helper()
	body := fmt.Sprintf(`{"as_of":%q,"town":%q}`, asOf, town)
	code, raw := f.call(t, srvURL, "POST", "/api/v1/snapshots", body)
	var s snap
	if code != http.StatusCreated || json.Unmarshal(raw, &s) != nil {
		t.Fatalf("POST /api/v1/snapshots %s = %d %.300s, want 201", body, code, raw)
	}
	return s
}
