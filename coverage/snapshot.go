package coverage

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
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
}

// MarshalJSON writes the days as YYYY-MM-DD.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	type plain Snapshot
	return json.Marshal(struct {
		plain
		AsOf string `json:"as_of"`
		From string `json:"from"`
	}{plain(s), s.AsOf.Format(DayLayout), s.From.Format(DayLayout)})
}

// Snapshotter stores snapshots; *store.Store implements it.
type Snapshotter interface {
	SaveSnapshot(ctx context.Context, scope lianxin.Scope, s Snapshot) (Snapshot, error)
	Snapshot(ctx context.Context, scope lianxin.Scope, id int64) (Snapshot, error)
	Snapshots(ctx context.Context, scope lianxin.Scope) ([]Snapshot, error)
}

// TakeSnapshot freezes the gap report of every village and the summary over
// [campaign start, asOf] (asOf zero: today) for a town ("" county).
func (r *Reports) TakeSnapshot(ctx context.Context, scope lianxin.Scope, st Snapshotter, asOf time.Time, town string) (Snapshot, error) {
	if asOf.IsZero() {
		asOf = r.now()
	}
	q := Query{Town: town, To: Day(asOf).AddDate(0, 0, 1)}
	// Snapshots keep exact figures (their window is the campaign to as_of);
	// Diff applies the privacy rules when they are compared.
	rows, w, err := r.gaps(ctx, scope, GapQuery{Query: q, All: true, Sort: "village_code"}, false)
	if err != nil {
		return Snapshot{}, err
	}
	sum, err := r.summary(ctx, scope, q, false)
	if err != nil {
		return Snapshot{}, err
	}
	return st.SaveSnapshot(ctx, scope, Snapshot{AsOf: Day(asOf), From: w.From, Town: town, Gaps: rows, Summary: &sum})
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
	// Status: newly_reached | fell_below | added | removed | changed.
	Status string `json:"status"`
}

// Diff is what changed from snapshot A to snapshot B.
type Diff struct {
	A             Snapshot           `json:"a"`
	B             Snapshot           `json:"b"`
	NewlyReached  int                `json:"newly_reached"`
	FellBelow     int                `json:"fell_below"`
	ReachedBefore int                `json:"reached_before"`
	ReachedAfter  int                `json:"reached_after"`
	Villages      []VillageChange    `json:"villages"` // only villages that changed
	Summary       map[string]float64 `json:"summary"`  // B minus A for every number of the summary
}

// DiffSnapshots compares two snapshots village by village and number by number.
func DiffSnapshots(a, b Snapshot) Diff {
	d := Diff{A: a, B: b, Villages: []VillageChange{}, Summary: map[string]float64{}}
	d.A.Gaps, d.B.Gaps, d.A.Summary, d.B.Summary = nil, nil, nil, nil
	before := map[string]GapRow{}
	for _, g := range a.Gaps {
		before[g.VillageCode] = g
		if g.Reached {
			d.ReachedBefore++
		}
	}
	seen := map[string]bool{}
	for _, g := range b.Gaps {
		seen[g.VillageCode] = true
		if g.Reached {
			d.ReachedAfter++
		}
		p, ok := before[g.VillageCode]
		c := VillageChange{VillageCode: g.VillageCode, VillageName: g.VillageName, TownCode: g.TownCode,
			CoverageAfter: g.Coverage, VisitedResidents: g.VisitedResidents, ResidentsNeeded: g.ResidentsNeeded,
			SpecialWaiting: privacy.Shown(g.SpecialWaiting.N), Status: "added"}
		if ok {
			c.CoverageBefore = p.Coverage
			c.VisitedResidents -= p.VisitedResidents
			c.ResidentsNeeded -= p.ResidentsNeeded
			c.SpecialWaiting.N -= p.SpecialWaiting.N
			switch {
			case g.Reached && !p.Reached:
				c.Status = "newly_reached"
				d.NewlyReached++
			case !g.Reached && p.Reached:
				c.Status = "fell_below"
				d.FellBelow++
			case c.VisitedResidents == 0 && c.ResidentsNeeded == 0 && c.SpecialWaiting.N == 0:
				continue
			default:
				c.Status = "changed"
			}
		}
		d.Villages = append(d.Villages, c)
	}
	for _, p := range a.Gaps {
		if !seen[p.VillageCode] {
			d.Villages = append(d.Villages, VillageChange{VillageCode: p.VillageCode, VillageName: p.VillageName,
				TownCode: p.TownCode, CoverageBefore: p.Coverage, Status: "removed"})
		}
	}
	slices.SortFunc(d.Villages, func(x, y VillageChange) int { return cmp.Compare(x.VillageCode, y.VillageCode) })
	na, nb := numbers(a.Summary), numbers(b.Summary)
	for k, v := range nb {
		d.Summary[k] = v - na[k]
	}
	return d
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

// Diff loads two snapshots and compares them.
func (r *Reports) Diff(ctx context.Context, scope lianxin.Scope, st Snapshotter, a, b int64) (Diff, error) {
	sa, err := st.Snapshot(ctx, scope, a)
	if err != nil {
		return Diff{}, err
	}
	sb, err := st.Snapshot(ctx, scope, b)
	if err != nil {
		return Diff{}, err
	}
	d := DiffSnapshots(sa, sb)
	if privacy.Applies(scope) {
		protectDiff(&d, sa, sb)
	}
	return d, nil
}

// protectDiff applies the privacy rules to a diff for a role without
// household access. A village with 1 to 4 households on either side shows
// no change but its status; a change of special-group households waiting is
// hidden when it is 1 to 10 either way (it counts special households
// visited between the two days) or when either side's figure is 1 to 10.
func protectDiff(d *Diff, a, b Snapshot) {
	before, after := map[string]GapRow{}, map[string]GapRow{}
	for _, g := range a.Gaps {
		before[g.VillageCode] = g
	}
	for _, g := range b.Gaps {
		after[g.VillageCode] = g
	}
	for i, c := range d.Villages {
		p, q := before[c.VillageCode], after[c.VillageCode]
		if privacy.TooFewHouseholds(p.Households) || privacy.TooFewHouseholds(q.Households) {
			d.Villages[i] = VillageChange{VillageCode: c.VillageCode, VillageName: c.VillageName, TownCode: c.TownCode,
				SpecialWaiting: privacy.Count{Hidden: true}, Status: c.Status}
			continue
		}
		change := c.SpecialWaiting.N
		if privacy.SmallCount(max(change, -change)) || privacy.SmallCount(p.SpecialWaiting.N) || privacy.SmallCount(q.SpecialWaiting.N) {
			d.Villages[i].SpecialWaiting = privacy.Count{Hidden: true}
		}
	}
}
