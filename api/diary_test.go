package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/api"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/diary"
	"lianxin/store"
)

// diaryFixture is the demo county opened as its owner (for set-up and
// checks) and as the server's role (app, which the diary service and the
// servers use), with one user who is the county's first member.
type diaryFixture struct {
	owner, app *store.Store
	county     *demo.County
	svc        *diary.Service
}

// newDiaryFixture opens a fresh demo county and adds user as an account
// of its first member (county.Members[0]).
func newDiaryFixture(t *testing.T, user string) diaryFixture {
	t.Helper()
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	app, err := store.Open(ctx, dbURL, store.Options{MaxConns: 2, Role: store.AppRole})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	m := county.Members[0]
	err = owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (username) VALUES ($1)`, user); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id)
			SELECT id, 'member', $2, $3 FROM users WHERE username = $1`, user, m.TownID, m.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return diaryFixture{owner: owner, app: app, county: county, svc: diary.NewService(app, orb.Bound{})}
}

// reportServer is a server of the reports and the spot check over the app
// role, answering as scope.
func (f diaryFixture) reportServer(scope lianxin.Scope) *api.Server {
	return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: f.app, Reports: f.app, DefaultScope: &scope})
}

// server is a server of the diary over the app role, answering as scope.
func (f diaryFixture) server(scope lianxin.Scope) *api.Server {
	return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: f.app, DefaultScope: &scope, Diary: f.svc})
}

// TestDiaryHTTP drives POST and GET /api/v1/diary through the server's
// role over the demo county: a member's entry (201, then 200 for its
// retry, one row), the 400s naming each bad field, a planner's 403, and the
// same 404 for another town's household and an unknown one.
func TestDiaryHTTP(t *testing.T) {
	ctx := context.Background()
	f := newDiaryFixture(t, "http-member")
	owner, county, m := f.owner, f.county, f.county.Members[0]
	var hhA, hhB demo.Household
	for _, h := range county.Households {
		if h.TownID == m.TownID && hhA.ID == 0 {
			hhA = h
		}
		if h.TownID != m.TownID && hhB.ID == 0 {
			hhB = h
		}
	}
	server := f.server
	memberSrv := server(lianxin.Scope{User: "http-member", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{m.TownID}})
	plannerSrv := server(lianxin.Scope{User: "http-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})
	post := func(srv *api.Server, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/diary", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	entry := func(id, household, extra string) string {
		return fmt.Sprintf(`{"id":%q,"household":%q,"kind":"household_visit","notes":"问了用水"%s}`, id, household, extra)
	}
	future := time.Now().Add(time.Hour).Format(time.RFC3339)
	lon, lat := hhA.Location[0], hhA.Location[1]

	cases := []struct {
		name       string
		srv        *api.Server
		body       string
		wantStatus int
		wantInBody string
	}{
		{"member's entry", memberSrv, entry("app-http-0001", hhA.ExternalID, ""), 201, `"created":true`},
		{"its retry", memberSrv, entry("app-http-0001", hhA.ExternalID, ""), 200, `"created":false`},
		{"with the phone's place", memberSrv, entry("app-http-0002", hhA.ExternalID, fmt.Sprintf(`,"lon":%v,"lat":%v`, lon, lat)), 201, `"member":"` + m.Code + `"`},
		{"planner", plannerSrv, entry("app-http-0003", hhA.ExternalID, `,"member":"`+m.Code+`"`), 403, "needs the member, team_leader or admin role"},
		{"no id", memberSrv, `{"household":"` + hhA.ExternalID + `","kind":"household_visit"}`, 400, `"id: missing`},
		{"id without app-", memberSrv, entry("V00000001", hhA.ExternalID, ""), 400, `"id: \"V00000001\" is not an entry id`},
		{"no household", memberSrv, `{"id":"app-http-0004","kind":"household_visit"}`, 400, `"household: missing`},
		{"unknown kind", memberSrv, `{"id":"app-http-0004","household":"` + hhA.ExternalID + `","kind":"chat"}`, 400, `"kind: \"chat\" is not a kind`},
		{"negative participants", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"participants":-1`), 400, `"participants: -1`},
		{"participants as text", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"participants":"two"`), 400, `"participants: want a whole number`},
		{"more resolved than collected", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"problems_collected":1,"problems_resolved":2`), 400, `"problems_resolved: more problems resolved`},
		{"petition as text", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"petition_resolved":"是"`), 400, `"petition_resolved: want true or false`},
		{"notes too long", memberSrv, `{"id":"app-http-0004","household":"` + hhA.ExternalID + `","kind":"household_visit","notes":"` + strings.Repeat("长", 4001) + `"}`, 400, `"notes: 4001 characters`},
		{"in the future", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"occurred_at":"`+future+`"`), 400, `"occurred_at: `},
		{"before the campaign", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"occurred_at":"2026-02-28 23:59"`), 400, `is before the campaign began (2026-03-01)`},
		{"not a time", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"occurred_at":"yesterday"`), 400, `"occurred_at: \"yesterday\" is not a time`},
		{"lon without lat", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"lon":120.05`), 400, `"lat: missing while lon is given`},
		{"swapped place", memberSrv, entry("app-http-0004", hhA.ExternalID, fmt.Sprintf(`,"lon":%v,"lat":%v`, lat, lon)), 400, `"lon: coordinates look swapped`},
		{"outside the county", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"lon":116.39,"lat":39.91`), 400, `lies outside the county`},
		{"unknown field", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"member_id":7`), 400, `"member_id: unknown field`},
		{"not JSON", memberSrv, `id=app-http-0004`, 400, `"body: want one JSON object`},
		{"another member", memberSrv, entry("app-http-0004", hhA.ExternalID, `,"member":"`+county.Members[1].Code+`"`), 403, "as themselves only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := post(tc.srv, tc.body)
			if w.Code != tc.wantStatus || !strings.Contains(w.Body.String(), tc.wantInBody) {
				t.Errorf("POST %.120s = %d %s; want %d with %s", tc.body, w.Code, w.Body, tc.wantStatus, tc.wantInBody)
			}
		})
	}
	var n int64
	if err := owner.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM visits WHERE external_id LIKE 'app-http-%'`).Scan(&n)
	}); err != nil || n != 2 {
		t.Errorf("visits written: %d (%v), want 2 (app-http-0001 once, app-http-0002)", n, err)
	}

	// Another town's household and an unknown number answer alike.
	other := post(memberSrv, entry("app-http-0005", hhB.ExternalID, ""))
	unknown := post(memberSrv, entry("app-http-0005", "NOSUCH", ""))
	norm := func(w *httptest.ResponseRecorder, code string) string {
		return strings.ReplaceAll(w.Body.String(), code, "CODE")
	}
	if other.Code != 404 || unknown.Code != 404 || norm(other, hhB.ExternalID) != norm(unknown, "NOSUCH") {
		t.Errorf("another town's household = %d %s; an unknown one = %d %s; want the same 404", other.Code, other.Body, unknown.Code, unknown.Body)
	}

	// The member's list holds their entries, newest first.
	w := httptest.NewRecorder()
	memberSrv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/diary?limit=5", nil))
	var list struct {
		Entries []diary.Written `json:"entries"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); w.Code != 200 || err != nil || len(list.Entries) == 0 || list.Entries[0].ID != "app-http-0002" {
		t.Errorf("GET /api/v1/diary?limit=5 = %d %.300s; want the member's entries, app-http-0002 first", w.Code, w.Body)
	}
	for i := 1; i < len(list.Entries); i++ {
		if a, b := list.Entries[i-1], list.Entries[i]; a.OccurredAt.Before(b.OccurredAt) {
			t.Errorf("GET /api/v1/diary: %s (visit at %v) listed before %s (visit at %v), want the latest visit first",
				a.ID, a.OccurredAt, b.ID, b.OccurredAt)
		}
	}
	for _, q := range []string{"limit=0", "limit=x", "limit=501", "colour=red"} {
		w := httptest.NewRecorder()
		memberSrv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/diary?"+q, nil))
		if w.Code != 400 {
			t.Errorf("GET /api/v1/diary?%s = %d %s, want 400", q, w.Code, w.Body)
		}
	}
}
