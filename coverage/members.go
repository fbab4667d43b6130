package coverage

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// ContactTarget is the campaign's rule: every member keeps direct contact
// with at least ten households. It is a standing rule, not a weekly quota:
// it is judged on the distinct households a member has contacted from the
// campaign's start to the end of the window asked, in every village
// (MemberActivity.TargetHouseholds; the summary's members_below_target
// judges the same count).
const ContactTarget = 10

// MemberActivity is what the store counts per member over a window. The
// entries, households and problems leave out the villages the caller's gap
// report suppresses when the store is asked to (Reports.Members, for a role
// without household access); TargetHouseholds never does.
type MemberActivity struct {
	Team         string  `json:"team"`
	TeamName     string  `json:"team_name"`
	TownCode     string  `json:"town_code"` // the member's town
	TownName     string  `json:"town_name"`
	MemberCode   string  `json:"member_code"`
	MemberName   string  `json:"member_name"`
	Role         string  `json:"role"`
	ContactPoint *string `json:"contact_point"` // code, nil when the member has none
	// ContactPointVillage names the village the contact point is in: what
	// the members table shows (a code says nothing to the office).
	ContactPointVillage *string `json:"contact_point_village"`
	DiaryEntries        int64   `json:"diary_entries"`
	// HouseholdsContacted counts the distinct households contacted in the
	// window (not since the start: HouseholdsToDate); published to a role
	// without household access in the rule's bands (MemberRows).
	HouseholdsContacted MemberCount `json:"households_contacted"`
	ProblemsCollected   int64       `json:"problems_collected"`
	ProblemsResolved    int64       `json:"problems_resolved"`
	// WeeklyVisits counts entries per week of the window, week 1 starting on
	// the window's first day.
	WeeklyVisits []int64 `json:"weekly_visits"`
	// TargetHouseholds counts the distinct households contacted from the
	// campaign's start to the window's end in every village: what the
	// ten-household rule judges, whoever asks.
	TargetHouseholds int64 `json:"-"`
	// Own marks the caller's own row (a member account's member): its
	// counts leave nothing out and are published exactly.
	Own bool `json:"-"`
	// LeftOn is the member's last day in the corps (migration 038), a
	// campaign day; nil while they serve.
	LeftOn *time.Time `json:"-"`
}

// LeftBefore reports whether a member whose last day in the corps was
// leftOn (a campaign day; nil: still serving) had left before the last day
// of w: such a member is not judged by the ten-household rule or the
// contact point over w. One who served to the window's last day is judged
// as before, so a report over a past window still counts a member who
// left later; their entries count in every window.
func LeftBefore(leftOn *time.Time, w Window) bool {
	return leftOn != nil && Day(*leftOn).AddDate(0, 0, 1).Before(w.To)
}

// MemberStanding is a member's place in the corps as an admin sets it:
// their last day (YYYY-MM-DD), null while they serve, and the day stored
// before the change (WasLeftOn), so that the admin's page can say what
// changed without a second read.
type MemberStanding struct {
	Code      string  `json:"member"`
	Name      string  `json:"name"`
	Team      string  `json:"team"`
	LeftOn    *string `json:"left_on"`
	WasLeftOn *string `json:"was_left_on"`
}

// MemberRow is a line of the attendance and assessment report.
type MemberRow struct {
	MemberActivity
	// HouseholdsToDate is TargetHouseholds as published: exact with
	// household access (and on the caller's own row), else the rule's
	// band only ("<10", "≥10"; 0 as 0).
	HouseholdsToDate MemberCount `json:"households_to_date"`
	Target           int         `json:"target"`
	MeetsTarget      bool        `json:"meets_target"` // HouseholdsToDate ≥ Target
	HasContact       bool        `json:"has_contact_point"`
	NeedsAttention   bool        `json:"needs_attention"` // below target or no contact point, and not left
	// LeftOn is the member's last day in the corps (YYYY-MM-DD), null
	// while they serve; Left says they had left before the window's last
	// day (LeftBefore): not judged, so never NeedsAttention.
	LeftOn *string `json:"left_on"`
	Left   bool    `json:"left"`
	// NoEntryThisWeek marks a member with no diary entry in the window's
	// last week (the current week in the default window).
	NoEntryThisWeek bool `json:"no_entry_this_week"`
	// weeksFrom is the window's first day: week k of WeeklyVisits starts
	// k weeks after it (the CSV heads each week's column with its dates).
	weeksFrom time.Time
}

// MemberRows applies the ten-household rule to TargetHouseholds over the
// window w the rows were counted on. With published set (a role without
// household access, whose window counts leave the suppressed villages out),
// the households counts are published in the rule's bands (MemberCount):
// the standing count reads only "<10" or "≥10" (0 as 0), which is what
// meets_target says already, and the window's count reads its number from
// ten up, "<10" from 1 to 9 and 0 as 0, so that no figure beside a verdict
// contradicts it. The caller's own row (Own) is exact: a member must know
// they are at 3 of 10, and those are entries they wrote.
func MemberRows(acts []MemberActivity, w Window, published bool) []MemberRow {
	out := make([]MemberRow, len(acts))
	for i, a := range acts {
		r := MemberRow{MemberActivity: a, Target: ContactTarget, MeetsTarget: a.TargetHouseholds >= ContactTarget,
			HasContact: a.ContactPoint != nil, weeksFrom: w.From, HouseholdsToDate: ExactCount(a.TargetHouseholds)}
		if published && !a.Own {
			r.HouseholdsContacted = BelowTargetHidden(a.HouseholdsContacted.N)
			r.HouseholdsToDate = TargetBand(a.TargetHouseholds)
		}
		if a.LeftOn != nil {
			day := Day(*a.LeftOn).Format(DayLayout)
			r.LeftOn, r.Left = &day, LeftBefore(a.LeftOn, w)
		}
		r.NeedsAttention = !r.Left && (!r.MeetsTarget || !r.HasContact)
		r.NoEntryThisWeek = len(a.WeeklyVisits) > 0 && a.WeeklyVisits[len(a.WeeklyVisits)-1] == 0
		out[i] = r
	}
	return out
}

// MemberCount is a member's households count as published beside the
// ten-household rule: its number, or a band that agrees with the rule.
//
// Why bands at the rule's own line (privacy rule 1, "rows about people",
// SECURITY.md): these count a cadre's work, not a special group, and the
// count for a role without household access leaves out the villages the
// gap report suppresses, while the verdict counts every village. The old
// label "<11" for 0 to 10 read as "below target" beside a verdict of
// "meets" (ten is enough), and hid 0, which names no household. A band
// whose edge is the rule's threshold ("<10" is exactly "does not meet it
// here") cannot contradict the verdict, and 0 is shown.
type MemberCount struct {
	N int64
	// hideBelow: 1 to ContactTarget-1 read "<10"; hideAbove: ContactTarget
	// and more read "≥10".
	hideBelow, hideAbove bool
}

// ExactCount is n shown as it is.
func ExactCount(n int64) MemberCount { return MemberCount{N: n} }

// BelowTargetHidden is n shown from ContactTarget up and as 0, and read
// "<10" from 1 to ContactTarget-1.
func BelowTargetHidden(n int64) MemberCount { return MemberCount{N: n, hideBelow: true} }

// TargetBand is n published as the rule's verdict only: 0, "<10" or "≥10".
func TargetBand(n int64) MemberCount { return MemberCount{N: n, hideBelow: true, hideAbove: true} }

// Labels of a banded MemberCount: either side of ContactTarget.
const (
	BelowTargetLabel = "<10"
	AtTargetLabel    = "≥10"
)

// Hidden reports whether c reads as a band rather than its number.
func (c MemberCount) Hidden() bool {
	switch {
	case c.N == 0:
		return false
	case c.N < ContactTarget:
		return c.hideBelow
	default:
		return c.hideAbove
	}
}

// String is the number, or the band's label.
func (c MemberCount) String() string {
	if !c.Hidden() {
		return strconv.FormatInt(c.N, 10)
	}
	if c.N < ContactTarget {
		return BelowTargetLabel
	}
	return AtTargetLabel
}

// MarshalJSON writes the number, or the band's label as a string. A hidden
// count's value never leaves the process.
func (c MemberCount) MarshalJSON() ([]byte, error) {
	if c.Hidden() {
		return []byte(strconv.Quote(c.String())), nil
	}
	return strconv.AppendInt(nil, c.N, 10), nil
}

// memberColumnsBefore and memberColumnsAfter head the members CSV around
// its week columns.
var (
	memberColumnsBefore = []string{"team", "team_name", "town_code", "town_name", "member_code", "member_name", "role",
		"contact_point", "diary_entries", "households_contacted", "problems_collected", "problems_resolved"}
	memberColumnsAfter = []string{"households_to_date", "target", "meets_target", "has_contact_point",
		"needs_attention", "no_entry_this_week", "left_on", "left"}
)

// WeekColumn heads the members CSV's column of week k (0-based) of a
// window starting on from: "weekly_visits." and the week's first and last
// days ("weekly_visits.2026-09-20~09-26"), so that a spreadsheet can sort
// and sum by week.
func WeekColumn(from time.Time, k int) string {
	first := from.AddDate(0, 0, 7*k)
	last := first.AddDate(0, 0, 6)
	return "weekly_visits." + first.Format(DayLayout) + "~" + last.Format("01-02")
}

// writeMembersCSV writes the members report with one column per week of
// its window (WeekColumn) instead of the weekly counts in one cell.
func writeMembersCSV(w io.Writer, rows []MemberRow) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	weeks := 0
	var from time.Time
	if len(rows) > 0 {
		weeks, from = len(rows[0].WeeklyVisits), rows[0].weeksFrom
	}
	header := append([]string{}, memberColumnsBefore...)
	for k := 0; k < weeks; k++ {
		header = append(header, WeekColumn(from, k))
	}
	header = append(header, memberColumnsAfter...)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, r := range rows {
		point := ""
		if r.ContactPoint != nil {
			point = *r.ContactPoint
		}
		rec := []string{r.Team, r.TeamName, r.TownCode, r.TownName, r.MemberCode, r.MemberName, r.Role, point,
			num(r.DiaryEntries), r.HouseholdsContacted.String(), num(r.ProblemsCollected), num(r.ProblemsResolved)}
		for k := 0; k < weeks; k++ {
			v := int64(0)
			if k < len(r.WeeklyVisits) {
				v = r.WeeklyVisits[k]
			}
			rec = append(rec, num(v))
		}
		rec = append(rec, r.HouseholdsToDate.String(), strconv.Itoa(r.Target), strconv.FormatBool(r.MeetsTarget),
			strconv.FormatBool(r.HasContact), strconv.FormatBool(r.NeedsAttention), strconv.FormatBool(r.NoEntryThisWeek))
		left := ""
		if r.LeftOn != nil {
			left = *r.LeftOn
		}
		rec = append(rec, left, strconv.FormatBool(r.Left))
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
