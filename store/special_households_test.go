package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// wantSpecialUnvisited computes, from the generated county rather than SQL,
// the list GET /api/v1/reports/special-households should give: town's
// special households (mask) with no entry in [from, to), by village code
// then household number, with the latest entry's day before from.
func wantSpecialUnvisited(c *demo.County, town int32, from, to time.Time, mask int16) []string {
	villages := map[int32]demo.Village{}
	for _, v := range c.Villages {
		villages[v.ID] = v
	}
	inWindow := map[int64]bool{}
	last := map[int64]time.Time{}
	for _, v := range c.Visits {
		if v.HouseholdID == 0 {
			continue
		}
		if !v.OccurredAt.Before(from) && v.OccurredAt.Before(to) {
			inWindow[v.HouseholdID] = true
		}
		if v.OccurredAt.Before(from) && v.OccurredAt.After(last[v.HouseholdID]) {
			last[v.HouseholdID] = v.OccurredAt
		}
	}
	type row struct{ village, line string }
	var rows []row
	for _, h := range c.Households {
		var flags int16
		for i := range coverage.Groups {
			if h.Flags[i] {
				flags |= 1 << i
			}
		}
		if h.TownID != town || flags&mask == 0 || inWindow[h.ID] {
			continue
		}
		lv := "never"
		if t, ok := last[h.ID]; ok {
			lv = t.In(coverage.Zone).Format(coverage.DayLayout)
		}
		v := villages[h.VillageID]
		rows = append(rows, row{v.Code, fmt.Sprintf("%s %s %v %d %s", v.Code, h.ExternalID, coverage.GroupsOf(flags), h.Residents, lv)})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.line, b.line) })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.line
	}
	return out
}

func specialLines(rows []coverage.SpecialHousehold) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		lv := "never"
		if r.LastVisit != nil {
			lv = *r.LastVisit
		}
		out[i] = fmt.Sprintf("%s %s %v %d %s", r.VillageCode, r.Household, r.Groups, r.Residents, lv)
	}
	return out
}

// The unvisited special-group households (five full coverages #4 and #5)
// a team leader takes into the field: exactly the generated county's, for
// their own town only, with names only under the personal-fields grant.
func TestSpecialHouseholdsUnvisited(t *testing.T) {
	ctx := context.Background()
	owner, dbURL, county := demotest.New(t)
	_ = owner
	app := openApp(t, dbURL, store.Options{MaxConns: 2})
	town, other := county.Towns[0], county.Towns[1]
	var team string
	for _, tm := range county.Teams {
		if tm.TownID == town.ID {
			team = tm.Code
		}
	}
	now := func() time.Time { return day("2026-11-27") }
	r := coverage.NewReports(app, now)

	leader := lianxin.Scope{User: "leader-test", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{town.ID},
		HouseholdPoints: true, PersonalFields: true}
	gisPoints := lianxin.Scope{User: "gis-test", Roles: []lianxin.Role{lianxin.RoleGIS}, AllTowns: true, HouseholdPoints: true}
	planner := lianxin.Scope{User: "planner-test", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}
	member := lianxin.Scope{User: "member-test", Roles: []lianxin.Role{lianxin.RoleMember}, Towns: []int32{town.ID}}

	cases := []struct {
		name      string
		scope     lianxin.Scope
		q         coverage.SpecialHouseholdQuery
		from, to  string // the window the answer should cover
		mask      int16
		wantErr   string
		wantNames bool
	}{
		{"leader, own towns by default, whole campaign", leader, coverage.SpecialHouseholdQuery{},
			"2026-03-01", "2026-11-28", coverage.GroupMask(), "", true},
		{"leader, by team, one month", leader, coverage.SpecialHouseholdQuery{Query: coverage.Query{Team: team, From: day("2026-06-01"), To: day("2026-07-01")}},
			"2026-06-01", "2026-07-01", coverage.GroupMask(), "", true},
		{"leader, poor only", leader, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: town.Code, From: day("2026-05-01"), To: day("2026-08-01")}, Group: coverage.Poor},
			"2026-05-01", "2026-08-01", coverage.GroupMask(coverage.Poor), "", true},
		{"leader, empty-nest only", leader, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: town.Code}, Group: coverage.EmptyNest},
			"2026-03-01", "2026-11-28", coverage.GroupMask(coverage.EmptyNest), "", true},
		{"gis with household points, no names", gisPoints, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: town.Code, From: day("2026-04-01"), To: day("2026-06-01")}},
			"2026-04-01", "2026-06-01", coverage.GroupMask(), "", false},
		{"leader, another town", leader, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: other.Code}}, "", "", 0, lianxin.EForbidden, false},
		{"gis without a town", gisPoints, coverage.SpecialHouseholdQuery{}, "", "", 0, lianxin.EInvalid, false},
		{"planner without household access", planner, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: town.Code}}, "", "", 0, lianxin.EForbidden, false},
		{"member without household access", member, coverage.SpecialHouseholdQuery{}, "", "", 0, lianxin.EForbidden, false},
		{"unknown town", gisPoints, coverage.SpecialHouseholdQuery{Query: coverage.Query{Town: "NOPE"}}, "", "", 0, lianxin.ENotFound, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, w, err := r.SpecialHouseholds(ctx, app, tc.scope, tc.q)
			if tc.wantErr != "" {
				if lianxin.ErrorCode(err) != tc.wantErr {
					t.Fatalf("asked %+v as %s: got %d rows, error %v; want a %s error", tc.q, tc.scope.User, len(rows), err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("asked %+v as %s: %v", tc.q, tc.scope.User, err)
			}
			if got := w.String(); got != fmt.Sprintf("[%s, %s)", tc.from, tc.to) {
				t.Fatalf("asked %+v: window %s, want [%s, %s)", tc.q, got, tc.from, tc.to)
			}
			want := wantSpecialUnvisited(county, town.ID, day(tc.from), day(tc.to), tc.mask)
			got := specialLines(rows)
			if len(want) == 0 {
				t.Fatalf("the demo county has no unvisited special household in town %s over %s: the case tests nothing", town.Code, w)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("asked %+v: got %d rows, want %d; first differences:\n%s", tc.q, len(got), len(want), firstDiff(got, want))
			}
			// Sorted by village then household, as the field list needs.
			if !slices.IsSortedFunc(rows, func(a, b coverage.SpecialHousehold) int {
				return strings.Compare(a.VillageCode+" "+a.Household, b.VillageCode+" "+b.Household)
			}) {
				t.Errorf("asked %+v: rows not sorted by village then household", tc.q)
			}
			named := 0
			for _, x := range rows {
				if x.HeadName != nil && *x.HeadName != "" {
					named++
				}
				if x.TownCode != town.Code {
					t.Fatalf("asked %+v: row of town %s, want %s only", tc.q, x.TownCode, town.Code)
				}
			}
			if tc.wantNames && named != len(rows) || !tc.wantNames && named != 0 {
				t.Errorf("asked %+v as %s: %d of %d rows carry a head's name, want names=%v", tc.q, tc.scope.User, named, len(rows), tc.wantNames)
			}
		})
	}
}

func firstDiff(got, want []string) string {
	var b strings.Builder
	for i := 0; i < max(len(got), len(want)) && b.Len() < 800; i++ {
		g, w := "-", "-"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "  row %d: got %q, want %q\n", i, g, w)
		}
	}
	return b.String()
}
