package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"lianxin/auth"
	"lianxin/export"
)

// TestAdminAuditFilters drives GET /api/v1/admin/audit's filters and
// paging over a fresh database: sixty diary corrections and an import's
// changed rows, found by action, actor, target, an id in the detail and
// the day, with the total and the next page's before_id; a wildcard in the
// subject is a character; bad dates are 400s.
func TestAdminAuditFilters(t *testing.T) {
	f := newAdminFixture(t)
	for i := 1; i <= 60; i++ {
		if err := f.svc.Record(f.ctx, auth.Event{Actor: "office", Action: "diary_correct", Target: "visits",
			Detail: map[string]any{"entry": fmt.Sprintf("V%08d", i), "after": map[string]any{"participants": i}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Record(f.ctx, auth.Event{Actor: "office", Action: "import_changed", Target: "households",
		Detail: map[string]any{"changed": []string{"3212991012010002"}, "changed_count": 1}}); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Events []auth.Event `json:"events"`
		Total  int64        `json:"total"`
		Next   int64        `json:"next_before_id"`
	}
	get := func(t *testing.T, q url.Values, want int) page {
		t.Helper()
		w := f.do(t, f.asAdmin(http.MethodGet, "/api/v1/admin/audit?"+q.Encode(), ""))
		var p page
		if err := json.Unmarshal(w.Body.Bytes(), &p); w.Code != want || err != nil {
			t.Fatalf("GET audit?%s = %d %.300s; want %d", q.Encode(), w.Code, w.Body, want)
		}
		return p
	}
	all := get(t, url.Values{"limit": {"1000"}}, 200)
	today := time.Now().In(export.CampaignZone).Format("2006-01-02")
	tomorrow := time.Now().In(export.CampaignZone).AddDate(0, 0, 1).Format("2006-01-02")
	for _, tc := range []struct {
		name   string
		q      url.Values
		total  int64
		listed int
		check  func(e auth.Event) bool
	}{
		{"by action, a page", url.Values{"action": {"diary_correct"}, "limit": {"50"}}, 60, 50, func(e auth.Event) bool { return e.Action == "diary_correct" }},
		{"an entry's id in the detail", url.Values{"subject": {"v00000042"}}, 1, 1, func(e auth.Event) bool { return e.Detail["entry"] == "V00000042" }},
		{"a household an import changed", url.Values{"subject": {"3212991012010002"}}, 1, 1, func(e auth.Event) bool { return e.Action == "import_changed" }},
		{"a wildcard is a character", url.Values{"subject": {"%"}}, 0, 0, nil},
		{"by target", url.Values{"target": {"households"}}, 1, 1, func(e auth.Event) bool { return e.Target == "households" }},
		{"actor and action", url.Values{"actor": {"office"}, "action": {"import_changed"}}, 1, 1, func(e auth.Event) bool { return e.Actor == "office" }},
		{"actor in another case", url.Values{"actor": {"OFFICE"}, "action": {"import_changed"}}, 1, 1, func(e auth.Event) bool { return e.Actor == "office" }},
		{"today", url.Values{"from": {today}, "to": {tomorrow}, "limit": {"1000"}}, all.Total, len(all.Events), nil},
		{"from tomorrow", url.Values{"from": {tomorrow}}, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := get(t, tc.q, 200)
			if p.Total != tc.total || len(p.Events) != tc.listed {
				t.Fatalf("total %d, %d listed; want %d and %d", p.Total, len(p.Events), tc.total, tc.listed)
			}
			for _, e := range p.Events {
				if tc.check != nil && !tc.check(e) {
					t.Errorf("event %d (%s %s %v) does not match", e.ID, e.Action, e.Target, e.Detail)
				}
			}
		})
	}
	// The second page follows the first: the older ten, none twice.
	p1 := get(t, url.Values{"action": {"diary_correct"}, "limit": {"50"}}, 200)
	if p1.Next != p1.Events[49].ID {
		t.Fatalf("next_before_id %d, want the last listed %d", p1.Next, p1.Events[49].ID)
	}
	p2 := get(t, url.Values{"action": {"diary_correct"}, "limit": {"50"}, "before_id": {fmt.Sprint(p1.Next)}}, 200)
	if len(p2.Events) != 10 || p2.Total != 60 || p2.Events[0].ID >= p1.Next || p2.Next != 0 {
		t.Errorf("page 2: %d events from id %d, total %d, next %d; want the 10 older, total 60, no next", len(p2.Events), p2.Events[0].ID, p2.Total, p2.Next)
	}
	for _, q := range []url.Values{{"from": {"2026-13-01"}}, {"from": {today}, "to": {today}}, {"subject": {string(make([]byte, 201))}}} {
		get(t, q, 400)
	}
}
