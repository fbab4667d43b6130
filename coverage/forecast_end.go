package coverage

import (
	"context"
	"time"

	"lianxin"
)

// The forecast judges villages against the end the caller names, else the
// campaign's own (campaign.ends_on, migration 036), else a year after the
// start (the campaign's own reports run over its first year).

// DefaultCampaignEnd is the campaign's last day when none is named or set:
// the day before the start's anniversary.
func DefaultCampaignEnd(startsOn time.Time) time.Time {
	return Day(startsOn).AddDate(1, 0, -1)
}

// CampaignEnd is the last day the forecast judges against when the caller
// names none: the campaign's end when an admin has set one, else
// DefaultCampaignEnd.
func CampaignEnd(cp Campaign) time.Time {
	if cp.EndsOn != nil {
		return Day(*cp.EndsOn)
	}
	return DefaultCampaignEnd(cp.StartsOn)
}

// ForecastByEnd is a forecast row judged against the campaign's last day:
// whether the village reaches one-third by then at its recent pace, and the
// pace that would get it there.
type ForecastByEnd struct {
	ForecastRow
	// OnTrack: reached already, or reaches one-third on or before the
	// campaign's last day at this pace. nil where the rule does not judge
	// (no population, an urban community, a suppressed village).
	OnTrack *bool `json:"on_track"`
	// ResidentsPerWeekNeeded is the pace (residents reached for the first
	// time, per week, rounded up) that reaches one-third on the campaign's
	// last day, counted from the window's end; nil where nothing is judged
	// or the campaign has no day left after the window.
	ResidentsPerWeekNeeded *int64 `json:"residents_per_week_needed"`
}

// JudgeByEnd judges each forecast row against the campaign's last day
// endsOn (inclusive), the pace counted from the day after the window w.
// A suppressed row stays blank: its figures were withheld.
func JudgeByEnd(rows []ForecastRow, w Window, endsOn time.Time) []ForecastByEnd {
	daysLeft := int64(Day(endsOn).Sub(w.LastDay()).Hours()/24 + 0.5) // DST-free zone: whole days
	last := Day(endsOn).Format(DayLayout)
	out := make([]ForecastByEnd, len(rows))
	for i, r := range rows {
		out[i].ForecastRow = r
		var onTrack bool
		switch r.Status {
		case "reached":
			onTrack = true
		case "on_pace":
			onTrack = r.ReachesOn != nil && *r.ReachesOn <= last // YYYY-MM-DD compares as text
		case "not_at_this_pace":
			onTrack = false
		default: // no_population, no_visit and not_judged (urban), suppressed
			continue
		}
		out[i].OnTrack = &onTrack
		if r.Status == "reached" {
			zero := int64(0)
			out[i].ResidentsPerWeekNeeded = &zero
		} else if daysLeft > 0 {
			need := ResidentsPerWeekNeeded(r.ResidentsNeeded, daysLeft)
			out[i].ResidentsPerWeekNeeded = &need
		}
	}
	return out
}

// ResidentsPerWeekNeeded is the whole residents a week that reach
// residentsNeeded in daysLeft days (rounded up: a pace a team can keep).
func ResidentsPerWeekNeeded(residentsNeeded, daysLeft int64) int64 {
	if residentsNeeded <= 0 || daysLeft <= 0 {
		return 0
	}
	return (residentsNeeded*7 + daysLeft - 1) / daysLeft
}

// ForecastReport is the forecast as a planner reads it: the rows judged
// against the campaign's last day, with the day the figures stand at and
// the diary's last entry, so a forecast made weeks after the diary stopped
// says so instead of showing every village stalled without a reason.
type ForecastReport struct {
	// Window is the window the figures count (published: whole weeks for a
	// role without household access); in an ended campaign it stops at the
	// end.
	Window Window
	// AsOf is the window's last day (never after today): the day the
	// figures stand at and the pace is measured up to.
	AsOf   time.Time
	EndsOn time.Time
	// Ended: the campaign's last day came before AsOf would have been
	// (today, or the window's last day). The rows are then the standing at
	// the end, nothing is projected (EndedStanding).
	Ended bool
	// LastDiaryOn is the last day with a diary entry in a village shown,
	// up to AsOf; nil when the window has none.
	LastDiaryOn *time.Time
	// DiaryStalled: no entry in the pace's four weeks up to AsOf (Stalled).
	DiaryStalled bool
	Rows         []ForecastByEnd
}

// ForecastToEnd is the forecast judged against endsOn (zero: the
// campaign's end, CampaignEnd). A window running past today stops at today
// (no pace is measured over days not yet lived); one running past the
// campaign's end stops at the end and shows the final standing: for a role
// bound to whole weeks (privacy rule 5) as of the end of the last whole
// week before the campaign's end, never counting an entry after it.
func (r *Reports) ForecastToEnd(ctx context.Context, scope lianxin.Scope, q Query, endsOn time.Time) (ForecastReport, error) {
	cp, err := r.src.Campaign(ctx, scope)
	if err != nil {
		return ForecastReport{}, err
	}
	if endsOn.IsZero() {
		endsOn = CampaignEnd(cp)
	}
	endsOn = Day(endsOn)
	w, err := ResolveWindow(cp.StartsOn, r.now(), q.From, q.To)
	if err != nil {
		return ForecastReport{}, err
	}
	if tomorrow := Day(r.now()).AddDate(0, 0, 1); w.To.After(tomorrow) && w.From.Before(tomorrow) {
		w.To = tomorrow
	}
	ended := false
	if end := endsOn.AddDate(0, 0, 1); w.To.After(end) {
		if !end.After(w.From) {
			return ForecastReport{}, refuse(lianxin.EInvalid, "ends_on", ReportReasonWindowOrder,
				map[string]any{"from": w.From.Format(DayLayout), "to": endsOn.Format(DayLayout)},
				"ends_on (%s) is before the window's first day (%s)", endsOn.Format(DayLayout), w.From.Format(DayLayout))
		}
		w.To = end
		ended = Day(r.now()).After(endsOn)
	}
	q.From, q.To = w.From, w.To
	rows, w, err := r.Forecast(ctx, scope, q)
	if err != nil {
		return ForecastReport{}, err
	}
	// The standing at the end never counts a day after it: where the rules
	// widened the window to whole weeks past the last day, it is the
	// standing at the end of the campaign's last whole week instead (as_of
	// says which day).
	if end := endsOn.AddDate(0, 0, 1); ended && w.To.After(end) {
		if before := w.To.AddDate(0, 0, -7); before.After(w.From) {
			q.To = before
			if rows, w, err = r.Forecast(ctx, scope, q); err != nil {
				return ForecastReport{}, err
			}
		}
	}
	rep := ForecastReport{Window: w, AsOf: w.LastDay(), EndsOn: endsOn, Ended: ended}
	last := ""
	for _, f := range rows {
		if f.LastVisitOn != nil && *f.LastVisitOn > last { // YYYY-MM-DD compares as text
			last = *f.LastVisitOn
		}
	}
	if last != "" {
		d, err := ParseDay("last_visit_on", last)
		if err != nil {
			return ForecastReport{}, err
		}
		rep.LastDiaryOn = &d
	}
	if ended {
		rep.Rows = EndedStanding(rows)
		return rep, nil
	}
	rep.DiaryStalled = Stalled(rep.LastDiaryOn, w)
	rep.Rows = JudgeByEnd(rows, w, endsOn)
	return rep, nil
}

// EndedStanding is each village's standing at the campaign's end, rows
// being the forecast over the window that stops there: reached, or
// not_reached with the residents still missing. Nothing is projected (no
// reaches_on, no pace needed) and nothing is stalled: the work is over.
func EndedStanding(rows []ForecastRow) []ForecastByEnd {
	out := make([]ForecastByEnd, len(rows))
	for i, r := range rows {
		r.ReachesOn, r.Stalled = nil, false
		var reached bool
		switch r.Status {
		case "reached":
			reached = true
		case "on_pace", "not_at_this_pace":
			r.Status = "not_reached"
		}
		out[i].ForecastRow = r
		if r.Status == "reached" || r.Status == "not_reached" {
			out[i].OnTrack = &reached
		}
	}
	return out
}

// ForecastAnswer is the forecast as the API's JSON answers it and
// `lianxin report forecast` prints it: days as YYYY-MM-DD, the diary's
// last entry null when the window has none.
type ForecastAnswer struct {
	From         string          `json:"from"`
	To           string          `json:"to"`
	AsOf         string          `json:"as_of"`
	EndsOn       string          `json:"ends_on"`
	Ended        bool            `json:"ended"`
	LastDiaryOn  *string         `json:"last_diary_on"`
	DiaryStalled bool            `json:"diary_stalled"`
	Rows         []ForecastByEnd `json:"rows"`
}

// Answer is rep as ForecastAnswer (rows never null).
func (rep ForecastReport) Answer() ForecastAnswer {
	a := ForecastAnswer{From: rep.Window.From.Format(DayLayout), To: rep.Window.To.Format(DayLayout),
		AsOf: rep.AsOf.Format(DayLayout), EndsOn: rep.EndsOn.Format(DayLayout), Ended: rep.Ended,
		DiaryStalled: rep.DiaryStalled, Rows: rep.Rows}
	if rep.LastDiaryOn != nil {
		d := rep.LastDiaryOn.Format(DayLayout)
		a.LastDiaryOn = &d
	}
	if a.Rows == nil {
		a.Rows = []ForecastByEnd{}
	}
	return a
}
