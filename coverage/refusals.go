package coverage

import "lianxin"

// Refusal reasons of the reports, the village panel and the coverage
// hexagons: every way a caller can ask for a report wrongly. A refusal is a
// *lianxin.Error with a lianxin.Refusal in Details (the parameter, the
// reason, its parameters) and its English sentence as Message, like the
// exports' (export.Reasons) and the snapshots' (SnapshotReasons), so that
// the web map words it in the page's language (i18n.js
// report.refusal.<reason>, a test checks every reason is worded in zh and
// en with the same placeholders) while scripts read the English. A reason
// once published keeps its meaning and parameters.
const (
	ReportReasonUnknownParameter = "unknown_parameter" // {value, allowed}
	ReportReasonRepeated         = "repeated"          // {value, count}: a parameter given more than once
	ReportReasonBadCode          = "bad_code"          // {value}: town, team or village code not letters, digits, _ . -
	ReportReasonBadNumber        = "bad_number"        // {value, min, max}: not a whole number in min..max
	ReportReasonNotWhole         = "not_whole"         // {value}: not a whole number (a seed)
	ReportReasonBadBool          = "bad_bool"          // {value}: not true or false
	ReportReasonBadDay           = "bad_day"           // {value}: from or to not YYYY-MM-DD
	ReportReasonWindowOrder      = "window_order"      // {from, to}: from not before to
	ReportReasonBadFormat        = "bad_format"        // {value, allowed}
	ReportReasonBadGroup         = "bad_group"         // {value, allowed}
	ReportReasonBadSort          = "bad_sort"          // {value, allowed}
	ReportReasonTeamRequired     = "team_required"     // a report of one team without team=
	ReportReasonTownRequired     = "town_required"     // a list of one town without town= (or team=)
	ReportReasonTownUnknown      = "town_unknown"      // {town} (404)
	ReportReasonTownNotYours     = "town_not_yours"    // {town} (403)
	ReportReasonTeamUnknown      = "team_unknown"      // {team} (404)
	ReportReasonTeamOtherTown    = "team_other_town"   // {team, town, asked}: team= of another town than town=
	ReportReasonVillageUnknown   = "village_unknown"   // {village} (404)
	ReportReasonBadBBox          = "bad_bbox"          // {value}: not a lon/lat bound
	ReportReasonBBoxTooLarge     = "bbox_too_large"    // {res, cells}: too many cells at that resolution
	ReportReasonEndsBeforeStart  = "ends_before_start" // {ends_on, starts_on}: the campaign's last day before its first
	ReportReasonMemberUnknown    = "member_unknown"    // {member} (404): no such member in the caller's towns
	// {member, name, left_on, latest, after} (409): a member's last day
	// before their own diary's latest entry (latest), with after entries
	// dated after left_on, which the day would leave standing after leaving.
	ReportReasonLeftBeforeEntries = "left_before_entries"
)

// ReportReasons lists every refusal reason of the reports.
var ReportReasons = []string{
	ReportReasonUnknownParameter, ReportReasonRepeated, ReportReasonBadCode, ReportReasonBadNumber, ReportReasonNotWhole, ReportReasonBadBool,
	ReportReasonBadDay, ReportReasonWindowOrder, ReportReasonBadFormat, ReportReasonBadGroup, ReportReasonBadSort,
	ReportReasonTeamRequired, ReportReasonTownRequired, ReportReasonTownUnknown, ReportReasonTownNotYours,
	ReportReasonTeamUnknown, ReportReasonTeamOtherTown, ReportReasonVillageUnknown, ReportReasonBadBBox,
	ReportReasonBBoxTooLarge, ReportReasonEndsBeforeStart, ReportReasonMemberUnknown, ReportReasonLeftBeforeEntries,
}

// refuse is a report refusal of code with its English message.
func refuse(code, field, reason string, params map[string]any, format string, args ...any) error {
	return lianxin.Refuse(code, field, reason, params, format, args...)
}

// RefuseMemberUnknown refuses a member code no member (in the caller's
// towns) has.
func RefuseMemberUnknown(member string) error {
	return refuse(lianxin.ENotFound, "member", ReportReasonMemberUnknown, map[string]any{"member": member}, "member %q not found", member)
}

// RefuseTownUnknown refuses a town code no town has.
func RefuseTownUnknown(town string) error {
	return refuse(lianxin.ENotFound, "town", ReportReasonTownUnknown, map[string]any{"town": town}, "town %q not found", town)
}

// RefuseTeamUnknown refuses a team code no team has.
func RefuseTeamUnknown(team string) error {
	return refuse(lianxin.ENotFound, "team", ReportReasonTeamUnknown, map[string]any{"team": team}, "team %q not found", team)
}

// RefuseVillageUnknown refuses a village code no village (the caller may
// see) has.
func RefuseVillageUnknown(village string) error {
	return refuse(lianxin.ENotFound, "code", ReportReasonVillageUnknown, map[string]any{"village": village}, "village %q not found", village)
}

// RefuseEndsBeforeStart refuses a campaign end (ends_on, a day) before the
// campaign's first day (startsOn).
func RefuseEndsBeforeStart(endsOn, startsOn string) error {
	return refuse(lianxin.EInvalid, "ends_on", ReportReasonEndsBeforeStart, map[string]any{"ends_on": endsOn, "starts_on": startsOn},
		"ends_on %s: before the campaign's start, %s", endsOn, startsOn)
}

// RefuseLeftBeforeEntries refuses a member's last day in the corps (leftOn,
// a day) that their diary outruns: after entries are dated later (China
// time), the latest on latest. Those entries would stand for a member who
// had left, which the diary itself refuses (diary.ReasonMemberLeft).
func RefuseLeftBeforeEntries(member, name, leftOn, latest string, after int64) error {
	return refuse(lianxin.EConflict, "left_on", ReportReasonLeftBeforeEntries,
		map[string]any{"member": member, "name": name, "left_on": leftOn, "latest": latest, "after": after},
		"left_on %s: member %s (%s) has %d diary entries after that day, the latest on %s; "+
			"choose %s or a later day, or correct those entries first", leftOn, member, name, after, latest, latest)
}
