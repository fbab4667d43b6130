package api_test

import (
	"encoding/json"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/store"
)

// PATCH /api/v1/campaign sets the campaign's last day for an admin, as the
// server runs (its own role, which may write only that column, under an
// admin's scope: migration 039), with one
// audit line naming who, what it was and what it is now; a planner is
// refused, a day before the start is refused naming ends_on with its reason
// (ends_before_start), and neither writes anything.
func TestCampaignEndAPI(t *testing.T) {
	f, _ := newDemoAuthServer(t,
		auth.NewUser{Username: "admin", Password: "admin-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RoleAdmin}}},
		auth.NewUser{Username: "planner", Password: "planner-password-1", Roles: []auth.RoleGrant{{Role: lianxin.RolePlanner}}})
	ctx, svc := f.ctx, f.svc
	admin, adminMe := f.login(t, "admin", "admin-password-1")
	planner, plannerMe := f.login(t, "planner", "planner-password-1")
	events := func(t *testing.T) []auth.Event {
		t.Helper()
		es, err := svc.Audit(ctx, auth.AuditFilter{Action: store.ActionCampaignEnd, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	endsOn := func(t *testing.T) any {
		t.Helper()
		rec := f.do(t, call{method: "GET", path: "/api/v1/campaign", cookie: admin})
		var c map[string]any
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &c) != nil {
			t.Fatalf("GET /api/v1/campaign = %d %s", rec.Code, rec.Body)
		}
		return c["ends_on"]
	}
	was := endsOn(t)
	if was != "2026-09-30" {
		t.Fatalf("set-up: the demo campaign ends on %v, want 2026-09-30", was)
	}

	for _, tc := range []struct {
		name, body string
		admin      bool
		status     int
		reason     string
		want       any // ends_on afterwards
		detail     map[string]any
	}{
		{"admin sets a day", `{"ends_on": "2026-11-30"}`, true, 200, "", "2026-11-30", map[string]any{"ends_on": "2026-11-30", "was": "2026-09-30"}},
		{"planner refused", `{"ends_on": "2026-12-31"}`, false, 403, "", "2026-11-30", nil},
		{"before the start refused", `{"ends_on": "2026-02-28"}`, true, 400, "ends_before_start", "2026-11-30", nil},
		{"not a day refused", `{"ends_on": "30/11/2026"}`, true, 400, "bad_day", "2026-11-30", nil},
		{"no ends_on refused", `{}`, true, 400, "", "2026-11-30", nil},
		{"the first day itself", `{"ends_on": "2026-03-01"}`, true, 200, "", "2026-03-01", map[string]any{"ends_on": "2026-03-01", "was": "2026-11-30"}},
		{"admin clears it", `{"ends_on": null}`, true, 200, "", nil, map[string]any{"ends_on": nil, "was": "2026-03-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(events(t))
			ck, csrf := planner, plannerMe.CSRFToken
			if tc.admin {
				ck, csrf = admin, adminMe.CSRFToken
			}
			rec := f.do(t, call{method: "PATCH", path: "/api/v1/campaign", body: tc.body, cookie: ck, header: map[string]string{api.CSRFHeader: csrf}})
			if rec.Code != tc.status {
				t.Fatalf("PATCH %s = %d %s, want %d", tc.body, rec.Code, rec.Body, tc.status)
			}
			if tc.reason != "" {
				var e struct {
					Error struct {
						Details struct {
							Field, Reason string
						} `json:"details"`
					} `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Details.Reason != tc.reason || e.Error.Details.Field != "ends_on" {
					t.Errorf("PATCH %s: %s, want field ends_on, reason %s", tc.body, rec.Body, tc.reason)
				}
			}
			if got := endsOn(t); got != tc.want {
				t.Errorf("ends_on %v after PATCH %s, want %v", got, tc.body, tc.want)
			}
			after := events(t)
			switch {
			case tc.detail == nil && len(after) != before:
				t.Errorf("%d audit lines after a refused PATCH, want %d", len(after), before)
			case tc.detail != nil:
				if len(after) != before+1 {
					t.Fatalf("%d audit lines, want %d (one more)", len(after), before+1)
				}
				e := after[0]
				if e.Actor != "admin" || e.Target != "campaign" || e.Rows == nil || *e.Rows != 1 ||
					e.Detail["ends_on"] != tc.detail["ends_on"] || e.Detail["was"] != tc.detail["was"] {
					t.Errorf("audit line %+v (rows %v), want admin on campaign, 1 row, detail %v", e, e.Rows, tc.detail)
				}
			}
		})
	}
}
