package coverage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
)

// Review 3, faults 5, 9 and 13, on the demo county as the server's role
// (row-level security applies): a member's own-town member checks are not
// judged (null) rather than "none left"; a team leader's own-town summary,
// village panel and gap report cover the window asked exactly (other towns
// stay whole weeks); and the households with a standing petition case not
// visited are counted in five_coverages and listed as group petition.
func TestReview3Faults(t *testing.T) {
	ctx := context.Background()
	r := newTownRoles(t, "r3-member")
	app, county, conn, own, other, memberID := r.app, r.county, r.conn, r.own, r.other, r.memberID
	// Fault 5's teammate: no entries, no contact point.
	if _, err := conn.Exec(ctx, `INSERT INTO members (code, name, team_id, town_id, role)
SELECT 'M0901', '新队员', team_id, town_id, 'cadre' FROM members WHERE id = $1`, memberID); err != nil {
		t.Fatal(err)
	}
	reports := coverage.NewReports(app, func() time.Time { return day("2026-11-27") })
	system := lianxin.SystemScope()
	planner, leader, member := r.planner, r.leader, r.member

	t.Run("fault 5: member checks", func(t *testing.T) {
		cases := []struct {
			name  string
			scope lianxin.Scope
			want  []string // nil: not judged (null); else must hold these
		}{
			{"leader", leader, []string{"M0901"}},
			{"member", member, nil},
		}
		for _, tc := range cases {
			s, err := reports.Summary(ctx, tc.scope, coverage.Query{Town: own.Code})
			if err != nil {
				t.Fatalf("%s: Summary: %v", tc.name, err)
			}
			for name, got := range map[string][]string{"members_below_target": s.Checks.MembersBelowTarget,
				"members_without_contact_point": s.Checks.MembersWithoutContactPoint} {
				switch {
				case tc.want == nil && got != nil:
					t.Errorf("%s asked %s of town %s: got %#v, want null (a member cannot judge teammates)", tc.name, name, own.Code, got)
				case tc.want != nil && (got == nil || !slices.Contains(got, "M0901")):
					t.Errorf("%s asked %s of town %s: got %#v, want a list holding M0901", tc.name, name, own.Code, got)
				}
			}
		}
	})

	t.Run("fault 9: leader's own town exact", func(t *testing.T) {
		// Thursday to Friday: not whole campaign weeks (from 1 March).
		q := coverage.Query{From: day("2026-03-05"), To: day("2026-03-06")}
		var village string
		for _, v := range county.Villages {
			if v.TownID == own.ID {
				village = v.Code
				break
			}
		}
		cases := []struct {
			name     string
			town     string
			from, to string
		}{
			{"own town", own.Code, "2026-03-05", "2026-03-06"},
			{"another town", other.Code, "2026-03-01", "2026-03-08"},
		}
		for _, tc := range cases {
			qq := q
			qq.Town = tc.town
			got, err := reports.Summary(ctx, leader, qq)
			if err != nil {
				t.Fatal(err)
			}
			if got.From != tc.from || got.To != tc.to {
				t.Errorf("summary %s asked [2026-03-05, 2026-03-06): got [%s, %s), want [%s, %s)", tc.name, got.From, got.To, tc.from, tc.to)
			}
			if tc.town == own.Code {
				exact, err := reports.Summary(ctx, system, qq)
				if err != nil {
					t.Fatal(err)
				}
				if got.Visits != exact.Visits || got.HouseholdsVisited != exact.HouseholdsVisited || got.VisitedResidents != exact.VisitedResidents {
					t.Errorf("summary own town: got visits %d, households %d, residents %d; want the exact %d, %d, %d",
						got.Visits, got.HouseholdsVisited, got.VisitedResidents, exact.Visits, exact.HouseholdsVisited, exact.VisitedResidents)
				}
			}
			_, gw, err := reports.Gaps(ctx, leader, coverage.GapQuery{Query: qq, All: true})
			if err != nil {
				t.Fatal(err)
			}
			if f, to := gw.From.Format(coverage.DayLayout), gw.To.Format(coverage.DayLayout); f != tc.from || to != tc.to {
				t.Errorf("gaps %s: got [%s, %s), want [%s, %s)", tc.name, f, to, tc.from, tc.to)
			}
		}
		vd, err := reports.Village(ctx, leader, village, q)
		if err != nil {
			t.Fatal(err)
		}
		exact, err := reports.Village(ctx, system, village, q)
		if err != nil {
			t.Fatal(err)
		}
		if vd.From != "2026-03-05" || vd.To != "2026-03-06" || vd.Visits != exact.Visits {
			t.Errorf("village panel %s (own town) asked [2026-03-05, 2026-03-06): got [%s, %s) visits %d, want the window asked, visits %d",
				village, vd.From, vd.To, vd.Visits, exact.Visits)
		}
	})

	t.Run("fault 13: petition households", func(t *testing.T) {
		q := coverage.Query{From: day("2026-03-01"), To: day("2026-06-07")}
		// Exact, from the diary itself.
		perTown := map[string]int64{}
		var all int64
		rows, err := conn.Query(ctx, `
SELECT t.code, count(*) FROM households h JOIN towns t ON t.id = h.town_id
WHERE h.petition_case AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.household_id = h.id
  AND v.occurred_at >= $1 AND v.occurred_at < $2)
GROUP BY t.code`, q.From, q.To)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var code string
			var n int64
			if err := rows.Scan(&code, &n); err != nil {
				t.Fatal(err)
			}
			perTown[code], all = n, all+n
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		if perTown[own.Code] == 0 {
			t.Fatalf("set-up: no unvisited petition household in town %s; the case checks nothing", own.Code)
		}
		cases := []struct {
			name    string
			scope   lianxin.Scope
			town    string
			judged  bool
			want    int64
			mayHide bool // published under the privacy rules
		}{
			{"system, county", system, "", true, all, false},
			{"system, own town", system, own.Code, true, perTown[own.Code], false},
			{"planner, county", planner, "", true, all, true},
			{"planner, own town", planner, own.Code, true, perTown[own.Code], true},
			{"leader, own town", leader, own.Code, true, perTown[own.Code], false},
			// Published as a planner's (migration 032's counts).
			{"leader, another town", leader, other.Code, true, perTown[other.Code], true},
			{"leader, county", leader, "", true, all, true},
			{"member, own town", member, own.Code, true, perTown[own.Code], true},
		}
		for _, tc := range cases {
			qq := q
			qq.Town = tc.town
			s, err := reports.Summary(ctx, tc.scope, qq)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got := s.Checks.PetitionHouseholdsUnvisited
			switch {
			case !tc.judged:
				if got != nil {
					t.Errorf("%s: petition_households_unvisited = %v, want null (not judged)", tc.name, *got)
				}
			case got == nil:
				t.Errorf("%s: petition_households_unvisited = null, want %d", tc.name, tc.want)
			case got.Hidden && !tc.mayHide:
				t.Errorf("%s: petition_households_unvisited hidden, want %d exactly", tc.name, tc.want)
			case got.Hidden && tc.want > 10 && tc.town != "":
				t.Errorf("%s: petition_households_unvisited hidden though %d is no small count", tc.name, tc.want)
			case !got.Hidden && got.N != tc.want:
				t.Errorf("%s: petition_households_unvisited = %d, want %d", tc.name, got.N, tc.want)
			}
		}
		// The households themselves, for household access.
		list, _, err := reports.SpecialHouseholds(ctx, app, leader, coverage.SpecialHouseholdQuery{Query: q, Group: coverage.Petition})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(list)) != perTown[own.Code] {
			t.Errorf("special-households group=petition for the leader of %s: got %d households, want %d", own.Code, len(list), perTown[own.Code])
		}
		for _, h := range list {
			if !slices.Contains(h.Groups, coverage.Petition) || h.LastVisit != nil && *h.LastVisit >= "2026-03-01" {
				t.Errorf("household %s: groups %v, last visit %v: want petition among its groups and no visit in the window", h.Household, h.Groups, fmt.Sprint(h.LastVisit))
			}
		}
		if _, err := coverage.ParseGroup("petition"); err != nil {
			t.Errorf("ParseGroup(petition): %v, want accepted", err)
		}
	})
}
