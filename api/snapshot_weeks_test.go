package api_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/frontend/wordstest"
)

// The snapshots through the API: a planner's is taken over whole weeks and
// says so (as_of the week's last day, as_of_asked the day asked, from and
// to the window), and the refusals of snapshot_weeks.go come with their
// status, reason and field.
func TestSnapshotAPIWholeWeeks(t *testing.T) {
	f := newSnapshotFixture(t)
	mine, planner, leader := f.mine, f.planner, f.leader
	takes := []struct {
		name, srv, asOf, town string
		want                  snap
	}{
		{"planner, Monday", planner, "2026-06-01", "", snap{AsOf: "2026-06-06", AsOfAsked: "2026-06-01", From: "2026-03-01", To: "2026-06-07"}},
		{"planner, Tuesday", planner, "2026-06-02", "", snap{AsOf: "2026-06-06", AsOfAsked: "2026-06-02", From: "2026-03-01", To: "2026-06-07"}},
		{"planner, a town", planner, "2026-06-02", mine.Code, snap{AsOf: "2026-06-06", AsOfAsked: "2026-06-02", From: "2026-03-01", To: "2026-06-07", Town: mine.Code}},
		{"leader, own town, Monday", leader, "2026-06-01", mine.Code, snap{AsOf: "2026-06-01", AsOfAsked: "2026-06-01", From: "2026-03-01", To: "2026-06-02", Town: mine.Code}},
		{"leader, own town, Tuesday", leader, "2026-06-02", mine.Code, snap{AsOf: "2026-06-02", AsOfAsked: "2026-06-02", From: "2026-03-01", To: "2026-06-03", Town: mine.Code}},
	}
	ids := make([]int64, len(takes))
	for i, tc := range takes {
		got := f.take(t, tc.srv, tc.asOf, tc.town)
		ids[i] = got.ID
		tc.want.ID = got.ID
		if got != tc.want {
			t.Errorf("%s: snapshot as of %s = %+v, want %+v", tc.name, tc.asOf, got, tc.want)
		}
	}
	path := func(a, b int) string { return fmt.Sprintf("/api/v1/snapshots/%d/diff/%d", ids[a], ids[b]) }
	for _, tc := range []struct {
		name, srv, method, path, body string
		status                        int
		field, reason                 string
	}{
		{"as_of to come", planner, "POST", "/api/v1/snapshots", `{"as_of":"2099-01-01"}`, 400, "as_of", coverage.SnapReasonAsOfFuture},
		{"as_of before the campaign", planner, "POST", "/api/v1/snapshots", `{"as_of":"2026-01-01"}`, 400, "as_of", coverage.SnapReasonAsOfBeforeCampaign},
		{"county against a town", planner, "GET", path(0, 2), "", 400, "", coverage.SnapReasonAreasDiffer},
		{"the leader's days, as planner", planner, "GET", path(3, 4), "", 400, "", coverage.SnapReasonNotWholeWeeks},
		{"the leader's days, as the leader", leader, "GET", path(3, 4), "", 200, "", ""},
		{"a day apart, as planner: one window", planner, "GET", path(0, 1), "", 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, raw := f.call(t, tc.srv, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("%s %s %s = %d %.300s, want %d", tc.method, tc.path, tc.body, code, raw, tc.status)
			}
			if tc.status == 200 {
				var d struct {
					Summary map[string]float64 `json:"summary"`
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					t.Fatal(err)
				}
				if tc.srv == planner {
					for k, v := range d.Summary {
						if v != 0 {
							t.Errorf("%s: summary %s moved by %v, want 0: as_of 06-01 and 06-02 are one week for a planner", tc.path, k, v)
						}
					}
				}
				return
			}
			var got refusalBody
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			if got.Error.Details.Reason != tc.reason || got.Error.Details.Field != tc.field || got.Error.Code != lianxin.EInvalid {
				t.Errorf("%s %s: %+v, want invalid, field %q reason %q", tc.method, tc.path, got.Error, tc.field, tc.reason)
			}
		})
	}
}

// Every number of the summary a snapshot comparison may show as a card is
// worded in both languages of the web map (snap.sum.<key>, or the summary
// panel's summary.<key>): a card titled with its JSON name
// (household_visit_entries) is a raw key on the page.
func TestSnapshotSummaryCardsWorded(t *testing.T) {
	zh, en := wordstest.Tables(t)
	tables := map[string]string{"zh-CN": zh, "en": en}
	typ := reflect.TypeOf(coverage.Summary{})
	n := 0
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Type.Kind() != reflect.Int64 {
			continue
		}
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		n++
		for lang, table := range tables {
			if !strings.Contains(table, "\n  'snap.sum."+key+"': ") && !strings.Contains(table, "\n  'summary."+key+"': ") {
				t.Errorf("i18n.js %s: neither snap.sum.%s nor summary.%s: the comparison would title its card %q", lang, key, key, key)
			}
		}
	}
	if n < 20 {
		t.Fatalf("coverage.Summary: %d numbers, want the summary's twenty-odd", n)
	}
}
