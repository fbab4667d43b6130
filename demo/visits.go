package demo

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

var visitNotes = []string{
	"了解家庭收入和就业情况", "反映道路破损，已登记", "询问医保报销政策，已解答", "子女就学问题，已联系学校",
	"邻里宅基地纠纷，现场调解", "申请低保，已转民政部门", "反映河道淤积", "老人独居，留下联系卡",
	"农资补贴发放情况", "宣传垃圾分类", "困难补助送达", "护理需求已联系卫生院",
}

// visits writes seven months of the people's diary. Each village draws a
// visiting intensity: a handful are never visited, some go far above
// one-third, most stay below; special-group households are favoured.
func (g *generator) visits() {
	c := g.c
	for vi := range c.Villages {
		v := &c.Villages[vi]
		switch r := g.rng.Float64(); {
		case r < 0.03:
			v.share = 0
		case r < 0.15:
			v.share = 0.35 + 0.3*g.rng.Float64()
		default:
			v.share = 0.02 + 0.18*g.rng.Float64()
		}
	}
	for vi := range c.Villages {
		v := &c.Villages[vi]
		if v.share == 0 || len(v.memberIdx) == 0 {
			continue
		}
		target := int(math.Round(v.share * float64(v.nHH)))
		// Weighted choice without replacement: special households three
		// times as likely. A shuffle of a weighted key does it in one pass.
		type pick struct {
			idx int
			key float64
		}
		picks := make([]pick, v.nHH)
		for k := 0; k < v.nHH; k++ {
			w := 1.0
			if c.Households[v.firstHousehold+k].special() {
				w = 3
			}
			picks[k] = pick{v.firstHousehold + k, math.Pow(g.rng.Float64(), 1/w)}
		}
		// Partial selection of the largest keys.
		sortPicks(picks, func(a, b pick) bool { return a.key > b.key })
		for _, p := range picks[:min(target, len(picks))] {
			n := 1
			for g.rng.Float64() < 0.2 {
				n++
			}
			for k := 0; k < n; k++ {
				kind := "household_visit"
				if c.Households[p.idx].special() && g.rng.Float64() < 0.25 {
					kind = "assistance_delivery"
				}
				g.householdVisit(v, p.idx, kind)
			}
		}
		// A village meeting now and then.
		for k := 0; k < 1+g.rng.IntN(2); k++ {
			g.placeVisit(v, "village_meeting", 0, v.hamlets[0], 15+g.rng.IntN(40))
		}
	}
	g.newcomerVisits()
	// Enterprise and project-site visits (three projects stay unvisited) and
	// publicity events with their crowds.
	for pi, p := range c.Projects {
		if pi%13 == 5 {
			continue
		}
		v := &c.Villages[p.VillageID-1]
		kind := "project_site_visit"
		if p.Kind == "key_enterprise" {
			kind = "enterprise_visit"
		}
		for k := 0; k < 2+g.rng.IntN(12); k++ {
			g.placeVisit(v, kind, p.ID, representative(p.Geom), 1+g.rng.IntN(4))
		}
	}
	for k := 0; k < g.scaled(85); k++ {
		v := &c.Villages[g.rng.IntN(len(c.Villages))]
		if len(v.memberIdx) == 0 {
			continue
		}
		g.placeVisit(v, "publicity_event", 0, v.hamlets[0], 300+g.rng.IntN(1300))
	}
}

func representative(geom orb.Geometry) orb.Point {
	if p, ok := geom.(orb.Point); ok {
		return p
	}
	return geom.Bound().Center()
}

// when picks a moment in the campaign, busier as it goes on, in working hours.
func (g *generator) when() time.Time {
	day := int(math.Sqrt(g.rng.Float64()) * campaignDays)
	return CampaignStart.AddDate(0, 0, day).Add(time.Duration(8*60+g.rng.IntN(10*60)) * time.Minute)
}

func (g *generator) recorded(at time.Time) time.Time {
	if g.rng.Float64() < 0.03 { // written up weeks later: the spot check flags it
		return at.Add(time.Duration(20+g.rng.IntN(20)) * 24 * time.Hour)
	}
	return at.Add(time.Duration(1+g.rng.IntN(47)) * time.Hour)
}

func (g *generator) member(v *Village) *Member {
	mi := v.memberIdx[0]
	if len(v.memberIdx) > 1 || g.rng.Float64() < 0.2 {
		// Another member of the same team helps out.
		team := g.c.Members[mi].TeamID
		for try := 0; try < 10; try++ {
			cand := g.rng.IntN(len(g.c.Members))
			if g.c.Members[cand].TeamID == team && g.c.Members[cand].joinedOn.IsZero() {
				mi = cand
				break
			}
		}
	}
	return &g.c.Members[mi]
}

func (g *generator) householdVisit(v *Village, hIdx int, kind string) {
	m := g.member(v)
	g.householdVisitBy(m, v, hIdx, kind, g.when())
}

// newcomerVisits gives each member who joined late (Member.joinedOn) a few
// household visits since joining, in their contact point's village or, with
// none yet, the town's first village: 2 to 8 households, below the
// ten-household rule.
func (g *generator) newcomerVisits() {
	c := g.c
	for mi := range c.Members {
		m := &c.Members[mi]
		if m.joinedOn.IsZero() {
			continue
		}
		var v *Village
		for _, cp := range c.Contacts {
			if cp.MemberID == m.ID {
				v = &c.Villages[cp.VillageID-1]
			}
		}
		if v == nil {
			for vi := range c.Villages {
				if c.Villages[vi].TownID == m.TownID {
					v = &c.Villages[vi]
					break
				}
			}
		}
		days := int(CampaignEnd.Sub(m.joinedOn).Hours()/24) + 1
		n := min(2+g.rng.IntN(7), v.nHH)
		for _, k := range g.rng.Perm(v.nHH)[:n] {
			at := m.joinedOn.AddDate(0, 0, g.rng.IntN(days)).Add(time.Duration(8*60+g.rng.IntN(10*60)) * time.Minute)
			g.householdVisitBy(m, v, v.firstHousehold+k, "household_visit", at)
		}
	}
}

func (g *generator) householdVisitBy(m *Member, v *Village, hIdx int, kind string, at time.Time) {
	h := &g.c.Households[hIdx]
	vis := Visit{
		MemberID: m.ID, HouseholdID: h.ID, VillageID: v.ID, TownID: m.TownID,
		OccurredAt: at, RecordedAt: g.recorded(at), Kind: kind,
		Participants: 1 + g.rng.IntN(h.Residents),
		Notes:        visitNotes[g.rng.IntN(len(visitNotes))],
	}
	switch r := g.rng.Float64(); {
	case r < 0.02: // no location recorded
	case r < 0.04: // recorded far from the household
		vis.Location, vis.HasLocation = g.offset(h.Location, 600+g.rng.Float64()*900), true
	default:
		vis.Location, vis.HasLocation = g.offset(h.Location, g.rng.Float64()*25), true
	}
	if g.rng.Float64() < 0.03 {
		vis.Notes = ""
	}
	if g.rng.Float64() < 0.12 {
		vis.ProblemsCollected = 1 + g.rng.IntN(2)
		if g.rng.Float64() < 0.6 {
			vis.ProblemsResolved = 1
		}
	}
	vis.PetitionResolved = h.Flags[FlagPetitionCase] && g.rng.Float64() < 0.3
	vis.DisputeResolved = g.rng.Float64() < 0.002
	g.add(vis)
}

func (g *generator) placeVisit(v *Village, kind string, projectID int32, at orb.Point, participants int) {
	m := g.member(v)
	t := g.when()
	vis := Visit{
		MemberID: m.ID, VillageID: v.ID, ProjectID: projectID, TownID: m.TownID,
		OccurredAt: t, RecordedAt: g.recorded(t), Kind: kind, Participants: participants,
		Location: g.offset(at, g.rng.Float64()*40), HasLocation: true,
		Notes: visitNotes[g.rng.IntN(len(visitNotes))],
	}
	if kind != "publicity_event" && g.rng.Float64() < 0.5 {
		vis.ProblemsCollected = 1 + g.rng.IntN(3)
		vis.ProblemsResolved = g.rng.IntN(vis.ProblemsCollected + 1)
	}
	g.add(vis)
}

func (g *generator) add(v Visit) {
	v.ID = int64(len(g.c.Visits) + 1)
	v.ExternalID = fmt.Sprintf("V%08d", v.ID)
	g.c.Visits = append(g.c.Visits, v)
}

// offset moves p by metres in a random direction.
func (g *generator) offset(p orb.Point, metres float64) orb.Point {
	a := g.rng.Float64() * 2 * math.Pi
	return orb.Point{
		p[0] + metres*math.Cos(a)/(metresPerDegLat*math.Cos(p[1]*math.Pi/180)),
		p[1] + metres*math.Sin(a)/metresPerDegLat,
	}
}

// sortPicks sorts in place with the standard library's pdqsort.
func sortPicks[T any](s []T, less func(a, b T) bool) {
	slices.SortFunc(s, func(a, b T) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}
