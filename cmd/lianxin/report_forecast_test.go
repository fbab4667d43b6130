package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lianxin"
)

// `lianxin report forecast` answers what GET /api/v1/reports/forecast
// answers: --as-of is the API's window ending the day after it, --ends-on
// its ends_on; the JSON is the API's (as_of, last_diary_on, diary_stalled,
// ended and the rows), the Chinese CSV the API's bytes with where it
// stands said on stderr, and a campaign whose end has passed is its
// standing at the end, nothing projected. The demo's campaign runs
// 2026-03-01 to 2026-09-30, its diary to the end.
func TestReportForecast(t *testing.T) {
	f := newReportFixture(t)
	town := f.county.Towns[1].Code
	for _, tc := range []struct {
		name  string
		flags []string
		query string // the API's parameters of the same forecast
		asOf  string
		ended bool
		// stalled: the diary has no entry in the four weeks to as_of.
		stalled bool
		note    string // part of what stderr says over the Chinese CSV
	}{
		{"asked after the end: the standing at the end", nil, "", "2026-09-30", true, false, "活动已于 2026-09-30 结束"},
		{"as of a day in the campaign", []string{"--as-of", "2026-08-01"}, "to=2026-08-02", "2026-08-01", false, false, "数据截至 2026-08-01"},
		{"as of a day after the end", []string{"--as-of", "2026-10-20"}, "to=2026-10-21", "2026-09-30", true, false, "以下为结束时的达标情况"},
		{"a far end, the diary stalled", []string{"--as-of", "2026-11-01", "--ends-on", "2099-12-31"}, "to=2026-11-02&ends_on=2099-12-31", "2026-11-01", false, true, "近四周没有新的日记"},
		{"one town from a day", []string{"--town", town, "--from", "2026-05-01", "--as-of", "2026-07-15"}, "town=" + town + "&from=2026-05-01&to=2026-07-16", "2026-07-15", false, false, "按活动最后一天 2026-09-30 判断"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := f.report(t, "forecast", tc.flags...)
			if err != nil {
				t.Fatalf("report forecast %q = %v", tc.flags, err)
			}
			status, body := f.get(t, "/api/v1/reports/forecast?"+tc.query)
			if status != 200 {
				t.Fatalf("GET forecast?%s = %d %.300s", tc.query, status, body)
			}
			var got, want map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("report forecast %q: %.200s: %v", tc.flags, out, err)
			}
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				delete(got, "rows")
				delete(want, "rows")
				t.Errorf("report forecast %q = %v (rows apart), want the API's answer to ?%s: %v", tc.flags, got, tc.query, want)
			}
			if got["as_of"] != tc.asOf || got["ended"] != tc.ended || got["diary_stalled"] != tc.stalled {
				t.Errorf("report forecast %q: as_of %v, ended %v, diary_stalled %v; want %s, %v, %v",
					tc.flags, got["as_of"], got["ended"], got["diary_stalled"], tc.asOf, tc.ended, tc.stalled)
			}
			rows, _ := got["rows"].([]any)
			if len(rows) == 0 {
				t.Fatalf("report forecast %q: no rows", tc.flags)
			}
			for _, r := range rows {
				r := r.(map[string]any)
				status := r["status"]
				projected := status == "on_pace" || status == "not_at_this_pace" || r["reaches_on"] != nil
				if tc.ended && projected {
					t.Errorf("report forecast %q: village %v %v, reaches_on %v in an ended campaign, want nothing projected",
						tc.flags, r["village_code"], status, r["reaches_on"])
				}
				if !tc.ended && status == "not_reached" {
					t.Errorf("report forecast %q: village %v not_reached while the campaign runs", tc.flags, r["village_code"])
				}
			}

			csvOut, note, err := f.report(t, "forecast", append([]string{"--format", "csv", "--lang", "zh"}, tc.flags...)...)
			if err != nil {
				t.Fatalf("report forecast --format csv %q = %v", tc.flags, err)
			}
			_, wantCSV := f.get(t, "/api/v1/reports/forecast?format=csv&lang=zh&"+tc.query)
			if !bytes.Equal(csvOut, wantCSV) {
				t.Errorf("report forecast --format csv %q: %.200q; want the API's %.200q", tc.flags, csvOut, wantCSV)
			}
			if !strings.Contains(string(note), tc.note) || !strings.Contains(string(note), "民情日记最近一条记于") {
				t.Errorf("report forecast --format csv %q said %q on stderr, want %q and the diary's last entry", tc.flags, note, tc.note)
			}
		})
	}
}

// A forecast asked wrongly is refused for the reason the API gives the same
// question (field and reason), and writes nothing; --as-of names the field
// as_of, where the API's window names to.
func TestReportForecastRefusals(t *testing.T) {
	f := newReportFixture(t)
	for _, tc := range []struct {
		name          string
		flags         []string
		query         string // the API's parameters of the same question
		field, reason string // what the command says; the API's reason is the same
	}{
		{"as-of not a day", []string{"--as-of", "1 Aug"}, "to=1%20Aug", "as_of", "bad_day"},
		{"as-of before the campaign", []string{"--as-of", "2026-02-01"}, "to=2026-02-02", "from", "window_order"},
		{"from after as-of", []string{"--from", "2026-06-01", "--as-of", "2026-05-01"}, "from=2026-06-01&to=2026-05-02", "from", "window_order"},
		{"ends-on not a day", []string{"--ends-on", "2026/09/30"}, "ends_on=2026/09/30", "ends_on", "bad_day"},
		{"ends-on before the window", []string{"--from", "2026-05-01", "--ends-on", "2026-04-01"}, "from=2026-05-01&ends_on=2026-04-01", "ends_on", "window_order"},
		{"town unknown", []string{"--town", "nowhere", "--as-of", "2026-08-01"}, "town=nowhere&to=2026-08-02", "town", "town_unknown"},
		{"geojson", []string{"--format", "geojson"}, "format=geojson", "format", "bad_format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := f.report(t, "forecast", tc.flags...)
			r, ok := lianxin.RefusalOf(err)
			if !ok || r.Field != tc.field || r.Reason != tc.reason || len(out) != 0 {
				t.Errorf("report forecast %q = %v (refusal %+v), %d bytes out; want field %s, reason %s, nothing written",
					tc.flags, err, r, len(out), tc.field, tc.reason)
			}
			status, body := f.get(t, "/api/v1/reports/forecast?"+tc.query)
			var e struct {
				Error struct {
					Details struct{ Reason string } `json:"details"`
				} `json:"error"`
			}
			if status < 400 || json.Unmarshal(body, &e) != nil || e.Error.Details.Reason != tc.reason {
				t.Errorf("GET forecast?%s = %d %.200s, want reason %s as the command says", tc.query, status, body, tc.reason)
			}
		})
	}
	for _, tc := range []struct {
		name, report string
		flags        []string
		says         string
	}{
		{"as-of and to", "forecast", []string{"--as-of", "2026-08-01", "--to", "2026-08-02"}, "give one"},
		{"as-of of another report", "gaps", []string{"--as-of", "2026-08-01"}, "the forecast's"},
		{"ends-on of another report", "summary", []string{"--ends-on", "2026-09-30"}, "the forecast's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := f.report(t, tc.report, tc.flags...)
			if err == nil || !strings.Contains(err.Error(), tc.says) || len(out) != 0 {
				t.Errorf("report %s %q = %v, %d bytes out; want refused (%q), nothing written", tc.report, tc.flags, err, len(out), tc.says)
			}
		})
	}
}
