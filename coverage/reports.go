package coverage

import (
	"context"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/privacy"
)

// Campaign is the campaign's row: its name, first day and whether its data
// is synthetic.
type Campaign struct {
	Name      string    `json:"name"`
	StartsOn  time.Time `json:"-"`
	Synthetic bool      `json:"synthetic"`
	// EndsOn is the campaign's last day (inclusive), nil when none is set
	// (CampaignEnd then takes a year after the start).
	EndsOn *time.Time `json:"-"`
}

// Town is a town, subdistrict or park with its bounding box (lon/lat).
type Town struct {
	ID   int32     `json:"-"`
	Code string    `json:"code"`
	Name string    `json:"name"`
	Kind string    `json:"kind"`
	BBox orb.Bound `json:"-"`
}

// Team is a work team with its base (lon/lat) and member count.
type Team struct {
	ID       int32     `json:"-"`
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	TownCode string    `json:"town_code"`
	Base     orb.Point `json:"-"`
	Members  int64     `json:"members"`
}

// Source is what the reports read; *store.Store implements it.
type Source interface {
	Campaign(ctx context.Context, scope lianxin.Scope) (Campaign, error)
	Teams(ctx context.Context, scope lianxin.Scope) ([]Team, error)
	VillageCoverage(ctx context.Context, scope lianxin.Scope, w Window, f Filter) ([]VillageCoverage, error)
}

// Reports builds the campaign's reports from a Source.
type Reports struct {
	src Source
	now func() time.Time
}

// NewReports returns Reports over src; now gives "today" (time.Now when nil).
func NewReports(src Source, now func() time.Time) *Reports {
	if now == nil {
		now = time.Now
	}
	return &Reports{src: src, now: now}
}

// Query is what every report takes: where and when. From and To are zero
// for the default window (campaign start until the end of today). Team, when
// set, selects its town (and a team and Town that disagree are refused).
type Query struct {
	Town string
	Team string
	From time.Time
	To   time.Time
}

// Window resolves q's window against the campaign (ResolveWindow: a from
// before the campaign's start is clamped to it).
func (r *Reports) Window(ctx context.Context, scope lianxin.Scope, q Query) (Window, error) {
	c, err := r.src.Campaign(ctx, scope)
	if err != nil {
		return Window{}, err
	}
	return ResolveWindow(c.StartsOn, r.now(), q.From, q.To)
}

// resolve turns q's team into its town and returns the teams.
func (r *Reports) resolve(ctx context.Context, scope lianxin.Scope, q Query) (Query, []Team, error) {
	teams, err := r.src.Teams(ctx, scope)
	if err != nil {
		return q, nil, err
	}
	if q.Team != "" {
		t, ok := findTeam(teams, q.Team)
		if !ok {
			return q, nil, RefuseTeamUnknown(q.Team)
		}
		if q.Town != "" && q.Town != t.TownCode {
			return q, nil, refuse(lianxin.EInvalid, "team", ReportReasonTeamOtherTown, map[string]any{"team": q.Team, "town": t.TownCode, "asked": q.Town},
				"team: team %q works in town %q, not %q", q.Team, t.TownCode, q.Town)
		}
		q.Town = t.TownCode
	}
	return q, teams, nil
}

func findTeam(teams []Team, code string) (Team, bool) {
	for _, t := range teams {
		if t.Code == code {
			return t, true
		}
	}
	return Team{}, false
}

func bases(teams []Team) map[string]orb.Point {
	m := make(map[string]orb.Point, len(teams))
	for _, t := range teams {
		m[t.TownCode] = t.Base
	}
	return m
}

// GapQuery asks for the gap report.
type GapQuery struct {
	Query
	All  bool
	Sort string
}

// Gaps is the gap report: villages below one-third (every village with All),
// by priority or the column asked. The window returned is the one the
// figures cover: for a role without household access, the asked window
// widened to whole weeks (privacy rule 5).
func (r *Reports) Gaps(ctx context.Context, scope lianxin.Scope, q GapQuery) ([]GapRow, Window, error) {
	return r.gaps(ctx, scope, q, true)
}

// gaps builds the gap report, with the privacy rules when publish is set
// (snapshots keep exact figures and apply the rules when they are read).
func (r *Reports) gaps(ctx context.Context, scope lianxin.Scope, q GapQuery, publish bool) ([]GapRow, Window, error) {
	w, err := r.Window(ctx, scope, q.Query)
	if err != nil {
		return nil, w, err
	}
	if _, err := gapOrder(q.Sort); err != nil {
		return nil, w, err
	}
	qq, teams, err := r.resolve(ctx, scope, q.Query)
	if err != nil {
		return nil, w, err
	}
	f := Filter{Town: qq.Town, WithSizes: true}
	var vs []VillageCoverage
	if publish {
		// A team leader's own town is exact over the window asked.
		pub, err := publishVillages(ctx, r.src, scope, w, f, true)
		if err != nil {
			return nil, w, err
		}
		vs, w = pub.Villages, pub.Window
	} else if vs, err = r.src.VillageCoverage(ctx, scope, w, f); err != nil {
		return nil, w, err
	}
	rows, err := BuildGaps(vs, w, GapOptions{All: q.All, Bases: bases(teams), Today: r.now(), Sort: q.Sort})
	return rows, w, err
}

// ReportSource is everything the reports beyond the gap report read;
// *store.Store implements it.
type ReportSource interface {
	Source
	// MemberActivity leaves the entries in the villages leaveOut names
	// (ids) out of every count but TargetHouseholds.
	MemberActivity(ctx context.Context, scope lianxin.Scope, w Window, team string, leaveOut []int32) ([]MemberActivity, error)
	// DiarySample draws from the entries outside the villages leaveOut
	// names (ids), and names no household unless households is set.
	DiarySample(ctx context.Context, scope lianxin.Scope, w Window, team string, n int, seed int64, leaveOut []int32, households bool) ([]DiaryEntry, error)
	// SummaryNumbers leaves the entries and households of the villages
	// leaveOut names (ids) out of every count.
	SummaryNumbers(ctx context.Context, scope lianxin.Scope, w Window, town string, leaveOut []int32) (Summary, error)
	VillageWeeklyVisits(ctx context.Context, scope lianxin.Scope, code string, w Window) ([]WeekCount, error)
}

func (r *Reports) full() (ReportSource, error) {
	if s, ok := r.src.(ReportSource); ok {
		return s, nil
	}
	return nil, lianxin.Errorf(lianxin.EUnavailable, "this report is not available")
}

// suppressedVillages returns the ids of the villages scope's gap report
// suppresses (none for household access everywhere), whichever town they
// are in, and the window that report covers: w, widened to whole weeks for
// a role without household access and for a team leader (privacy rule 5).
// Suppression follows the villages' households, not the window.
func (r *Reports) suppressedVillages(ctx context.Context, scope lianxin.Scope, w Window) ([]int32, Window, error) {
	if !privacy.Applies(scope) && !privacy.Partial(scope) {
		return nil, w, nil
	}
	pub, err := PublishVillages(ctx, r.src, scope, w, Filter{})
	if err != nil {
		return nil, w, err
	}
	return pub.SuppressedIDs(), pub.Window, nil
}

// Members is the attendance and assessment report of a team (every team
// when q.Team is empty; the members of one town with q.Town; the county for
// a role that sees every town) over the window.
//
// The ten-household rule is a standing one: meets_target judges the
// distinct households each member has contacted in every village from the
// campaign's start to the window's end, whatever window is asked, and
// whoever asks; the window's own figures (entries, households contacted,
// weekly entries) sit beside it.
//
// For a role without household access it is published as the gap report
// is: over whole weeks (a report a day longer is the same report), with the
// entries in the villages the gap report suppresses left out of the
// window's counts (a team's entries less its town's villages shown would
// give their visits back), and the households counts in the rule's bands
// (MemberRows). A team leader gets their own towns' members only, whose
// every entry they may read one by one (entries are scoped by the writer's
// town), so their report stays exact.
func (r *Reports) Members(ctx context.Context, scope lianxin.Scope, q Query) ([]MemberRow, Window, error) {
	w, err := r.Window(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	src, err := r.full()
	if err != nil {
		return nil, w, err
	}
	qq, _, err := r.resolve(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	if err := r.knownTown(ctx, scope, qq.Town); err != nil {
		return nil, w, err
	}
	published := privacy.Applies(scope)
	var leaveOut []int32
	if published || (privacy.Partial(scope) && q.To.IsZero()) {
		// A team leader asking for the default window gets the gap
		// report's (whole weeks), as every report; a window they name is
		// kept exact for their own rows. Only a role without household
		// access leaves villages out.
		var out []int32
		var pw Window
		if out, pw, err = r.suppressedVillages(ctx, scope, w); err != nil {
			return nil, w, err
		}
		w = pw
		if published {
			leaveOut = out
		}
	}
	acts, err := src.MemberActivity(ctx, scope, w, q.Team, leaveOut)
	if err != nil {
		return nil, w, err
	}
	if qq.Town != "" {
		acts = slices.DeleteFunc(acts, func(a MemberActivity) bool { return a.TownCode != qq.Town })
	}
	return MemberRows(acts, w, published), w, nil
}

// knownTown refuses a town code that names no town (town_unknown), when
// the source can list the towns.
func (r *Reports) knownTown(ctx context.Context, scope lianxin.Scope, town string) error {
	ts, ok := r.src.(TownSource)
	if town == "" || !ok {
		return nil
	}
	towns, err := ts.Towns(ctx, scope)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(towns, func(t Town) bool { return t.Code == town }) {
		return RefuseTownUnknown(town)
	}
	return nil
}

// Summary is the campaign's report in numbers over the window (widened to
// whole weeks for a role without household access, and for a team leader
// asking beyond their own town; their own town is exact over the window
// asked), its special-group counts hidden where the privacy rules say.
//
// Every figure covers the area asked (the county, or q's town) for every
// role, as a planner sees it, and a team leader's own towns exactly: the
// five full coverages' towns, villages and special groups too. Only the
// projects and members checks, detail rows a team leader or a member reads
// in their own towns alone, judge those towns (Checks.Towns names them),
// and are null when the area holds none of them.
func (r *Reports) Summary(ctx context.Context, scope lianxin.Scope, q Query) (Summary, error) {
	return r.summary(ctx, scope, q, true)
}

func (r *Reports) summary(ctx context.Context, scope lianxin.Scope, q Query, publish bool) (Summary, error) {
	sum, _, err := r.summaryPublished(ctx, scope, q, publish)
	return sum, err
}

// summaryPublished is summary with the villages it was built from, as
// published to scope (summaryArea: SummaryReport reads them again).
func (r *Reports) summaryPublished(ctx context.Context, scope lianxin.Scope, q Query, publish bool) (Summary, summaryArea, error) {
	w, err := r.Window(ctx, scope, q)
	if err != nil {
		return Summary{}, summaryArea{}, err
	}
	qq, _, err := r.resolve(ctx, scope, q)
	if err != nil {
		return Summary{}, summaryArea{}, err
	}
	src, err := r.full()
	if err != nil {
		return Summary{}, summaryArea{}, err
	}
	in, err := r.summaryInputs(ctx, scope, w, qq.Town, publish)
	if err != nil {
		return Summary{}, summaryArea{}, err
	}
	return summaryFrom(ctx, scope, src, in, qq.Town)
}

// summaryBase is what a summary reads before its own diary totals: the
// villages as published to scope (the whole county's when the rules apply),
// the window they cover, the villages every diary total leaves out, and the
// towns' petition households not visited. One summaryBase of the county
// serves every town's summary but a team leader's own town's (see Towns).
type summaryBase struct {
	pub       Published
	w         Window
	leaveOut  []int32 // every suppressed village, whichever town it is in
	protected bool
	petitions []TownCount
	counted   bool // petitions were counted (a PetitionSource)
}

// summaryInputs reads the summaryBase of town ("" the county) over w.
func (r *Reports) summaryInputs(ctx context.Context, scope lianxin.Scope, w Window, town string, publish bool) (summaryBase, error) {
	in := summaryBase{protected: publish && (privacy.Applies(scope) || privacy.Partial(scope))}
	var err error
	switch {
	case in.protected:
		// The whole county's marks: the town's members may have written
		// entries in another town's suppressed village, and the diary
		// totals are counted by the writer's town. A team leader's own
		// town is exact over the window asked (publishVillages).
		if in.pub, err = publishVillages(ctx, r.src, scope, w, Filter{Town: town}, true); err != nil {
			return in, err
		}
		w, in.leaveOut = in.pub.Window, in.pub.suppressedAll
	case publish:
		if in.pub, err = PublishVillages(ctx, r.src, scope, w, Filter{Town: town}); err != nil {
			return in, err
		}
		w = in.pub.Window
	default:
		if in.pub.Villages, err = r.src.VillageCoverage(ctx, scope, w, Filter{Town: town}); err != nil {
			return in, err
		}
	}
	in.w = w
	// Five full coverages #3: the households with a standing petition case,
	// counted per town over the whole county (petitionCheck).
	if src, ok := r.src.(PetitionSource); ok {
		if in.petitions, err = src.UnvisitedPetitionHouseholds(ctx, scope, w, idsOrEmpty(in.leaveOut)); err != nil {
			return in, err
		}
		in.counted = true
	}
	return in, nil
}

// summaryFrom is the summary of town ("" the county) built from in: the
// store's diary totals and lists over in's window, the village figures of
// the town's villages as published. in is only read, so one summaryBase
// may serve several towns at once.
func summaryFrom(ctx context.Context, scope lianxin.Scope, src ReportSource, in summaryBase, town string) (Summary, summaryArea, error) {
	// Rule 2 for the diary totals: the gap report shows each village's
	// visits and problems, so a total holding a suppressed village's entries
	// less the villages shown would give them back.
	sum, err := src.SummaryNumbers(ctx, scope, in.w, town, in.leaveOut)
	if err != nil {
		return Summary{}, summaryArea{}, err
	}
	pub, protected := in.pub, in.protected
	if town != "" {
		pub.Villages = villagesOfTown(pub.Villages, town)
	}
	var hidden map[string]bool // suppressed villages' codes
	var householdsVisited int64
	for _, v := range pub.Villages {
		if protected && v.Suppressed {
			// Rule 2: the gap report blanks this village, so no sum may
			// hold its figures — published total minus the villages shown
			// would give them back.
			sum.VillagesSuppressed++
			if hidden == nil {
				hidden = map[string]bool{}
			}
			hidden[v.VillageCode] = true
			continue
		}
		householdsVisited += v.VisitedHouseholds
		sum.Villages++
		sum.ResidentPopulation += v.ResidentPopulation
		sum.VisitedResidents += v.VisitedResidents
		if v.Visits > 0 {
			sum.VillagesVisited++
		}
		// Reached is the gap report's (GapReason): rural villages by the
		// one-third rule, urban communities once visited.
		if v.Reached() {
			sum.VillagesReached++
		}
		if NoPopulation(v.ResidentPopulation) {
			sum.VillagesNoPopulation++
		}
		if v.Rural {
			sum.RuralVillages++
			sum.RuralResidentPopulation += v.ResidentPopulation
			sum.RuralVisitedResidents += v.VisitedResidents
			if v.Reached() {
				sum.RuralVillagesReached++
			}
		}
		sum.Checks.SpecialUnvisited = sum.Checks.SpecialUnvisited.Plus(v.SpecialUnvisited)
	}
	if protected && hidden != nil {
		sum.HouseholdsVisited = householdsVisited
		c := &sum.Checks
		// Clones: the store may cache the lists it returned.
		c.VillagesWithoutVisit = slices.DeleteFunc(slices.Clone(c.VillagesWithoutVisit), func(code string) bool { return hidden[code] })
		c.PetitionVillagesWithoutVisit = slices.DeleteFunc(slices.Clone(c.PetitionVillagesWithoutVisit), func(code string) bool { return hidden[code] })
	}
	if in.counted {
		sum.Checks.PetitionHouseholdsUnvisited = publishPetition(scope, in.petitions, town)
	}
	if pub.Towns != nil { // published: the town's or the county's counts, with their hidden marks
		if town != "" {
			sum.Checks.SpecialUnvisited = pub.Towns[town]
		} else {
			sum.Checks.SpecialUnvisited = pub.County
		}
	}
	return sum, summaryArea{pub: pub, protected: protected, town: town}, nil
}

// villagesOfTown is the villages of vs in town, in a new slice (vs may be
// shared by several towns' summaries at once).
func villagesOfTown(vs []VillageCoverage, town string) []VillageCoverage {
	var out []VillageCoverage
	for _, v := range vs {
		if v.TownCode == town {
			out = append(out, v)
		}
	}
	return out
}

// DiaryQuery asks for the diary spot check.
type DiaryQuery struct {
	Query
	N    int   // entries per team (default 10, at most 200)
	Seed int64 // the same seed draws the same sample
}

// DiarySample is the office's reproducible spot check, each entry flagged.
//
// Entries are rows, not aggregates, so what a role may see of them is
// decided by household access:
//   - household access everywhere (the household_points grant): every entry
//     in the window, with its household's code;
//   - a team leader: their own towns' members' entries (as the diary list
//     shows them), over the window asked; a household of another town is
//     not named (row-level security), and an entry in a village of another
//     town that the leader's gap report suppresses is not drawn;
//   - a role without household access (planner, admin and gis without the
//     grant, a member): no household code, no entry in a village the gap
//     report suppresses (nor one whose village is unknown), over whole
//     weeks (privacy rule 5: a team's sample smaller than n counts its
//     entries in the window). Members' names are the corps' staff, the
//     village and time those of the visit: what the spot check is for.
//
// Entries left out are left out before the draw: each team still gets n
// entries while it has n to draw from.
func (r *Reports) DiarySample(ctx context.Context, scope lianxin.Scope, q DiaryQuery) ([]DiaryEntry, Window, error) {
	switch {
	case q.N == 0:
		q.N = 10
	case q.N < 1 || q.N > 200:
		return nil, Window{}, refuse(lianxin.EInvalid, "n", ReportReasonBadNumber, map[string]any{"value": q.N, "min": 1, "max": 200},
			"n: %d is outside 1..200", q.N)
	}
	w, err := r.Window(ctx, scope, q.Query)
	if err != nil {
		return nil, w, err
	}
	src, err := r.full()
	if err != nil {
		return nil, w, err
	}
	leaveOut, pw, err := r.suppressedVillages(ctx, scope, w)
	if err != nil {
		return nil, w, err
	}
	households := !privacy.Applies(scope)
	if !households || q.To.IsZero() {
		// Whole weeks without household access; and the default window
		// is the gap report's for everyone (a team leader's too), while a
		// window a leader names stays exact for their own towns' entries.
		w = pw
	}
	es, err := src.DiarySample(ctx, scope, w, q.Team, q.N, q.Seed, leaveOut, households)
	if err != nil {
		return nil, w, err
	}
	for i := range es {
		es[i].Check()
		if !households {
			// An entry's id is the clerk's or the phone's: a county may
			// build it from the household's number, which this role may
			// not read.
			es[i].VisitID = ""
		}
	}
	return es, w, nil
}

// VillageDetail is the web map's side panel for one village.
type VillageDetail struct {
	GapRow
	VillageKind       string        `json:"village_kind"`
	SpecialHouseholds SpecialCounts `json:"special_households"`
	From              string        `json:"from"`
	To                string        `json:"to"`
	WeeklyVisits      []WeekCount   `json:"weekly_visits"`
}

// Village is one village's numbers over the window with its weekly series.
func (r *Reports) Village(ctx context.Context, scope lianxin.Scope, code string, q Query) (VillageDetail, error) {
	w, err := r.Window(ctx, scope, q)
	if err != nil {
		return VillageDetail{}, err
	}
	src, err := r.full()
	if err != nil {
		return VillageDetail{}, err
	}
	// A village of a team leader's own town is exact over the window asked.
	pub, err := publishVillages(ctx, r.src, scope, w, Filter{Villages: []string{code}, WithSizes: true}, true)
	if err != nil {
		return VillageDetail{}, err
	}
	vs, w := pub.Villages, pub.Window
	if len(vs) != 1 {
		return VillageDetail{}, RefuseVillageUnknown(code)
	}
	teams, err := r.src.Teams(ctx, scope)
	if err != nil {
		return VillageDetail{}, err
	}
	rows, err := BuildGaps(vs, w, GapOptions{All: true, Bases: bases(teams), Today: r.now()})
	if err != nil {
		return VillageDetail{}, err
	}
	weekly := []WeekCount{}
	if !vs[0].Suppressed {
		if weekly, err = src.VillageWeeklyVisits(ctx, scope, code, w); err != nil {
			return VillageDetail{}, err
		}
	}
	special := vs[0].SpecialHouseholds
	if vs[0].Suppressed {
		special = SpecialCounts{hidden: 0x3f}
	}
	return VillageDetail{GapRow: rows[0], VillageKind: vs[0].VillageKind, SpecialHouseholds: special,
		From: w.From.Format(DayLayout), To: w.To.Format(DayLayout), WeeklyVisits: weekly}, nil
}
