package coverage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/privacy"
)

// worksSQL totals the register's works and projects of a town (NULL: the
// county) the plain way, as the owner reads the tables.
const worksSQL = `
SELECT (SELECT count(*) FROM river_works WHERE kind = 'road' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT coalesce(round(sum(length_metres)), 0)::bigint FROM river_works WHERE kind = 'road' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM river_works WHERE kind = 'river_dredging' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT coalesce(round(sum(length_metres)), 0)::bigint FROM river_works WHERE kind = 'river_dredging' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM river_works WHERE kind = 'road' AND status = 'completed' AND completed_on >= $2 AND completed_on < $3 AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM projects WHERE kind = 'bridge' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM projects WHERE kind = 'refuse_station' AND status = 'completed' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM projects WHERE status IN ('under_way', 'completed') AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT coalesce(sum(investment_yuan), 0)::bigint FROM projects WHERE status IN ('under_way', 'completed') AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1))),
       (SELECT count(*) FROM projects WHERE kind = 'key_enterprise' AND status = 'planned' AND ($1::text IS NULL OR town_id = (SELECT id FROM towns WHERE code = $1)))`

// The special-group households not visited in the window, each once.
const waitingSQL = `
SELECT count(*) FROM households h
WHERE (h.poor OR h.seriously_ill OR h.disabled OR h.empty_nest OR h.left_behind_children OR h.community_correction)
  AND ($1::text IS NULL OR h.town_id = (SELECT id FROM towns WHERE code = $1))
  AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.household_id = h.id AND x.kind IN ('household_visit', 'assistance_delivery')
                  AND x.occurred_at >= $2 AND x.occurred_at < $3)`

type worksFigures struct {
	roads, roadMetres, rivers, riverMetres, roadsInWindow, bridges, refuse, landed, landedYuan, plannedEnterprises int64
}

func figuresOf(w coverage.Works) worksFigures {
	return worksFigures{w.Roads.Completed, w.Roads.CompletedMetres, w.RiversDredged.Completed, w.RiversDredged.CompletedMetres,
		w.Roads.CompletedInWindow, w.Project(coverage.ProjectBridge).Completed, w.Project(coverage.ProjectRefuseStation).Completed,
		w.ProjectsLanded, w.InvestmentYuanLanded, w.Project(coverage.ProjectKeyEnterprise).Planned}
}

// The summary report's works and projects, and its special-group
// households waiting counted once each, against straightforward SQL over
// the demo county: for every role and area, what the role may count.
func TestSummaryReportAgainstSQL(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "works-member")
	reports := coverage.NewReports(r.app, func() time.Time { return day("2026-11-27") })
	from, to := day("2026-03-01"), day("2026-07-05") // whole weeks: the planner's window is the one asked
	sqlWorks := func(town string) worksFigures {
		var f worksFigures
		var arg any
		if town != "" {
			arg = town
		}
		if err := r.conn.QueryRow(ctx, worksSQL, arg, from.Format(coverage.DayLayout), to.Format(coverage.DayLayout)).Scan(&f.roads, &f.roadMetres, &f.rivers, &f.riverMetres,
			&f.roadsInWindow, &f.bridges, &f.refuse, &f.landed, &f.landedYuan, &f.plannedEnterprises); err != nil {
			t.Fatal(err)
		}
		return f
	}
	sqlWaiting := func(town string) int64 {
		var arg any
		if town != "" {
			arg = town
		}
		var n int64
		if err := r.conn.QueryRow(ctx, waitingSQL, arg, from, to).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	county := sqlWorks("")
	if county.roads == 0 || county.rivers == 0 || county.bridges == 0 || county.landed == 0 {
		t.Fatalf("set-up: the demo county has no roads, rivers, bridges or projects landed: %+v", county)
	}
	for _, tc := range []struct {
		name        string
		scope       lianxin.Scope
		town        string
		works       *worksFigures // nil: not counted
		worksTowns  []string
		exactWaits  bool
		sumDiffers  bool // the groups' sum exceeds the distinct count
		namesListed bool
	}{
		{name: "household access, county", scope: lianxin.SystemScope(), works: &county, exactWaits: true, sumDiffers: true, namesListed: true},
		{name: "planner, county", scope: r.planner, works: &county, namesListed: true},
		{name: "planner, a town", scope: r.planner, town: r.other.Code, works: ptr(sqlWorks(r.other.Code))},
		{name: "leader, own town", scope: r.leader, town: r.own.Code, works: ptr(sqlWorks(r.own.Code)), worksTowns: []string{r.own.Code}, exactWaits: true},
		{name: "leader, county: own town's works only", scope: r.leader, works: ptr(sqlWorks(r.own.Code)), worksTowns: []string{r.own.Code}},
		{name: "leader, another town: works not counted", scope: r.leader, town: r.other.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := reports.SummaryReport(ctx, tc.scope, coverage.Query{Town: tc.town, From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.works == nil && s.Works != nil:
				t.Errorf("works = %+v, want null (not counted for this role here)", *s.Works)
			case tc.works != nil && s.Works == nil:
				t.Errorf("works = null, want %+v", *tc.works)
			case tc.works != nil:
				if got := figuresOf(*s.Works); got != *tc.works {
					t.Errorf("works = %+v, want %+v (SQL)", got, *tc.works)
				}
				if !slices.Equal(s.Works.Towns, tc.worksTowns) {
					t.Errorf("works.towns = %v, want %v", s.Works.Towns, tc.worksTowns)
				}
			}
			want := sqlWaiting(tc.town)
			c := s.SpecialWaitingHouseholds
			switch {
			case tc.exactWaits && (c.Hidden || c.N != want):
				t.Errorf("special_waiting_households = %v, want %d exactly (SQL)", c, want)
			case !c.Hidden && c.N != want:
				t.Errorf("special_waiting_households = %v, want %d (SQL) or hidden", c, want)
			case !c.Hidden && privacy.SmallCount(c.N) && !tc.exactWaits:
				t.Errorf("special_waiting_households shows %d, a small count", c.N)
			}
			if tc.sumDiffers {
				if sum := s.Checks.SpecialUnvisited.Total(); sum <= c.N {
					t.Errorf("the groups' sum %d is not above the distinct count %d: the demo has households in two groups", sum, c.N)
				}
			}
			if tc.namesListed {
				for _, code := range s.Checks.VillagesWithoutVisit {
					if n := s.Names.Villages[code]; n.Name == "" || n.In == "" {
						t.Errorf("village %s not visited has no name and town: %+v", code, n)
					}
				}
				for _, code := range s.Checks.ProjectsWithoutVisit {
					if n := s.Names.Projects[code]; n.Name == "" || n.In == "" {
						t.Errorf("project %s not visited has no name and town: %+v", code, n)
					}
				}
				members := append(slices.Clone(s.Checks.MembersBelowTarget), s.Checks.MembersWithoutContactPoint...)
				for _, code := range members {
					if n := s.Names.Members[code]; n.Name == "" || n.In == "" {
						t.Errorf("member %s has no name and team: %+v", code, n)
					}
				}
				if len(s.Checks.ProjectsWithoutVisit)+len(members) == 0 {
					t.Error("set-up: no project or member listed; the names are not tested")
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
