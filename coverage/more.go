package coverage

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"lianxin"
	"lianxin/privacy"
)

// ForecastRow says when a village reaches one-third at its recent pace.
type ForecastRow struct {
	VillageCode        string   `json:"village_code"`
	VillageName        string   `json:"village_name"`
	TownCode           string   `json:"town_code"`
	ResidentPopulation int64    `json:"resident_population"`
	VisitedResidents   int64    `json:"visited_residents"`
	Coverage           *float64 `json:"coverage"`
	ResidentsNeeded    int64    `json:"residents_needed"`
	// ResidentsPerWeek is the residents newly reached over the last four
	// weeks of the window, divided by four.
	ResidentsPerWeek float64 `json:"residents_per_week"`
	// Rural: the village is judged by one-third; false for an urban
	// community (villages.rural).
	Rural bool `json:"rural"`
	// Status: reached | on_pace | not_at_this_pace | no_population, or for
	// an urban community, which the one-third rule does not judge,
	// not_judged once visited in the window, else no_visit (the gap
	// report's community in gap).
	Status    string  `json:"status"`
	ReachesOn *string `json:"reaches_on"` // the day one-third is reached at this pace (status on_pace)
	// LastVisitOn is the village's last day with a diary entry in the
	// window, nil when none (blank when suppressed).
	LastVisitOn *string `json:"last_visit_on"`
	// Stalled: a village the rule still judges (not reached) with no diary
	// entry in the pace's four weeks, so its pace is nil because nothing
	// was written, not because visits found no one new; LastVisitOn says
	// since when.
	Stalled bool `json:"stalled"`
	// Suppressed: 1 to 4 households and no household access (status
	// "suppressed", figures blank; privacy rule 2).
	Suppressed bool `json:"suppressed,omitempty"`
}

// PaceDays is the span the forecast's pace is measured over.
const PaceDays = 28

// Stalled says whether the diary has no entry in the pace's span, the last
// PaceDays of w, given the last day with one (nil: none in w).
func Stalled(lastEntryOn *time.Time, w Window) bool {
	return lastEntryOn == nil || Day(*lastEntryOn).Before(w.To.AddDate(0, 0, -PaceDays))
}

// Forecast projects each village's date of reaching one-third at the pace of
// the window's last four weeks (residents reached for the first time in the
// window), ordered by status then date.
func Forecast(now, recent []VillageCoverage, w Window) []ForecastRow {
	before := make(map[int32]int64, len(recent))
	for _, v := range recent {
		before[v.VillageID] = v.VisitedResidents
	}
	out := make([]ForecastRow, 0, len(now))
	for _, v := range now {
		r := ForecastRow{VillageCode: v.VillageCode, VillageName: v.VillageName, TownCode: v.TownCode,
			ResidentPopulation: v.ResidentPopulation, VisitedResidents: v.VisitedResidents, Coverage: v.Coverage(),
			ResidentsNeeded: v.ResidentsNeeded(), Rural: v.Rural}
		if r.Coverage != nil {
			c := round4(*r.Coverage)
			r.Coverage = &c
		}
		if v.LastVisitOn != nil {
			d := Day(*v.LastVisitOn).Format(DayLayout)
			r.LastVisitOn = &d
		}
		gained := max(0, v.VisitedResidents-before[v.VillageID])
		perDay := float64(gained) / PaceDays
		r.ResidentsPerWeek = math.Round(perDay*7*100) / 100
		switch reason := v.GapReason(); {
		case reason == GapNoPopulation:
			r.Status = "no_population"
		case reason == GapNoVisit:
			r.Status = "no_visit"
		case !v.Rural:
			// Visited, so out of the gap report, but never "reached": a
			// community has no one-third to reach, nor a pace towards it.
			r.Status = "not_judged"
		case v.Reached():
			r.Status = "reached"
		case gained == 0:
			r.Status = "not_at_this_pace"
			r.Stalled = Stalled(v.LastVisitOn, w)
		default:
			r.Status = "on_pace"
			days := int(math.Ceil(float64(r.ResidentsNeeded) / perDay))
			d := w.LastDay().AddDate(0, 0, days).Format(DayLayout)
			r.ReachesOn = &d
		}
		out = append(out, r)
	}
	rank := map[string]int{"on_pace": 0, "not_at_this_pace": 1, "no_visit": 1, "reached": 2, "not_judged": 3, "no_population": 3}
	slices.SortStableFunc(out, func(a, b ForecastRow) int {
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]), cmpPtr(a.ReachesOn, b.ReachesOn),
			cmp.Compare(a.VillageCode, b.VillageCode))
	})
	return out
}

// Forecast projects each village's date of reaching one-third (see
// Forecast above); for a role without household access over whole weeks,
// suppressed villages blank.
func (r *Reports) Forecast(ctx context.Context, scope lianxin.Scope, q Query) ([]ForecastRow, Window, error) {
	w, err := r.Window(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	qq, _, err := r.resolve(ctx, scope, q)
	if err != nil {
		return nil, w, err
	}
	// A team leader's forecast of their own town is over the window as
	// asked, as their gap table is (publishVillages' ownExact); any other
	// is widened to whole weeks where the rules say so.
	pub, err := publishVillages(ctx, r.src, scope, w, Filter{Town: qq.Town}, true)
	if err != nil {
		return nil, w, err
	}
	now, w := pub.Villages, pub.Window
	recent := []VillageCoverage{}
	if cut := w.To.AddDate(0, 0, -PaceDays); cut.After(w.From) {
		recent, err = r.src.VillageCoverage(ctx, scope, Window{From: w.From, To: cut}, Filter{Town: qq.Town})
		if err != nil {
			return nil, w, err
		}
	}
	rows := Forecast(now, recent, w)
	suppressed := map[string]bool{}
	for _, v := range now {
		if v.Suppressed {
			suppressed[v.VillageCode] = true
		}
	}
	for i, f := range rows {
		if suppressed[f.VillageCode] {
			rows[i] = ForecastRow{VillageCode: f.VillageCode, VillageName: f.VillageName, TownCode: f.TownCode,
				Rural: f.Rural, ResidentPopulation: f.ResidentPopulation, Status: "suppressed", Suppressed: true}
		}
	}
	return rows, w, nil
}

// Diary spot-check thresholds.
const (
	// FarFromHouseholdMetres: a household visit logged farther than this
	// from the household's location is flagged.
	FarFromHouseholdMetres = 500
	// LateWriteUp: an entry recorded this long after the visit is flagged.
	LateWriteUp = 7 * 24 * time.Hour
)

// Diary flags, what a checker looks at.
const (
	FlagNoLocation       = "no_location"
	FlagFarFromHousehold = "far_from_household"
	FlagNoNotes          = "no_notes"
	FlagLateWriteUp      = "late_write_up"
	FlagDuplicate        = "duplicate"
)

// DiaryEntry is one sampled diary entry with what the checks need.
type DiaryEntry struct {
	// Entry is the entry's number in the database, for every role: what a
	// spot-check result names (package spotcheck). Unlike VisitID it says
	// nothing of the household.
	Entry       int64  `json:"entry"`
	Team        string `json:"team"`
	VisitID     string `json:"visit_id"`
	MemberCode  string `json:"member_code"`
	MemberName  string `json:"member_name"`
	VillageCode string `json:"village_code"`
	// VillageName, TownCode and TownName say where the entry is in words
	// a checker on the phone can use (the village's code alone means
	// nothing to a household): the entry's village, "" when it has none,
	// and its town (the member's).
	VillageName string    `json:"village_name"`
	TownCode    string    `json:"town_code"`
	TownName    string    `json:"town_name"`
	Household   string    `json:"household"` // household external id, "" when none
	Kind        string    `json:"kind"`
	OccurredAt  time.Time `json:"occurred_at"`
	RecordedAt  time.Time `json:"recorded_at"`
	HasLocation bool      `json:"has_location"`
	// MetresFromHousehold is the distance between the entry's location and
	// its household's; nil without either.
	MetresFromHousehold *float64 `json:"metres_from_household"`
	NotesChars          int      `json:"notes_chars"`
	// SameDayEntries counts entries by the same member for the same household
	// on the same campaign day (1 = no duplicate).
	SameDayEntries int      `json:"same_day_entries"`
	Flags          []string `json:"flags"`
}

// Check sets e.Flags from the spot-check rules.
func (e *DiaryEntry) Check() {
	e.Flags = []string{}
	if !e.HasLocation {
		e.Flags = append(e.Flags, FlagNoLocation)
	}
	if e.MetresFromHousehold != nil && *e.MetresFromHousehold > FarFromHouseholdMetres {
		e.Flags = append(e.Flags, FlagFarFromHousehold)
	}
	if e.NotesChars == 0 {
		e.Flags = append(e.Flags, FlagNoNotes)
	}
	if e.RecordedAt.Sub(e.OccurredAt) > LateWriteUp {
		e.Flags = append(e.Flags, FlagLateWriteUp)
	}
	if e.SameDayEntries > 1 {
		e.Flags = append(e.Flags, FlagDuplicate)
	}
}

// Summary is the campaign's report in numbers over a window.
type Summary struct {
	From string `json:"from"`
	To   string `json:"to"`
	Town string `json:"town,omitempty"`
	// Villages and every per-village figure below count only villages whose
	// figures the caller may see: for a role without household access a
	// suppressed village (privacy rule 2) is left out of them and counted
	// in VillagesSuppressed instead, so that no sum less the villages the
	// gap report shows gives a suppressed village's figures back.
	Villages             int64 `json:"villages"`
	VillagesSuppressed   int64 `json:"villages_suppressed"`
	VillagesVisited      int64 `json:"villages_visited"`
	VillagesReached      int64 `json:"villages_reached"`
	VillagesNoPopulation int64 `json:"villages_no_population"`
	ResidentPopulation   int64 `json:"resident_population"`
	VisitedResidents     int64 `json:"visited_residents"`
	// Rural*: the same over rural villages only (villages.rural), the
	// population the one-third rule is written for (农村常住人口); the
	// figures above include urban communities.
	RuralVillages           int64 `json:"rural_villages"`
	RuralVillagesReached    int64 `json:"rural_villages_reached"`
	RuralResidentPopulation int64 `json:"rural_resident_population"`
	RuralVisitedResidents   int64 `json:"rural_visited_residents"`
	// HouseholdsVisited: when villages are left out (VillagesSuppressed),
	// the sum over the villages counted. The diary totals from here on
	// leave out the entries in those villages too (and in every other
	// village the caller's gap report suppresses, since entries count by
	// the writer's town): the gap report shows each village's visits and
	// problems.
	HouseholdsVisited int64 `json:"households_visited"`
	Visits            int64 `json:"visits"`
	// HouseholdVisits counts the entries that reached a household: kinds
	// household_visit and assistance_delivery naming their household
	// (household_contact, migration 027). HouseholdVisitEntries counts
	// entries of kind household_visit, with or without a household, as
	// the other kinds' figures count theirs: the six kinds add up to
	// Visits (migration 029).
	HouseholdVisits       int64         `json:"household_visits"`
	HouseholdVisitEntries int64         `json:"household_visit_entries"`
	EnterpriseVisits      int64         `json:"enterprise_visits"`
	EnterprisesVisited    int64         `json:"enterprises_visited"`
	ProjectSiteVisits     int64         `json:"project_site_visits"`
	VillageMeetings       int64         `json:"village_meetings"`
	OpinionsCollected     int64         `json:"opinions_collected"` // problems collected in every kind of entry
	ProblemsResolved      int64         `json:"problems_resolved"`
	PetitionCasesResolved int64         `json:"petition_cases_resolved"`
	DisputesResolved      int64         `json:"disputes_resolved"`
	PublicityEvents       int64         `json:"publicity_events"`
	PublicityParticipants int64         `json:"publicity_participants"`
	AssistanceDeliveries  int64         `json:"assistance_deliveries"`
	HouseholdsAssisted    int64         `json:"households_assisted"`
	Checks                FiveCoverages `json:"five_coverages"`
}

// FiveCoverages are the campaign's "five full coverages" as checks: each
// count is what still fails, with the codes behind it where they are places
// or people (special-group households are counted, never listed here).
type FiveCoverages struct {
	// Towns lists the codes of the towns the projects and members checks
	// judge: nil (JSON null) for every town of the summary's area (the
	// county, or the town asked); for a role whose detail rows are limited
	// to some towns (a team leader, a member), those of its towns in the
	// area, since other towns' projects and members are hidden from it by
	// row-level security. When the area holds none of them (a team leader
	// asking about another town), those three lists are nil: not judged,
	// never an empty list that would read "none left". Towns, villages and
	// special groups are judged over the whole area for every role, as a
	// planner sees them (a team leader's own towns exactly).
	Towns                []string `json:"towns"`
	TownsWithoutActivity []string `json:"towns_without_activity"`
	// ProjectsWithoutVisit: key enterprises, projects and works sites, in
	// Towns (nil when not judged).
	ProjectsWithoutVisit         []string `json:"projects_without_visit"`
	VillagesWithoutVisit         []string `json:"villages_without_visit"`
	PetitionVillagesWithoutVisit []string `json:"petition_villages_without_visit"`
	// PetitionHouseholdsUnvisited counts the households with a standing
	// petition case (信访) and no diary entry in the window, over the
	// summary's area, for every role: exact with household access there,
	// else published as the special groups' counts are (a team leader
	// asking beyond their towns and a member included: the counts come
	// from the whole county, migration 032). The households themselves:
	// special-households, group=petition.
	PetitionHouseholdsUnvisited *privacy.Count `json:"petition_households_unvisited"`
	SpecialUnvisited            SpecialCounts  `json:"special_unvisited"`
	MembersBelowTarget          []string       `json:"members_below_target"`
	MembersWithoutContactPoint  []string       `json:"members_without_contact_point"`
}
