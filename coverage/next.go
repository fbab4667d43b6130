package coverage

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
)

// NextQuery asks which villages a team should visit next.
type NextQuery struct {
	Query
	N int // villages in the plan (default 8, at most 50)
}

// NextStop is one village of a plan, in visiting order.
type NextStop struct {
	Order int `json:"order"`
	GapRow
	// LegKm is the distance from the previous stop (the base for the first).
	LegKm float64 `json:"leg_km"`
	// Score ranks need against nearness: priority / (1 + distance_km / 10).
	Score float64 `json:"score"`
}

// NextPlan is a printable plan for a team.
type NextPlan struct {
	Team      string     `json:"team"`
	TeamName  string     `json:"team_name"`
	TownCode  string     `json:"town_code"`
	BaseLon   float64    `json:"base_lon"`
	BaseLat   float64    `json:"base_lat"`
	From      string     `json:"from"`
	To        string     `json:"to"`
	Stops     []NextStop `json:"stops"`
	TotalKm   float64    `json:"total_km"` // base, every stop in order, back to base
	ReturnKm  float64    `json:"return_km"`
	Villages  int        `json:"villages"`
	Remaining int        `json:"remaining"` // villages in gap not in the plan
}

// NearnessKm is the distance at which a village's score halves.
const NearnessKm = 10

// Next ranks the team's villages in gap (the gap report's rule: rural
// villages below one-third, urban communities not yet visited; a rural
// village with no population cannot be planned for) by need and nearness
// (priority / (1 + km / NearnessKm)), keeps the top n and orders them into a
// route from the base (nearest neighbour, then 2-opt).
func (r *Reports) Next(ctx context.Context, scope lianxin.Scope, q NextQuery) (NextPlan, error) {
	if q.Team == "" {
		return NextPlan{}, refuse(lianxin.EInvalid, "team", ReportReasonTeamRequired, nil, "team: required")
	}
	switch {
	case q.N == 0:
		q.N = 8
	case q.N < 1 || q.N > 50:
		return NextPlan{}, refuse(lianxin.EInvalid, "n", ReportReasonBadNumber, map[string]any{"value": q.N, "min": 1, "max": 50},
			"n: %d is outside 1..50", q.N)
	}
	rows, w, err := r.Gaps(ctx, scope, GapQuery{Query: q.Query})
	if err != nil {
		return NextPlan{}, err
	}
	teams, err := r.src.Teams(ctx, scope)
	if err != nil {
		return NextPlan{}, err
	}
	team, _ := findTeam(teams, q.Team)
	cands := make([]NextStop, 0, len(rows))
	for _, g := range rows {
		if g.Reached || (g.Rural && g.NoPopulation) {
			continue
		}
		km := 0.0
		if g.DistanceKm != nil {
			km = *g.DistanceKm
		}
		cands = append(cands, NextStop{GapRow: g, Score: round4(g.Priority / (1 + km/NearnessKm))})
	}
	slices.SortStableFunc(cands, func(a, b NextStop) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.VillageCode, b.VillageCode))
	})
	plan := NextPlan{Team: team.Code, TeamName: team.Name, TownCode: team.TownCode, BaseLon: team.Base[0], BaseLat: team.Base[1],
		From: w.From.Format(DayLayout), To: w.To.Format(DayLayout)}
	pick := cands[:min(q.N, len(cands))]
	plan.Remaining = len(cands) - len(pick)
	pts := make([]orb.Point, len(pick))
	for i, s := range pick {
		pts[i] = orb.Point{s.Lon, s.Lat}
	}
	order, total := Route(team.Base, pts)
	prev := team.Base
	for i, idx := range order {
		s := pick[idx]
		s.Order = i + 1
		here := pts[idx]
		s.LegKm = math.Round(geo.DistanceMetres(prev, here)/10) / 100
		prev = here
		plan.Stops = append(plan.Stops, s)
	}
	if len(order) > 0 {
		plan.ReturnKm = math.Round(geo.DistanceMetres(prev, team.Base)/10) / 100
	}
	plan.TotalKm = math.Round(total/10) / 100
	plan.Villages = len(plan.Stops)
	return plan, nil
}
