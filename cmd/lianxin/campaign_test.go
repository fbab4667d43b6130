package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// TestCampaignEnd sets the campaign's last day with `lianxin campaign
// --ends-on`, as an admin does, and checks the forecast's default end
// follows it (GET /api/v1/reports/forecast without ends_on, and
// GET /api/v1/campaign), an explicit ends_on still wins, and without an end
// the default is a year after the start as before. A day before the start
// is refused and changes nothing.
func TestCampaignEnd(t *testing.T) {
	ctx := context.Background()
	st, url, _ := demotest.New(t)
	system := lianxin.SystemScope()
	srv := httptest.NewServer(api.NewServer(api.Config{}, api.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Health: st, DefaultScope: &system, Reports: st}))
	t.Cleanup(srv.Close)
	campaign := func(t *testing.T, args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, append([]string{"campaign", "--database-url", url, "--log-level", "warn"}, args...), func(string) string { return "" }, &out, &out)
		return out.String(), err
	}
	endsOn := func(t *testing.T, path string) *string {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var answer struct {
			EndsOn *string `json:"ends_on"`
		}
		if err := json.NewDecoder(res.Body).Decode(&answer); res.StatusCode != 200 || err != nil {
			t.Fatalf("GET %s = %d, %v", path, res.StatusCode, err)
		}
		return answer.EndsOn
	}
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return *p
	}
	const forecast = "/api/v1/reports/forecast?from=2026-03-01&to=2026-08-02"
	check := func(t *testing.T, wantCampaign, wantForecast string) {
		t.Helper()
		if got := str(endsOn(t, "/api/v1/campaign")); got != wantCampaign {
			t.Errorf("GET /api/v1/campaign: ends_on %s, want %s", got, wantCampaign)
		}
		if got := str(endsOn(t, forecast)); got != wantForecast {
			t.Errorf("GET %s: ends_on %s, want %s", forecast, got, wantForecast)
		}
		if got := str(endsOn(t, forecast+"&ends_on=2026-10-15")); got != "2026-10-15" {
			t.Errorf("GET %s&ends_on=2026-10-15: ends_on %s, want the one named", forecast, got)
		}
	}

	t.Run("the demo's end", func(t *testing.T) {
		out, err := campaign(t)
		if err != nil || !strings.Contains(out, "starts on: 2026-03-01") || !strings.Contains(out, "ends on: 2026-09-30") {
			t.Fatalf("lianxin campaign = %v\n%s\nwant it to say the demo's start and end", err, out)
		}
		check(t, "2026-09-30", "2026-09-30")
	})
	t.Run("set by an admin", func(t *testing.T) {
		if out, err := campaign(t, "--ends-on", "2026-11-30"); err != nil || !strings.Contains(out, "ends on: 2026-11-30") {
			t.Fatalf("lianxin campaign --ends-on 2026-11-30 = %v\n%s", err, out)
		}
		check(t, "2026-11-30", "2026-11-30")
	})
	t.Run("before the start, refused", func(t *testing.T) {
		out, err := campaign(t, "--ends-on", "2026-02-01")
		if err == nil || !strings.Contains(err.Error(), "before the campaign's start") {
			t.Fatalf("lianxin campaign --ends-on 2026-02-01 = %v\n%s; want it refused", err, out)
		}
		check(t, "2026-11-30", "2026-11-30")
	})
	t.Run("no end: a year after the start", func(t *testing.T) {
		if out, err := campaign(t, "--ends-on", "none"); err != nil || !strings.Contains(out, "ends on: none") {
			t.Fatalf("lianxin campaign --ends-on none = %v\n%s", err, out)
		}
		check(t, "null", "2027-02-28")
	})
	// Each change the command line made wrote the admin view's audit line,
	// by the command line; the refused one wrote none.
	t.Run("audited", func(t *testing.T) {
		rows, err := storetest.Connect(t, url).Query(ctx, `SELECT actor, target, detail->>'ends_on', coalesce(detail->>'was', 'null'), rows
FROM audit_log WHERE action = 'campaign_end' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var actor, target, was string
			var end *string
			var n int64
			if err := rows.Scan(&actor, &target, &end, &was, &n); err != nil {
				t.Fatal(err)
			}
			got = append(got, actor+" "+target+" "+str(end)+" was "+was+" "+strconv.FormatInt(n, 10))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []string{"cli campaign 2026-11-30 was 2026-09-30 1", "cli campaign null was 2026-11-30 1"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
