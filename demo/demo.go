// Package demo builds the synthetic demo county: 16 towns, about 350 villages,
// 350,000 households, 119 corps members and seven months of the people's
// diary, placed where such a county lies on the Yangtze's north bank. It is
// deterministic for a seed, and --scale multiplies villages, households,
// members, visits and works for benchmarks.
//
// Everything is invented. The campaign row says so (synthetic = true), and
// so does the README.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Options choose the county.
type Options struct {
	Seed  uint64
	Scale float64 // 1 is the county of the story; 10 a county ten times larger
}

// CampaignStart is the first day of the demo campaign; the diary covers the
// seven months from it.
var CampaignStart = time.Date(2026, 3, 1, 0, 0, 0, 0, chinaTime)

// CampaignEnd is the demo campaign's last day, which the forecast judges
// villages against: the last day of its diary. The demo is the programme's
// first seven months, the span its report covers, so the campaign it shows
// ends where its diary does. An end months after the diary would have the
// forecast, asked at any later day, measure a pace over weeks nobody wrote
// anything and call nearly every village stalled; ending here, it shows the
// standing at the end (reached or not, residents still missing), and the
// same on any later day. A planner who wants the projection asks a window
// that stops earlier, or names a later ends_on.
var CampaignEnd = time.Date(2026, 9, 30, 0, 0, 0, 0, chinaTime)

const campaignDays = 214 // 2026-03-01 .. 2026-09-30

// chinaTime is UTC+8 without a tz database.
var chinaTime = time.FixedZone("CST", 8*3600)

// County is the generated world, ready to load.
type County struct {
	Boundary    orb.Polygon
	Towns       []Town
	Villages    []Village
	Teams       []Team
	Members     []Member
	Households  []Household
	Contacts    []ContactPoint
	Projects    []Project
	Works       []Work
	Visits      []Visit
	GeneratedIn time.Duration
}

type Town struct {
	ID               int32
	Code, Name, Kind string
	Seed             orb.Point
	Boundary         orb.MultiPolygon
}

type Village struct {
	ID                     int32
	Code, Name, Kind       string
	TownID                 int32
	Boundary               orb.MultiPolygon
	Population, Registered int
	Rural, Petition        bool
	hamlets                []orb.Point
	firstHousehold, nHH    int // households[firstHousehold : firstHousehold+nHH]
	share                  float64
	memberIdx              []int
}

type Team struct {
	ID         int32
	Code, Name string
	TownID     int32
	Base       orb.Point
}

type Member struct {
	ID               int32
	Code, Name, Role string
	TeamID, TownID   int32
	// joinedOn is set for a member who joined late in the campaign (zero:
	// from the start). Villages are dealt only to the others, and nobody
	// calls on a newcomer to help, so newcomers stay below ten households.
	joinedOn time.Time
}

// newcomerTeams are the teams (by index) whose last member joined in the
// campaign's final weeks: the demo then shows the ten-household rule
// failing for a few members, one of whom has no contact point yet
// (noContactTeam).
var newcomerTeams = []int{4, 9, 13}

const noContactTeam = 13

func isNewcomerTeam(ti int) bool {
	for _, n := range newcomerTeams {
		if n == ti {
			return true
		}
	}
	return false
}

// Special-group flags, in the order of the households table's columns.
const (
	FlagPoor = iota
	FlagSeriouslyIll
	FlagDisabled
	FlagEmptyNest
	FlagLeftBehindChildren
	FlagCommunityCorrection
	FlagPetitionCase
	nFlags
)

// flagRates are the share of households in each group: a few percent each.
var flagRates = [nFlags]float64{0.03, 0.02, 0.025, 0.05, 0.02, 0.003, 0.004}

// Household sizes a group can have. An empty-nest elder lives alone or as a
// couple (1–2 residents) and has no child at home; a left-behind child lives
// with a carer (2 or more), never with an empty-nest couple. Poverty,
// illness, disability, community correction and a petition case go with any
// size.
const (
	maxEmptyNestResidents  = 2
	minLeftBehindResidents = 2
)

// shareOfSizes is the chance a household has lo..hi residents.
func shareOfSizes(lo, hi int) float64 {
	s := 0.0
	for i, p := range residentsDist {
		if n := i + 1; n >= lo && n <= hi {
			s += p
		}
	}
	return s
}

// flagRate is the chance that a household of residents, with the flags drawn
// before f, is in group f. Where a group is limited to some sizes the rate
// among them is raised so the county-wide share stays flagRates[f] (the
// five-coverage reports count these households).
func flagRate(f, residents int, flags *[nFlags]bool) float64 {
	switch f {
	case FlagEmptyNest:
		if residents > maxEmptyNestResidents {
			return 0
		}
		return flagRates[f] / shareOfSizes(1, maxEmptyNestResidents)
	case FlagLeftBehindChildren:
		if residents < minLeftBehindResidents || flags[FlagEmptyNest] {
			return 0
		}
		// Households that may hold one: 2+ residents, less the empty-nest
		// couples among them.
		eligible := shareOfSizes(minLeftBehindResidents, len(residentsDist)) -
			residentsDist[minLeftBehindResidents-1]*flagRates[FlagEmptyNest]/shareOfSizes(1, maxEmptyNestResidents)
		return flagRates[f] / eligible
	}
	return flagRates[f]
}

type Household struct {
	ID                        int64
	ExternalID                string
	VillageID, TownID         int32
	Location                  orb.Point
	Residents                 int
	Flags                     [nFlags]bool
	HeadName, Phone, IDNumber string
}

func (h *Household) special() bool {
	for f := 0; f < FlagPetitionCase; f++ {
		if h.Flags[f] {
			return true
		}
	}
	return false
}

type ContactPoint struct {
	ID            int32
	Code          string
	MemberID      int32
	VillageID     int32
	TownID        int32
	Location      orb.Point
	EstablishedOn time.Time
	CardsIssued   int
}

type Project struct {
	ID             int32
	Code, Name     string
	Kind, Status   string
	TownID         int32
	VillageID      int32
	Geom           orb.Geometry
	InvestmentYuan int64
	Dispute        bool
}

type Work struct {
	ID           int32
	Code, Name   string
	Kind, Status string
	TownID       int32
	Geom         orb.MultiLineString
	CompletedOn  time.Time
}

type Visit struct {
	ID                int64
	ExternalID        string
	MemberID          int32
	HouseholdID       int64 // 0: none
	VillageID         int32 // 0: none
	ProjectID         int32 // 0: none
	TownID            int32
	OccurredAt        time.Time
	RecordedAt        time.Time
	Location          orb.Point
	HasLocation       bool
	Kind              string
	Participants      int
	Notes             string
	ProblemsCollected int
	ProblemsResolved  int
	PetitionResolved  bool
	DisputeResolved   bool
}

// Partitioner cuts a polygon into Voronoi cells around seeds. The store does
// it with PostGIS.
type Partitioner interface {
	VoronoiCells(ctx context.Context, seeds []orb.Point, clip orb.Polygon) ([]orb.MultiPolygon, error)
}

// countyBoundary is an invented outline inside 119.90–120.35°E,
// 31.95–32.40°N; its south-west edge follows the Yangtze's line.
var countyBoundary = orb.Polygon{orb.Ring{
	{119.93, 32.24}, {119.98, 32.35}, {120.06, 32.39}, {120.16, 32.385}, {120.25, 32.36},
	{120.33, 32.30}, {120.345, 32.18}, {120.30, 32.06}, {120.22, 31.97}, {120.13, 31.955},
	{120.08, 32.01}, {120.03, 32.07}, {119.97, 32.13}, {119.915, 32.19}, {119.93, 32.24},
}}

// CountyCode is the invented six-digit county code prefixing every place code.
const CountyCode = "321299"

// Generate builds the county. Voronoi partitions come from p; everything
// else is computed here from the seed.
func Generate(ctx context.Context, p Partitioner, opt Options) (*County, error) {
	start := time.Now()
	if opt.Scale <= 0 {
		opt.Scale = 1
	}
	g := &generator{
		opt: opt,
		rng: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		c:   &County{Boundary: countyBoundary},
	}
	g.names = &villageNamer{rng: g.rng, used: map[string]bool{}}
	steps := []struct {
		name string
		fn   func(context.Context, Partitioner) error
	}{
		{"towns", g.towns},
		{"villages", g.villages},
		{"households", func(context.Context, Partitioner) error { g.households(); return nil }},
		{"teams", func(context.Context, Partitioner) error { g.teams(); return nil }},
		{"projects", func(context.Context, Partitioner) error { g.projects(); return nil }},
		{"works", func(context.Context, Partitioner) error { g.works(); return nil }},
		{"visits", func(context.Context, Partitioner) error { g.visits(); return nil }},
	}
	for _, s := range steps {
		if err := s.fn(ctx, p); err != nil {
			return nil, fmt.Errorf("generate %s: %w", s.name, err)
		}
	}
	g.c.GeneratedIn = time.Since(start)
	return g.c, nil
}

type generator struct {
	opt   Options
	rng   *rand.Rand
	c     *County
	names *villageNamer
}

func (g *generator) scaled(n float64) int {
	return max(1, int(math.Round(n*g.opt.Scale)))
}

// pointIn samples a uniform point inside mp.
func (g *generator) pointIn(mp orb.MultiPolygon) orb.Point {
	b := mp.Bound()
	for {
		p := orb.Point{b.Min[0] + g.rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + g.rng.Float64()*(b.Max[1]-b.Min[1])}
		if planar.MultiPolygonContains(mp, p) {
			return p
		}
	}
}

// spreadPoints samples n points inside mp, each at least minDeg from the
// others where it can (relaxing the spacing after repeated misses).
func (g *generator) spreadPoints(mp orb.MultiPolygon, n int, minDeg float64) []orb.Point {
	pts := make([]orb.Point, 0, n)
	misses := 0
	for len(pts) < n {
		p := g.pointIn(mp)
		ok := true
		for _, q := range pts {
			if math.Hypot(p[0]-q[0], p[1]-q[1]) < minDeg {
				ok = false
				break
			}
		}
		if !ok {
			misses++
			if misses > 200 {
				minDeg *= 0.8
				misses = 0
			}
			continue
		}
		pts = append(pts, p)
	}
	return pts
}

func (g *generator) towns(ctx context.Context, p Partitioner) error {
	county := orb.MultiPolygon{countyBoundary}
	seeds := g.spreadPoints(county, len(townNames), 0.07)
	cells, err := p.VoronoiCells(ctx, seeds, countyBoundary)
	if err != nil {
		return err
	}
	for i, tn := range townNames {
		g.c.Towns = append(g.c.Towns, Town{
			ID: int32(i + 1), Code: fmt.Sprintf("%s%03d", CountyCode, 101+i),
			Name: tn.name, Kind: tn.kind, Seed: seeds[i], Boundary: cells[i],
		})
	}
	return nil
}

func (g *generator) villages(ctx context.Context, p Partitioner) error {
	// About 22 villages a town, fewer in the park, more in the subdistrict.
	for ti := range g.c.Towns {
		t := &g.c.Towns[ti]
		n := 19 + g.rng.IntN(7)
		switch t.Kind {
		case "park":
			n = 10
		case "subdistrict":
			n = 24
		}
		n = g.scaled(float64(n))
		seeds := g.spreadPoints(t.Boundary, n, 0.012/math.Sqrt(g.opt.Scale))
		// The partitioner clips one polygon; a town may be a MultiPolygon
		// after clipping, so use its largest part and give the slivers to
		// the nearest village via the union below.
		cells, err := p.VoronoiCells(ctx, seeds, largest(t.Boundary))
		if err != nil {
			return fmt.Errorf("town %s: %w", t.Code, err)
		}
		for i, cell := range cells {
			// Communities sit nearest the town seat.
			community := t.Kind == "subdistrict" && i%2 == 0 || i == 0
			id := int32(len(g.c.Villages) + 1)
			g.c.Villages = append(g.c.Villages, Village{
				ID:       id,
				Code:     fmt.Sprintf("%s%03d", t.Code, 201+i),
				Name:     g.names.next(community),
				Kind:     map[bool]string{true: "community", false: "village"}[community],
				TownID:   t.ID,
				Boundary: cell,
				Rural:    !community,
				Petition: g.rng.Float64() < 0.08,
			})
		}
		// The town keeps only the part its villages tile, so every village
		// lies inside its town.
		t.Boundary = orb.MultiPolygon{largest(t.Boundary)}
	}
	return nil
}

func largest(mp orb.MultiPolygon) orb.Polygon {
	best, bestArea := mp[0], 0.0
	for _, p := range mp {
		if a := math.Abs(planar.Area(p)); a > bestArea {
			best, bestArea = p, a
		}
	}
	return best
}

// residentsDist is the chance of 1..7 residents in a household (mean ≈ 3.14,
// so 350,000 households hold about 1.1 million residents).
var residentsDist = []float64{0.12, 0.25, 0.25, 0.20, 0.12, 0.05, 0.01}

func (g *generator) residents() int {
	r := g.rng.Float64()
	for i, p := range residentsDist {
		if r < p {
			return i + 1
		}
		r -= p
	}
	return len(residentsDist)
}

const metresPerDegLat = 111_320.0

func (g *generator) households() {
	for vi := range g.c.Villages {
		v := &g.c.Villages[vi]
		// Log-normal around 1,000 households; communities are larger.
		n := int(math.Exp(math.Log(850) + 0.45*g.rng.NormFloat64()))
		if v.Kind == "community" {
			n = n * 3 / 2
		}
		n = min(max(n, 120), 4000)
		nHamlets := max(3, n/70)
		v.hamlets = make([]orb.Point, nHamlets)
		for i := range v.hamlets {
			v.hamlets[i] = g.pointIn(v.Boundary)
		}
		v.firstHousehold = len(g.c.Households)
		v.nHH = n
		cosLat := math.Cos(v.hamlets[0][1] * math.Pi / 180)
		for i := 0; i < n; i++ {
			h := g.rng.IntN(nHamlets)
			var loc orb.Point
			for try := 0; ; try++ {
				sigma := 120.0 // metres around the hamlet centre
				dx := g.rng.NormFloat64() * sigma / (metresPerDegLat * cosLat)
				dy := g.rng.NormFloat64() * sigma / metresPerDegLat
				loc = orb.Point{v.hamlets[h][0] + dx, v.hamlets[h][1] + dy}
				if planar.MultiPolygonContains(v.Boundary, loc) {
					break
				}
				if try > 20 {
					loc = v.hamlets[h]
					break
				}
			}
			hh := Household{
				ID:         int64(len(g.c.Households) + 1),
				ExternalID: fmt.Sprintf("%s%04d", v.Code, i+1),
				VillageID:  v.ID,
				TownID:     v.TownID,
				Location:   loc,
				Residents:  g.residents(),
				HeadName:   personName(g.rng),
				Phone:      fmt.Sprintf("1%02d%08d", 30+g.rng.IntN(60), g.rng.IntN(100_000_000)),
				IDNumber:   fmt.Sprintf("%s19%02d%02d%02d%04d", CountyCode, 40+g.rng.IntN(60), 1+g.rng.IntN(12), 1+g.rng.IntN(28), g.rng.IntN(10000)),
			}
			// One draw a flag whatever the household, so the rest of the
			// stream (and every count built on it) stays where it was.
			for f := range flagRates {
				hh.Flags[f] = g.rng.Float64() < flagRate(f, hh.Residents, &hh.Flags)
			}
			v.Population += hh.Residents
			g.c.Households = append(g.c.Households, hh)
		}
		v.Registered = n
	}
}

// memberRoles is one team's make-up: a leader, advisers, cadres (the main
// force) and village-official trainees; 16 teams of about 7.4 make 119.
func (g *generator) teamRoles(teamIdx int) []string {
	size := 7
	if teamIdx < 7 { // 7 teams of 8 and 9 of 7: 119 members
		size = 8
	}
	size = max(2, int(math.Round(float64(size)*g.opt.Scale)))
	roles := []string{"leader"}
	for len(roles) < size {
		switch r := g.rng.Float64(); {
		case r < 0.2:
			roles = append(roles, "senior_adviser")
		case r < 0.75:
			roles = append(roles, "cadre")
		default:
			roles = append(roles, "village_official")
		}
	}
	return roles
}

func (g *generator) teams() {
	for ti, t := range g.c.Towns {
		var seat *Village
		for vi := range g.c.Villages {
			if g.c.Villages[vi].TownID == t.ID {
				seat = &g.c.Villages[vi]
				break
			}
		}
		team := Team{ID: int32(ti + 1), Code: fmt.Sprintf("D%02d", ti+1), Name: t.Name + "工作队", TownID: t.ID, Base: seat.hamlets[0]}
		g.c.Teams = append(g.c.Teams, team)
		var teamMembers []int
		newcomer := -1
		roles := g.teamRoles(ti)
		for k, role := range roles {
			m := Member{
				ID: int32(len(g.c.Members) + 1), Code: fmt.Sprintf("M%04d", len(g.c.Members)+1),
				Name: personName(g.rng), Role: role, TeamID: team.ID, TownID: t.ID,
			}
			if k == len(roles)-1 && isNewcomerTeam(ti) {
				// Three to four weeks before the campaign's end.
				m.joinedOn = CampaignEnd.AddDate(0, 0, -28+g.rng.IntN(8))
				newcomer = len(g.c.Members)
			} else {
				teamMembers = append(teamMembers, len(g.c.Members))
			}
			g.c.Members = append(g.c.Members, m)
		}
		// Deal the town's villages among the members; each member's contact
		// point is in the first village dealt to them.
		var townVillages []int
		for vi := range g.c.Villages {
			if g.c.Villages[vi].TownID == t.ID {
				townVillages = append(townVillages, vi)
			}
		}
		g.rng.Shuffle(len(townVillages), func(i, j int) { townVillages[i], townVillages[j] = townVillages[j], townVillages[i] })
		for k, vi := range townVillages {
			mi := teamMembers[k%len(teamMembers)]
			g.c.Villages[vi].memberIdx = append(g.c.Villages[vi].memberIdx, mi)
		}
		for k, mi := range teamMembers {
			vi := townVillages[k%len(townVillages)]
			if k >= len(townVillages) { // more members than villages: share
				g.c.Villages[vi].memberIdx = append(g.c.Villages[vi].memberIdx, mi)
			}
			v := &g.c.Villages[vi]
			m := g.c.Members[mi]
			g.c.Contacts = append(g.c.Contacts, ContactPoint{
				ID: int32(len(g.c.Contacts) + 1), Code: "CP" + m.Code[1:], MemberID: m.ID,
				VillageID: v.ID, TownID: t.ID, Location: v.hamlets[g.rng.IntN(len(v.hamlets))],
				EstablishedOn: CampaignStart.AddDate(0, 0, g.rng.IntN(20)),
				CardsIssued:   30 + g.rng.IntN(90),
			})
		}
		if newcomer >= 0 && ti != noContactTeam {
			// The newcomer sets up a contact point in the town's first
			// village, a few days after joining, with few cards out yet.
			v := &g.c.Villages[townVillages[0]]
			m := g.c.Members[newcomer]
			g.c.Contacts = append(g.c.Contacts, ContactPoint{
				ID: int32(len(g.c.Contacts) + 1), Code: "CP" + m.Code[1:], MemberID: m.ID,
				VillageID: v.ID, TownID: t.ID, Location: v.hamlets[g.rng.IntN(len(v.hamlets))],
				EstablishedOn: m.joinedOn.AddDate(0, 0, 2+g.rng.IntN(5)),
				CardsIssued:   5 + g.rng.IntN(10),
			})
		}
	}
}

var projectKinds = []struct {
	kind  string
	count int
	shape string // point or polygon
}{
	{"key_enterprise", 12, "point"}, {"investment_project", 10, "polygon"}, {"key_works", 6, "polygon"},
	{"bridge", 6, "point"}, {"refuse_station", 3, "point"}, {"other", 3, "point"},
}

func (g *generator) projects() {
	statuses := []string{"planned", "under_way", "under_way", "completed", "completed"}
	for _, pk := range projectKinds {
		for i := 0; i < g.scaled(float64(pk.count)); i++ {
			v := &g.c.Villages[g.rng.IntN(len(g.c.Villages))]
			centre := v.hamlets[g.rng.IntN(len(v.hamlets))]
			var geom orb.Geometry = centre
			if pk.shape == "polygon" {
				geom = g.square(v, centre, 80+g.rng.Float64()*150)
			}
			status := statuses[g.rng.IntN(len(statuses))]
			if pk.kind == "bridge" || pk.kind == "refuse_station" {
				status = "completed"
			}
			word := projectWords[g.rng.IntN(len(projectWords))]
			name := map[string]string{
				"key_enterprise": v.Name[:len(v.Name)-3] + word + "有限公司", "investment_project": word + "产业园项目",
				"key_works": v.Name[:len(v.Name)-3] + "土地整治工程", "bridge": v.Name[:len(v.Name)-3] + "桥",
				"refuse_station": v.Name[:len(v.Name)-3] + "垃圾中转站", "other": v.Name[:len(v.Name)-3] + "便民服务中心",
			}[pk.kind]
			g.c.Projects = append(g.c.Projects, Project{
				ID: int32(len(g.c.Projects) + 1), Code: fmt.Sprintf("P%04d", len(g.c.Projects)+1),
				Name: name, Kind: pk.kind, Status: status, TownID: v.TownID, VillageID: v.ID, Geom: geom,
				InvestmentYuan: int64(g.rng.IntN(50)+1) * 1_000_000,
				Dispute:        pk.kind == "key_works" && g.rng.IntN(3) == 0,
			})
		}
	}
}

// square is a small square of side metres around centre, shrunk until it
// lies inside the village.
func (g *generator) square(v *Village, centre orb.Point, side float64) orb.Polygon {
	for ; ; side *= 0.7 {
		hy := side / 2 / metresPerDegLat
		hx := side / 2 / (metresPerDegLat * math.Cos(centre[1]*math.Pi/180))
		ring := orb.Ring{{centre[0] - hx, centre[1] - hy}, {centre[0] + hx, centre[1] - hy},
			{centre[0] + hx, centre[1] + hy}, {centre[0] - hx, centre[1] + hy}, {centre[0] - hx, centre[1] - hy}}
		inside := true
		for _, p := range ring {
			inside = inside && planar.MultiPolygonContains(v.Boundary, p)
		}
		if inside || side < 5 {
			return orb.Polygon{ring}
		}
	}
}

func (g *generator) works() {
	// 26 dredged rivers and 35 km of roads (ten roads of about 3.5 km).
	for i := 0; i < g.scaled(26); i++ {
		g.work("river_dredging", 1500+g.rng.Float64()*2500, i)
	}
	for i := 0; i < g.scaled(10); i++ {
		g.work("road", 3500, i)
	}
}

func (g *generator) work(kind string, lengthMetres float64, i int) {
	t := g.c.Towns[g.rng.IntN(len(g.c.Towns))]
	start := g.pointIn(t.Boundary)
	heading := g.rng.Float64() * 2 * math.Pi
	line := orb.LineString{start}
	const step = 250.0
	for walked := 0.0; walked < lengthMetres; walked += step {
		heading += g.rng.NormFloat64() * 0.25
		last := line[len(line)-1]
		next := orb.Point{
			last[0] + step*math.Cos(heading)/(metresPerDegLat*math.Cos(last[1]*math.Pi/180)),
			last[1] + step*math.Sin(heading)/metresPerDegLat,
		}
		if !planar.MultiPolygonContains(t.Boundary, next) {
			heading += math.Pi / 2
			continue
		}
		line = append(line, next)
	}
	if len(line) < 2 {
		line = append(line, orb.Point{start[0] + 0.001, start[1]})
	}
	name := fmt.Sprintf("%s第%d号河道疏浚", t.Name, i+1)
	if kind == "road" {
		name = fmt.Sprintf("%s农村公路%d号", t.Name, i+1)
	}
	g.c.Works = append(g.c.Works, Work{
		ID: int32(len(g.c.Works) + 1), Code: fmt.Sprintf("W%04d", len(g.c.Works)+1),
		Name: name, Kind: kind, Status: "completed", TownID: t.ID, Geom: orb.MultiLineString{line},
		CompletedOn: CampaignStart.AddDate(0, 1+g.rng.IntN(6), g.rng.IntN(28)),
	})
}
