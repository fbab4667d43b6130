package coverage

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"golang.org/x/sync/errgroup"

	"lianxin"
	"lianxin/privacy"
)

// SummaryReport is the summary as the programme office reads and prints it:
// the Summary's figures, the special-group households waiting counted once
// each, the livelihood works and projects, and names for every code the
// five full coverages list.
type SummaryReport struct {
	Summary
	// TownName names Summary.Town (omitted for the county).
	TownName string `json:"town_name,omitempty"`
	// SpecialWaitingHouseholds counts the area's households in at least
	// one special group with no diary entry in the window, each once: the
	// figure to quote for five full coverages #4 and #5. The groups' counts
	// (five_coverages.special_unvisited) count a household once per group
	// it is in, so their sum is larger. Published as the gap report's
	// special_waiting_households of each village is: hidden ("hidden" or
	// "≥n") where the rules say, over the same county → town → village
	// hierarchy.
	SpecialWaitingHouseholds privacy.Count `json:"special_waiting_households"`
	// Works: null when not counted (see Works.Towns).
	Works *Works     `json:"works"`
	Names CheckNames `json:"names"`
}

// Named is a listed thing's name and where it is: a village's or a
// project's town, a member's team.
type Named struct {
	Name string `json:"name"`
	In   string `json:"in"`
}

// CheckNames names the codes of the five full coverages' lists, by kind.
type CheckNames struct {
	Towns    map[string]string `json:"towns"`
	Villages map[string]Named  `json:"villages"`
	Projects map[string]Named  `json:"projects"`
	Members  map[string]Named  `json:"members"`
}

// NameSource names projects and members by code, as row-level security
// shows them to scope; *store.Store implements it.
type NameSource interface {
	CheckNames(ctx context.Context, scope lianxin.Scope, projects, members []string) (map[string]Named, map[string]Named, error)
}

// summaryArea is what summaryPublished built its figures from.
type summaryArea struct {
	pub       Published
	protected bool
	town      string
}

// SummaryReport is Summary with what the office's report adds (see
// SummaryReport): the same publishing path, so nothing the summary hides
// shows in it.
func (r *Reports) SummaryReport(ctx context.Context, scope lianxin.Scope, q Query) (SummaryReport, error) {
	sum, area, err := r.summaryPublished(ctx, scope, q, true)
	if err != nil {
		return SummaryReport{}, err
	}
	out, err := r.reportOf(ctx, scope, sum, area)
	if err != nil {
		return SummaryReport{}, err
	}
	if out.Names, err = r.checkNames(ctx, scope, sum.Checks, area.pub.Villages); err != nil {
		return SummaryReport{}, err
	}
	return out, nil
}

// reportOf is the summary report of sum but its names: what the morning
// check's rows read (Towns).
func (r *Reports) reportOf(ctx context.Context, scope lianxin.Scope, sum Summary, area summaryArea) (SummaryReport, error) {
	out := SummaryReport{Summary: sum, SpecialWaitingHouseholds: area.specialWaiting()}
	for _, v := range area.pub.Villages {
		if v.TownCode == area.town {
			out.TownName = v.TownName
			break
		}
	}
	var err error
	if out.Works, err = r.summaryWorks(ctx, scope, sum.Window(), area.town, sum.Checks.Towns); err != nil {
		return SummaryReport{}, err
	}
	return out, nil
}

// specialWaiting is the area's special-group households waiting counted
// once each: the published town's or county's count where the rules apply,
// else the sum over the area's villages.
func (a summaryArea) specialWaiting() privacy.Count {
	if a.pub.TownsWaiting != nil {
		if a.town == "" {
			return a.pub.CountyWaiting
		}
		if c, ok := a.pub.TownsWaiting[a.town]; ok {
			return c
		}
		return privacy.Withhold(0, 0) // not a town the rules decided: say nothing
	}
	var n int64
	for _, v := range a.pub.Villages {
		n += v.SpecialDistinctUnvisited
	}
	return privacy.Shown(n)
}

// Window is the summary's window as a Window (its From and To days).
func (s Summary) Window() Window {
	from, _ := ParseDay("from", s.From)
	to, _ := ParseDay("to", s.To)
	return Window{From: from, To: to}
}

// checkNames names what c lists: villages and towns from the villages the
// summary was built from, projects and members from the store.
func (r *Reports) checkNames(ctx context.Context, scope lianxin.Scope, c FiveCoverages, vs []VillageCoverage) (CheckNames, error) {
	n := CheckNames{Towns: map[string]string{}, Villages: map[string]Named{}, Projects: map[string]Named{}, Members: map[string]Named{}}
	byCode := make(map[string]VillageCoverage, len(vs))
	towns := map[string]string{}
	for _, v := range vs {
		byCode[v.VillageCode] = v
		towns[v.TownCode] = v.TownName
	}
	for _, code := range c.VillagesWithoutVisit {
		if v, ok := byCode[code]; ok {
			n.Villages[code] = Named{Name: v.VillageName, In: v.TownName}
		}
	}
	if ts, ok := r.src.(TownSource); ok && len(c.TownsWithoutActivity) > 0 {
		all, err := ts.Towns(ctx, scope)
		if err != nil {
			return n, err
		}
		for _, t := range all {
			towns[t.Code] = t.Name
		}
	}
	for _, code := range c.TownsWithoutActivity {
		if name, ok := towns[code]; ok {
			n.Towns[code] = name
		}
	}
	src, ok := r.src.(NameSource)
	if !ok {
		return n, nil
	}
	members := append(slices.Clone(c.MembersBelowTarget), c.MembersWithoutContactPoint...)
	ps, ms, err := src.CheckNames(ctx, scope, c.ProjectsWithoutVisit, members)
	if err != nil {
		return n, err
	}
	n.Projects, n.Members = ps, ms
	return n, nil
}

// TownRow is one town's line of the morning check (GET
// /api/v1/reports/towns): the town's summary over the window, as
// SummaryReport publishes it with town= that town, cut to what the office
// checks every morning.
type TownRow struct {
	TownCode string `json:"town_code"`
	TownName string `json:"town_name"`
	TeamCode string `json:"team"`
	TeamName string `json:"team_name"`
	// From and To are the window the town's figures cover: the same for
	// every town, but for a team leader, whose own town is exact over the
	// window asked while the others are widened to whole weeks.
	From string `json:"from"`
	To   string `json:"to"`
	// Villages, as in the summary, leave out those suppressed for a role
	// without household access (VillagesSuppressed).
	Villages           int64 `json:"villages"`
	VillagesSuppressed int64 `json:"villages_suppressed"`
	// RuralVillagesReached: rural villages at one-third, of RuralVillages;
	// RuralReachedShare their share (null without rural villages).
	RuralVillages        int64    `json:"rural_villages"`
	RuralVillagesReached int64    `json:"rural_villages_reached"`
	RuralReachedShare    *float64 `json:"rural_reached_share"`
	// RuralCoverage: the rural residents of visited households over the
	// rural resident population (null when it is 0).
	RuralCoverage        *float64 `json:"rural_coverage"`
	VillagesWithoutVisit int64    `json:"villages_without_visit"`
	// SpecialWaitingHouseholds: SummaryReport's, for the town.
	SpecialWaitingHouseholds    privacy.Count  `json:"special_waiting_households"`
	PetitionHouseholdsUnvisited *privacy.Count `json:"petition_households_unvisited"`
	// Members below ten households and without a contact point: counts of
	// the summary's lists, null when not judged for the caller.
	MembersBelowTarget         *int64 `json:"members_below_target"`
	MembersWithoutContactPoint *int64 `json:"members_without_contact_point"`
	OpinionsCollected          int64  `json:"opinions_collected"`
	ProblemsResolved           int64  `json:"problems_resolved"`
	PetitionCasesResolved      int64  `json:"petition_cases_resolved"`
	DisputesResolved           int64  `json:"disputes_resolved"`
	// The works finished and projects landed (Works), null when not
	// counted for the caller (another town's, for a team leader).
	RoadsCompletedMetres *int64 `json:"roads_completed_metres"`
	RiversDredged        *int64 `json:"rivers_dredged"`
	BridgesCompleted     *int64 `json:"bridges_completed"`
	RefuseStations       *int64 `json:"refuse_stations_completed"`
	ProjectsLanded       *int64 `json:"projects_landed"`
}

// Towns is the morning check: one row per town of the county (or the town
// q names), each the town's SummaryReport cut to a row, so that a row says
// no more than the town's summary does to the same caller. Rows are sorted
// by who is behind: the smallest share of rural villages at one-third first
// (a town without rural villages last), then the lowest rural coverage,
// then the most villages not visited, then by town code.
//
// The towns' summaries share what each would read alike: the county's
// villages as published (the privacy rules decide over the whole county
// for every town's summary anyway), the window, the teams and the petition
// counts, read once; only the diary totals and works of each town are read
// per town, townsAtOnce at a time. A team leader's own town is the one
// exception: its summary is exact over the window asked, so it reads its
// own (summaryInputs with the town, as SummaryReport does).
func (r *Reports) Towns(ctx context.Context, scope lianxin.Scope, q Query) ([]TownRow, Window, error) {
	w, err := r.Window(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	qq, teams, err := r.resolve(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	ts, ok := r.src.(TownSource)
	if !ok {
		return nil, w, lianxin.Errorf(lianxin.EUnavailable, "the towns report is not available")
	}
	src, err := r.full()
	if err != nil {
		return nil, w, err
	}
	towns, err := ts.Towns(ctx, scope)
	if err != nil {
		return nil, w, err
	}
	if qq.Town != "" {
		towns = slices.DeleteFunc(towns, func(t Town) bool { return t.Code != qq.Town })
		if len(towns) == 0 {
			return nil, w, RefuseTownUnknown(qq.Town)
		}
	}
	teamOf := map[string]Team{}
	for _, t := range teams {
		if _, ok := teamOf[t.TownCode]; !ok {
			teamOf[t.TownCode] = t
		}
	}
	county, err := r.summaryInputs(ctx, scope, w, "", true)
	if err != nil {
		return nil, w, err
	}
	rows := make([]TownRow, len(towns))
	windows := make([]Window, len(towns))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(townsAtOnce)
	for i, t := range towns {
		g.Go(func() error {
			in := county
			if privacy.Partial(scope) && scope.SeesTown(t.ID) {
				var err error
				if in, err = r.summaryInputs(gctx, scope, w, t.Code, true); err != nil {
					return err
				}
			}
			sum, area, err := summaryFrom(gctx, scope, src, in, t.Code)
			if err != nil {
				return fmt.Errorf("town %s: %w", t.Code, err)
			}
			s, err := r.reportOf(gctx, scope, sum, area)
			if err != nil {
				return fmt.Errorf("town %s: %w", t.Code, err)
			}
			rows[i], windows[i] = townRow(s, t, teamOf[t.Code]), s.Window()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, w, err
	}
	var span Window
	for _, sw := range windows {
		if span.From.IsZero() || sw.From.Before(span.From) {
			span.From = sw.From
		}
		if sw.To.After(span.To) {
			span.To = sw.To
		}
	}
	SortTownsBehind(rows)
	if span.From.IsZero() {
		span = w
	}
	return rows, span, nil
}

// townsAtOnce bounds the towns whose figures are read at the same time: a
// county's 16 towns in four rounds, each a few short queries, leaving the
// pool's other connections to the requests beside it.
const townsAtOnce = 4

func townRow(s SummaryReport, t Town, team Team) TownRow {
	c := s.Checks
	row := TownRow{TownCode: t.Code, TownName: t.Name, TeamCode: team.Code, TeamName: team.Name, From: s.From, To: s.To,
		Villages: s.Villages, VillagesSuppressed: s.VillagesSuppressed,
		RuralVillages: s.RuralVillages, RuralVillagesReached: s.RuralVillagesReached,
		VillagesWithoutVisit: int64(len(c.VillagesWithoutVisit)), SpecialWaitingHouseholds: s.SpecialWaitingHouseholds,
		PetitionHouseholdsUnvisited: c.PetitionHouseholdsUnvisited,
		OpinionsCollected:           s.OpinionsCollected, ProblemsResolved: s.ProblemsResolved,
		PetitionCasesResolved: s.PetitionCasesResolved, DisputesResolved: s.DisputesResolved}
	if s.RuralVillages > 0 {
		v := float64(s.RuralVillagesReached) / float64(s.RuralVillages)
		row.RuralReachedShare = &v
	}
	if s.RuralResidentPopulation > 0 {
		v := float64(s.RuralVisitedResidents) / float64(s.RuralResidentPopulation)
		row.RuralCoverage = &v
	}
	count := func(l []string) *int64 {
		if l == nil {
			return nil
		}
		n := int64(len(l))
		return &n
	}
	row.MembersBelowTarget, row.MembersWithoutContactPoint = count(c.MembersBelowTarget), count(c.MembersWithoutContactPoint)
	if wk := s.Works; wk != nil {
		p := func(n int64) *int64 { return &n }
		row.RoadsCompletedMetres = p(wk.Roads.CompletedMetres)
		row.RiversDredged = p(wk.RiversDredged.Completed)
		row.BridgesCompleted = p(wk.Project(ProjectBridge).Completed)
		row.RefuseStations = p(wk.Project(ProjectRefuseStation).Completed)
		row.ProjectsLanded = p(wk.ProjectsLanded)
	}
	return row
}

// SortTownsBehind sorts the morning check's rows, who is behind first (see
// Towns).
func SortTownsBehind(rows []TownRow) {
	share := func(p *float64) float64 {
		if p == nil {
			return 2 // none to judge: after every town that has some
		}
		return *p
	}
	slices.SortStableFunc(rows, func(a, b TownRow) int {
		return cmp.Or(cmp.Compare(share(a.RuralReachedShare), share(b.RuralReachedShare)),
			cmp.Compare(share(a.RuralCoverage), share(b.RuralCoverage)),
			cmp.Compare(b.VillagesWithoutVisit, a.VillagesWithoutVisit),
			cmp.Compare(a.TownCode, b.TownCode))
	})
}
