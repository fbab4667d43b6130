package coverage

import "time"

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
		default: // no_population, no_visit (urban), suppressed
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
