package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"lianxin"
	"lianxin/api"
	"lianxin/coverage"
	"lianxin/demo/demotest"
)

// TestForecastWindows: a team leader's forecast of their own town is over
// the window as asked, as their gap table is, village by village (it was
// widened to whole weeks like another town's); and a campaign that ended
// mid-week stands, for a role bound to whole weeks, as of the end of its
// last whole week, never counting an entry after the end (it counted the
// rest of that week), while the leader's own town stands at the end itself.
func TestForecastWindows(t *testing.T) {
	st, _, county := demotest.New(t)
	server := func(scope lianxin.Scope) http.Handler {
		return api.NewServer(api.Config{}, api.Deps{Logger: quietLogger(), Health: st, Reports: st, DefaultScope: &scope})
	}
	town := county.Towns[0]
	leader := server(lianxin.Scope{User: "fw-leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town.ID}, HouseholdPoints: true})
	planner := server(lianxin.Scope{User: "fw-planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true})

	type village struct {
		VillageCode      string `json:"village_code"`
		VisitedResidents int64  `json:"visited_residents"`
		Suppressed       bool   `json:"suppressed"`
	}
	type answer struct {
		From, To, AsOf, EndsOn string
		Ended                  bool
		Rows                   []village
	}
	get := func(srv http.Handler, path string) answer {
		t.Helper()
		res, body := do(t, srv, "GET", path, "")
		var a struct {
			From   string    `json:"from"`
			To     string    `json:"to"`
			AsOf   string    `json:"as_of"`
			EndsOn string    `json:"ends_on"`
			Ended  bool      `json:"ended"`
			Rows   []village `json:"rows"`
		}
		if res.StatusCode != 200 || json.Unmarshal(body, &a) != nil {
			t.Fatalf("GET %s = %d %.300s, want 200 JSON", path, res.StatusCode, body)
		}
		return answer{a.From, a.To, a.AsOf, a.EndsOn, a.Ended, a.Rows}
	}
	// sameAsGaps checks each village the forecast shows against the gap
	// table over the same days.
	sameAsGaps := func(srv http.Handler, f answer, query string) {
		t.Helper()
		g := get(srv, "/api/v1/reports/gaps?all=true&"+query)
		visited := map[string]int64{}
		for _, v := range g.Rows {
			visited[v.VillageCode] = v.VisitedResidents
		}
		some := false
		for _, v := range f.Rows {
			if v.Suppressed {
				continue
			}
			if got, ok := visited[v.VillageCode]; !ok || got != v.VisitedResidents {
				t.Errorf("village %s: the forecast counts %d residents visited, the gap table over %s %d", v.VillageCode, v.VisitedResidents, query, got)
			}
			some = some || v.VisitedResidents > 0
		}
		if !some {
			t.Errorf("no village with residents visited by %s: the comparison proves nothing", f.To)
		}
	}

	t.Run("a leader's own town over the days asked", func(t *testing.T) {
		q := "town=" + town.Code + "&from=2026-03-01&to=2026-08-12"
		f := get(leader, "/api/v1/reports/forecast?"+q)
		if f.From != "2026-03-01" || f.To != "2026-08-12" || f.AsOf != "2026-08-11" || f.Ended {
			t.Fatalf("leader's forecast: %s to %s as of %s (ended %v), want 2026-03-01 to 2026-08-12 as of 2026-08-11", f.From, f.To, f.AsOf, f.Ended)
		}
		sameAsGaps(leader, f, q)
	})

	t.Run("ended mid-week: a leader's own town stands at the end", func(t *testing.T) {
		f := get(leader, "/api/v1/reports/forecast?town="+town.Code+"&ends_on=2026-08-13")
		if !f.Ended || f.EndsOn != "2026-08-13" || f.To != "2026-08-14" || f.AsOf != "2026-08-13" {
			t.Fatalf("leader's ended forecast: ended %v on %s, to %s as of %s; want ended on 2026-08-13, to 2026-08-14", f.Ended, f.EndsOn, f.To, f.AsOf)
		}
		sameAsGaps(leader, f, "town="+town.Code+"&from="+f.From+"&to="+f.To)
	})

	t.Run("ended mid-week: whole weeks stop before the end", func(t *testing.T) {
		f := get(planner, "/api/v1/reports/forecast?ends_on=2026-08-13")
		from, err1 := time.Parse(coverage.DayLayout, f.From)
		to, err2 := time.Parse(coverage.DayLayout, f.To)
		if err1 != nil || err2 != nil {
			t.Fatalf("planner's ended forecast: from %q to %q", f.From, f.To)
		}
		weeks := to.Sub(from).Hours() / 24 / 7
		if !f.Ended || f.To > "2026-08-14" || f.To <= "2026-08-07" || f.AsOf > "2026-08-13" || weeks != float64(int(weeks)) {
			t.Fatalf("planner's ended forecast: ended %v, %s to %s as of %s (%.2f weeks); want whole weeks ending within the campaign's last week, as of no later than 2026-08-13",
				f.Ended, f.From, f.To, f.AsOf, weeks)
		}
		sameAsGaps(planner, f, "from="+f.From+"&to="+f.To)
	})
}
