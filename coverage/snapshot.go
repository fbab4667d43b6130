package coverage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"lianxin"
	"lianxin/privacy"
)

// WeekCount is a week's entries in a village, week starting WeekStart.
type WeekCount struct {
	WeekStart         string `json:"week_start"`
	Visits            int64  `json:"visits"`
	ProblemsCollected int64  `json:"problems_collected"`
	ProblemsResolved  int64  `json:"problems_resolved"`
}

// Snapshot is the gap report (every village) and the summary frozen as of a
// day, with the layer versions of its inputs.
type Snapshot struct {
	ID        int64            `json:"id"`
	AsOf      time.Time        `json:"-"`
	From      time.Time        `json:"-"`
	Town      string           `json:"town"`
	CreatedAt time.Time        `json:"created_at"`
	CreatedBy string           `json:"created_by"`
	Versions  map[string]int64 `json:"versions"`
	Gaps      []GapRow         `json:"gaps,omitempty"`
	Summary   *Summary         `json:"summary,omitempty"`
	// AsOfAsked is the day asked when the snapshot was taken (zero when
	// read back): as_of is the last day of the window used, which for a
	// role bound to whole weeks is the end of the asked day's week
	// (snapshot_weeks.go).
	AsOfAsked time.Time `json:"-"`
	// Comparable says whether the caller may compare the snapshot (with
	// another of its area), set on the list (MarkComparable): false for a
	// role bound to whole weeks and a snapshot over other days. Nil where
	// it is not asked.
	Comparable *bool `json:"comparable,omitempty"`
	// RetakeAsOf is, for a snapshot the caller may not compare, the as_of a
	// snapshot taken again as of the same day would record: the last day of
	// its campaign week (zero otherwise).
	RetakeAsOf time.Time `json:"-"`
}

// MarshalJSON writes the days as YYYY-MM-DD, and the window [from, to)
// the figures cover.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	type plain Snapshot
	day := func(d time.Time) string {
		if d.IsZero() {
			return ""
		}
		return d.Format(DayLayout)
	}
	return json.Marshal(struct {
		plain
		AsOf       string `json:"as_of"`
		From       string `json:"from"`
		To         string `json:"to"`
		AsOfAsked  string `json:"as_of_asked,omitempty"`
		RetakeAsOf string `json:"retake_as_of,omitempty"`
	}{plain(s), s.AsOf.Format(DayLayout), s.From.Format(DayLayout), s.SnapshotWindow().To.Format(DayLayout), day(s.AsOfAsked), day(s.RetakeAsOf)})
}

// Refusal reasons of the snapshots: a snapshot refusal is a
// *lianxin.Error with a lianxin.Refusal in Details (the field, the reason,
// its parameters) and its English sentence as Message, so that the web map
// words it in the page's language (i18n.js snap.refusal.<reason>, a test
// checks every reason is worded). A reason once published keeps its
// meaning and parameters.
const (
	SnapReasonBodyBad       = "body_bad"       // {allowed}: not a JSON object of the snapshot's fields
	SnapReasonUnknownField  = "unknown_field"  // {value, allowed}
	SnapReasonBadDay        = "bad_day"        // {value}: as_of not YYYY-MM-DD
	SnapReasonBadTown       = "bad_town"       // {value}: town not a code
	SnapReasonTownUnknown   = "town_unknown"   // {town} (404)
	SnapReasonTownNotYours  = "town_not_yours" // {town} (403): a snapshot is kept with its town's rows
	SnapReasonCountyNotYour = "county_not_yours"
	SnapReasonBadID         = "bad_id"    // {value}: a snapshot id in the URL not a positive whole number
	SnapReasonNotFound      = "not_found" // {id} (404): no such snapshot, or not one the caller may read
)

// SnapshotReasons lists every refusal reason of the snapshots.
var SnapshotReasons = []string{
	SnapReasonBodyBad, SnapReasonUnknownField, SnapReasonBadDay, SnapReasonBadTown, SnapReasonTownUnknown,
	SnapReasonTownNotYours, SnapReasonCountyNotYour, SnapReasonBadID, SnapReasonNotFound,
	SnapReasonAsOfFuture, SnapReasonAsOfBeforeCampaign, SnapReasonAreasDiffer, SnapReasonNotWholeWeeks, // snapshot_weeks.go
}

// ParseSnapshotDay reads a snapshot's as_of day.
func ParseSnapshotDay(s string) (time.Time, error) {
	d, err := ParseDay("as_of", s)
	if err != nil {
		return time.Time{}, lianxin.Refuse(lianxin.EInvalid, "as_of", SnapReasonBadDay, map[string]any{"value": s}, "%s", lianxin.ErrorMessage(err))
	}
	return d, nil
}

// ParseSnapshotID reads a snapshot id of the URL (param "a" or "b").
func ParseSnapshotID(param, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, lianxin.Refuse(lianxin.EInvalid, param, SnapReasonBadID, map[string]any{"value": s}, "%s: %q is not a snapshot id", param, s)
	}
	return id, nil
}

// Snapshotter stores snapshots; *store.Store implements it. SaveSnapshot
// refuses (forbidden) a snapshot of a town, or of the whole county, that
// scope cannot write, and Snapshot says not found for an id that is none
// of scope's: TakeSnapshot and Diff give those refusals their reasons.
type Snapshotter interface {
	SaveSnapshot(ctx context.Context, scope lianxin.Scope, s Snapshot) (Snapshot, error)
	Snapshot(ctx context.Context, scope lianxin.Scope, id int64) (Snapshot, error)
	Snapshots(ctx context.Context, scope lianxin.Scope) ([]Snapshot, error)
}

// TakeSnapshot freezes the gap report of every village and the summary over
// [campaign start, asOf] (asOf zero: today) for a town ("" county), widened
// to whole weeks for a role bound to them (snapshotWindow).
func (r *Reports) TakeSnapshot(ctx context.Context, scope lianxin.Scope, st Snapshotter, asOf time.Time, town string) (Snapshot, error) {
	if asOf.IsZero() {
		asOf = r.now()
	}
	sw, err := r.snapshotWindow(ctx, scope, asOf)
	if err != nil {
		return Snapshot{}, err
	}
	q := Query{Town: town, From: sw.From, To: sw.To}
	// Snapshots keep exact figures (their window is the campaign to as_of);
	// Diff applies the privacy rules when they are compared.
	rows, w, err := r.gaps(ctx, scope, GapQuery{Query: q, All: true, Sort: "village_code"}, false)
	if town != "" && lianxin.ErrorCode(err) == lianxin.ENotFound {
		return Snapshot{}, lianxin.Refuse(lianxin.ENotFound, "town", SnapReasonTownUnknown, map[string]any{"town": town},
			"town %q: no town with that code", town)
	}
	if err != nil {
		return Snapshot{}, err
	}
	sum, err := r.summary(ctx, scope, q, false)
	if err != nil {
		return Snapshot{}, err
	}
	snap, err := st.SaveSnapshot(ctx, scope, Snapshot{AsOf: w.LastDay(), From: w.From, Town: town, Gaps: rows, Summary: &sum})
	snap.AsOfAsked = Day(asOf)
	if lianxin.ErrorCode(err) == lianxin.EForbidden {
		if town == "" {
			return Snapshot{}, lianxin.Refuse(lianxin.EForbidden, "town", SnapReasonCountyNotYour, nil, "%s", lianxin.ErrorMessage(err))
		}
		return Snapshot{}, lianxin.Refuse(lianxin.EForbidden, "town", SnapReasonTownNotYours, map[string]any{"town": town}, "%s", lianxin.ErrorMessage(err))
	}
	return snap, err
}

// VillageChange is how one village moved between two snapshots.
type VillageChange struct {
	VillageCode      string        `json:"village_code"`
	VillageName      string        `json:"village_name"`
	TownCode         string        `json:"town_code"`
	CoverageBefore   *float64      `json:"coverage_before"`
	CoverageAfter    *float64      `json:"coverage_after"`
	VisitedResidents int64         `json:"visited_residents_change"`
	ResidentsNeeded  int64         `json:"residents_needed_change"`
	SpecialWaiting   privacy.Count `json:"special_waiting_change"`
	// Status: newly_reached | fell_below | added | removed | changed (a
	// figure moved, or one is hidden and may have). Reached is "meets its
	// rule" (VillageCoverage.GapReason): one-third for a rural village, a
	// visit in the window for an urban community, never one-third.
	Status string `json:"status"`
}

// Diff is what changed from snapshot A to snapshot B.
type Diff struct {
	A Snapshot `json:"a"`
	B Snapshot `json:"b"`
	// NewlyReached, FellBelow, ReachedBefore and ReachedAfter count villages
	// by their rule, as Status does.
	NewlyReached  int                `json:"newly_reached"`
	FellBelow     int                `json:"fell_below"`
	ReachedBefore int                `json:"reached_before"`
	ReachedAfter  int                `json:"reached_after"`
	Villages      []VillageChange    `json:"villages"` // villages that changed, and those with a figure hidden
	Summary       map[string]float64 `json:"summary"`  // B minus A for every number of the summary
}

// DiffSnapshots compares two snapshots village by village and number by
// number, with exact figures.
func DiffSnapshots(a, b Snapshot) Diff { return diffSnapshots(a, b, nil, nil) }

// shown is what a caller may see of one village in one snapshot: exactly
// (household access there), or under the privacy rules with its row
// suppressed (every figure blank) or its special households waiting hidden.
type shown struct {
	exact         bool
	suppressed    bool
	waitingHidden bool
}

// diffSnapshots is DiffSnapshots for a caller who may see of each side only
// what before and after say (nil: everything, exact). A suppressed village
// (either side) shows its status and nothing else; a hidden special_waiting
// (either side) hides its change, as does a change of 1 to 10 either way (it
// counts the special households first visited between the two days). A
// village is left out as unchanged only when every figure moved by 0 and
// nothing of it is hidden: leaving out a hidden one would say its hidden
// figures did not move, and so equal the other side's.
func diffSnapshots(a, b Snapshot, before, after map[string]shown) Diff {
	d := Diff{A: a, B: b, Villages: []VillageChange{}, Summary: map[string]float64{}}
	d.A.Gaps, d.B.Gaps, d.A.Summary, d.B.Summary = nil, nil, nil, nil
	old := map[string]GapRow{}
	for _, g := range a.Gaps {
		old[g.VillageCode] = g
		if g.Reached && !before[g.VillageCode].suppressed {
			d.ReachedBefore++
		}
	}
	seen := map[string]bool{}
	for _, g := range b.Gaps {
		seen[g.VillageCode] = true
		if g.Reached && !after[g.VillageCode].suppressed {
			d.ReachedAfter++
		}
		p, ok := old[g.VillageCode]
		c := VillageChange{VillageCode: g.VillageCode, VillageName: g.VillageName, TownCode: g.TownCode,
			CoverageAfter: g.Coverage, VisitedResidents: g.VisitedResidents, ResidentsNeeded: g.ResidentsNeeded,
			SpecialWaiting: privacy.Shown(g.SpecialWaiting.N), Status: "added"}
		pa, pb := shown{exact: true}, shown{exact: true} // an added village has no before
		if after != nil {
			pb = after[g.VillageCode]
		}
		if ok {
			if before != nil {
				pa = before[g.VillageCode]
			}
			c.CoverageBefore = p.Coverage
			c.VisitedResidents -= p.VisitedResidents
			c.ResidentsNeeded -= p.ResidentsNeeded
			c.SpecialWaiting.N -= p.SpecialWaiting.N
			switch {
			case pa.suppressed || pb.suppressed:
				// Rule 2: its reached status is hidden on a side, so neither
				// its status nor a counter may tell how it moved.
				c.Status = "changed"
			case g.Reached && !p.Reached:
				c.Status = "newly_reached"
				d.NewlyReached++
			case !g.Reached && p.Reached:
				c.Status = "fell_below"
				d.FellBelow++
			default:
				c.Status = "changed"
			}
		}
		change := c.SpecialWaiting.N
		switch {
		case pa.suppressed || pb.suppressed:
			c = VillageChange{VillageCode: c.VillageCode, VillageName: c.VillageName, TownCode: c.TownCode,
				SpecialWaiting: privacy.Withhold(0, 0), Status: c.Status}
		case pa.waitingHidden || pb.waitingHidden || !(pa.exact && pb.exact) && privacy.SmallCount(max(change, -change)):
			// "hidden", not "<11": a change is hidden as often because a
			// side is hidden as for being small.
			c.SpecialWaiting = privacy.Withhold(0, 0)
		case c.Status == "changed" && c.VisitedResidents == 0 && c.ResidentsNeeded == 0 && change == 0:
			continue
		}
		d.Villages = append(d.Villages, c)
	}
	for _, p := range a.Gaps {
		if !seen[p.VillageCode] {
			c := VillageChange{VillageCode: p.VillageCode, VillageName: p.VillageName,
				TownCode: p.TownCode, CoverageBefore: p.Coverage, Status: "removed"}
			if before[p.VillageCode].suppressed {
				c.CoverageBefore = nil
			}
			d.Villages = append(d.Villages, c)
		}
	}
	slices.SortFunc(d.Villages, func(x, y VillageChange) int { return cmp.Compare(x.VillageCode, y.VillageCode) })
	na, nb := numbers(a.Summary), numbers(b.Summary)
	if before != nil || after != nil {
		// The snapshots' summaries are exact: their per-village numbers are
		// taken again over the rows the caller sees on both sides, as the
		// published summary takes them (rule 2).
		na, nb = shownNumbers(na, a.Gaps, before, after), shownNumbers(nb, b.Gaps, before, after)
	}
	for k, v := range nb {
		d.Summary[k] = v - na[k]
	}
	return d
}

// diaryTotals are the summary's diary totals the gap rows cannot give per
// village (entries by kind, outcomes, distinct households assisted and
// enterprises visited): a snapshot keeps them over every village.
var diaryTotals = []string{"household_visits", "household_visit_entries", "enterprise_visits", "enterprises_visited", "project_site_visits",
	"village_meetings", "petition_cases_resolved", "disputes_resolved", "publicity_events", "publicity_participants",
	"assistance_deliveries", "households_assisted"}

// shownNumbers replaces a snapshot summary's per-village numbers (n, by
// JSON name) with their sums over rows not suppressed on either side; those
// the rows cannot give (the rural figures) are left out. The diary totals
// hold every village's entries (snapshots are exact): when a village is
// suppressed on either side, its visits and problems (its gap row's) are
// taken out of the totals, as the published summary leaves them out, and
// the totals the rows cannot give per village are left out, since their
// change would hold its entries.
func shownNumbers(n map[string]float64, rows []GapRow, before, after map[string]shown) map[string]float64 {
	out := map[string]float64{}
	for k, v := range n {
		out[k] = v
	}
	for _, k := range []string{"rural_villages", "rural_villages_reached", "rural_resident_population", "rural_visited_residents"} {
		delete(out, k)
	}
	var villages, suppressed, visited, reached, noPop, pop, residents, households float64
	for _, g := range rows {
		if before[g.VillageCode].suppressed || after[g.VillageCode].suppressed {
			suppressed++
			out["visits"] -= float64(g.Visits)
			out["opinions_collected"] -= float64(g.ProblemsCollected)
			out["problems_resolved"] -= float64(g.ProblemsResolved)
			continue
		}
		villages++
		pop += float64(g.ResidentPopulation)
		residents += float64(g.VisitedResidents)
		households += float64(g.VisitedHouseholds)
		if g.Visits > 0 {
			visited++
		}
		if g.Reached {
			reached++
		}
		if g.NoPopulation {
			noPop++
		}
	}
	out["villages"], out["villages_suppressed"], out["villages_visited"], out["villages_reached"] = villages, suppressed, visited, reached
	out["villages_no_population"], out["resident_population"], out["visited_residents"] = noPop, pop, residents
	out["households_visited"] = households
	if suppressed > 0 {
		for _, k := range diaryTotals {
			delete(out, k)
		}
	}
	return out
}

// numbers flattens a summary's top-level numbers by JSON name.
func numbers(s *Summary) map[string]float64 {
	out := map[string]float64{}
	if s == nil {
		return out
	}
	b, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out
}

// Diff loads two snapshots and compares them as scope may see them: exact
// with household access everywhere; otherwise a figure or change is shown
// only where the gap report over each snapshot's window shows that
// village's figure to scope (snapshotShown), so that no value the gap
// report hides for either window follows from a side it shows and the
// change. A team leader's own towns stay exact.
func (r *Reports) Diff(ctx context.Context, scope lianxin.Scope, st Snapshotter, a, b int64) (Diff, error) {
	sa, err := snapshotOf(ctx, scope, st, a)
	if err != nil {
		return Diff{}, err
	}
	sb, err := snapshotOf(ctx, scope, st, b)
	if err != nil {
		return Diff{}, err
	}
	if err := r.checkComparable(ctx, scope, sa, sb); err != nil {
		return Diff{}, err
	}
	if !privacy.Applies(scope) && !privacy.Partial(scope) {
		return DiffSnapshots(sa, sb), nil
	}
	before, err := r.snapshotShown(ctx, scope, sa)
	if err != nil {
		return Diff{}, err
	}
	after, err := r.snapshotShown(ctx, scope, sb)
	if err != nil {
		return Diff{}, err
	}
	return diffSnapshots(sa, sb, before, after), nil
}

// snapshotOf loads snapshot id, its not found given its reason.
func snapshotOf(ctx context.Context, scope lianxin.Scope, st Snapshotter, id int64) (Snapshot, error) {
	s, err := st.Snapshot(ctx, scope, id)
	if lianxin.ErrorCode(err) == lianxin.ENotFound {
		return Snapshot{}, lianxin.Refuse(lianxin.ENotFound, "", SnapReasonNotFound, map[string]any{"id": id}, "%s", lianxin.ErrorMessage(err))
	}
	return s, err
}

// snapshotShown says what scope may see of each village of s: what the gap
// report publishes (PublishVillages, the same marks for the same window and
// scope) for the snapshot's window [from, as_of + 1 day). Snapshots keep
// exact figures, and the marks are decided on today's figures: a village
// whose stored special households waiting differ from what the gap report
// publishes now (data imported since, or a window that is not whole weeks,
// which the gap report widens for a role without household access) has
// them hidden, since shown they would be a figure the gap report never
// published; one whose households differ, or that the report no longer
// holds, is suppressed. A team leader's own towns are left exact.
func (r *Reports) snapshotShown(ctx context.Context, scope lianxin.Scope, s Snapshot) (map[string]shown, error) {
	pub, err := PublishVillages(ctx, r.src, scope, Window{From: s.From, To: s.AsOf.AddDate(0, 0, 1)}, Filter{Town: s.Town})
	if err != nil {
		return nil, fmt.Errorf("publish snapshot %d's villages: %w", s.ID, err)
	}
	now := make(map[string]VillageCoverage, len(pub.Villages))
	for _, v := range pub.Villages {
		now[v.VillageCode] = v
	}
	out := make(map[string]shown, len(s.Gaps))
	for _, g := range s.Gaps {
		v, ok := now[g.VillageCode]
		switch {
		case !ok:
			out[g.VillageCode] = shown{suppressed: true, waitingHidden: true}
		case privacy.Partial(scope) && scope.SeesTown(v.TownID):
			// The leader's own: they count these households themselves.
			out[g.VillageCode] = shown{exact: true}
		default:
			suppressed := v.Suppressed || privacy.TooFewHouseholds(g.Households) || v.Households != g.Households
			same := v.SpecialUnvisited.Total() == g.SpecialWaiting.N
			out[g.VillageCode] = shown{suppressed: suppressed, waitingHidden: suppressed || v.SpecialWaitingHidden || !same}
		}
	}
	return out, nil
}
