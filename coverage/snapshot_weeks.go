package coverage

import (
	"context"
	"time"

	"lianxin"
	"lianxin/privacy"
)

// Snapshot windows: which days a snapshot is taken over, and which two
// snapshots may be compared.
//
// A snapshot as of a day covers [campaign start, as_of + 1 day). For a role
// bound to whole campaign weeks (no household access: privacy rule 5) that
// window is widened by PublishWindow, the one rounding the gap report, the
// summary and the village panel use, so as_of moves to the last day of its
// campaign week: the snapshot holds the figures that role's panel shows for
// the same days, and two such snapshots are whole weeks apart or the same.
// The snapshot records the window it used (as_of its last day) and the day
// asked (as_of_asked). Such a role compares only snapshots whose window is
// whole weeks: one taken over other days (by a role with household access,
// or before snapshots were widened) would give day-by-day figures.

// Refusal reasons of the snapshot windows (see SnapshotReasons).
const (
	SnapReasonAsOfFuture         = "as_of_future"          // {value, today}: as_of after today
	SnapReasonAsOfBeforeCampaign = "as_of_before_campaign" // {value, starts_on}: as_of before the campaign's first day
	SnapReasonAreasDiffer        = "areas_differ"          // {a, b, town_a, town_b}: two snapshots of different areas ("" the county)
	SnapReasonNotWholeWeeks      = "not_whole_weeks"       // {id, from, to}: a snapshot a role bound to whole weeks may not compare
)

// snapshotWindow is the window a snapshot asked as of asOf (zero: today)
// is taken over for scope: [campaign start, asOf + 1 day), widened to
// whole weeks for a role without household access (PublishWindow). asOf
// after today, or before the campaign's first day, is refused.
func (r *Reports) snapshotWindow(ctx context.Context, scope lianxin.Scope, asOf time.Time) (Window, error) {
	today := Day(r.now())
	if asOf.IsZero() {
		asOf = today
	}
	asOf = Day(asOf)
	c, err := r.src.Campaign(ctx, scope)
	if err != nil {
		return Window{}, err
	}
	start := Day(c.StartsOn)
	if asOf.After(today) {
		return Window{}, lianxin.Refuse(lianxin.EInvalid, "as_of", SnapReasonAsOfFuture,
			map[string]any{"value": asOf.Format(DayLayout), "today": today.Format(DayLayout)},
			"as_of: %s is after today (%s); a snapshot holds days that have passed", asOf.Format(DayLayout), today.Format(DayLayout))
	}
	if asOf.Before(start) {
		return Window{}, lianxin.Refuse(lianxin.EInvalid, "as_of", SnapReasonAsOfBeforeCampaign,
			map[string]any{"value": asOf.Format(DayLayout), "starts_on": start.Format(DayLayout)},
			"as_of: %s is before the campaign began (%s)", asOf.Format(DayLayout), start.Format(DayLayout))
	}
	return PublishWindow(scope, Window{From: start, To: asOf.AddDate(0, 0, 1)}, start), nil
}

// SnapshotWindow is the window a snapshot's figures cover.
func (s Snapshot) SnapshotWindow() Window { return Window{From: s.From, To: s.AsOf.AddDate(0, 0, 1)} }

// checkComparable refuses a diff of a and b that scope may not read: snapshots
// of two areas (every village of one would read added, of the other
// removed, and each sum would move by an area), and, for a role bound to
// whole weeks, a snapshot whose window is not whole weeks.
func (r *Reports) checkComparable(ctx context.Context, scope lianxin.Scope, a, b Snapshot) error {
	if a.Town != b.Town {
		return lianxin.Refuse(lianxin.EInvalid, "", SnapReasonAreasDiffer,
			map[string]any{"a": a.ID, "b": b.ID, "town_a": a.Town, "town_b": b.Town},
			"snapshots %d and %d cover different areas (%s, %s): compare two snapshots of one area", a.ID, b.ID, areaName(a.Town), areaName(b.Town))
	}
	if !privacy.Applies(scope) {
		return nil
	}
	c, err := r.src.Campaign(ctx, scope)
	if err != nil {
		return err
	}
	for _, s := range []Snapshot{a, b} {
		if w := s.SnapshotWindow(); !wholeWeeksFor(scope, w, c.StartsOn) {
			return lianxin.Refuse(lianxin.EInvalid, "", SnapReasonNotWholeWeeks,
				map[string]any{"id": s.ID, "from": w.From.Format(DayLayout), "to": w.To.Format(DayLayout)},
				"snapshot %d covers %v, not whole campaign weeks, which your role compares only: take a snapshot now (it is taken over whole weeks)", s.ID, w)
		}
	}
	return nil
}

func areaName(town string) string {
	if town == "" {
		return "the county"
	}
	return "town " + town
}

// wholeWeeksFor says whether scope may compare a snapshot over w: any
// window with household access, whole campaign weeks without (the window
// PublishWindow leaves as it is).
func wholeWeeksFor(scope lianxin.Scope, w Window, startsOn time.Time) bool {
	return PublishWindow(scope, w, startsOn) == w
}

// MarkComparable sets Comparable on each snapshot of list for scope, as
// Diff decides it (checkComparable), so that the list says which snapshots
// can be compared before one is refused: a snapshot a role bound to whole
// weeks saved over other days (before snapshots were widened, or by a role
// with household access) is not comparable for it, since its window ends
// within a week and a diff would give figures of single days. Its figures
// are frozen over that window, so the server cannot round it to whole weeks
// after the fact; RetakeAsOf says the day a snapshot taken again as of its
// as_of would run to (the end of that week, over the data as they are when
// taken), which the web map offers.
func (r *Reports) MarkComparable(ctx context.Context, scope lianxin.Scope, list []Snapshot) error {
	yes := true
	if !privacy.Applies(scope) {
		for i := range list {
			list[i].Comparable = &yes
		}
		return nil
	}
	c, err := r.src.Campaign(ctx, scope)
	if err != nil {
		return err
	}
	for i := range list {
		w := list[i].SnapshotWindow()
		ok := wholeWeeksFor(scope, w, c.StartsOn)
		list[i].Comparable = &ok
		if !ok {
			list[i].RetakeAsOf = PublishWindow(scope, w, c.StartsOn).LastDay()
		}
	}
	return nil
}
