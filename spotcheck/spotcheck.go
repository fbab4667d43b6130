// Package spotcheck is the office's spot check of the people's diary
// (民情日记抽查评比): the verdict a checker records for an entry the
// reproducible sample drew (coverage.Reports.DiarySample), the list of
// results, and the ranking of teams and of members within a team by their
// results, beside the attendance figure the members report already gives
// (members meeting the ten-household rule).
//
// It assumes the sample is the only way an entry reaches a checker: a
// result is refused for an entry the caller's own sample (the same seed
// and window) would not draw, so every privacy rule of the sample (a team
// leader's own towns; no entry in a suppressed village for a role without
// household access) holds for what is recorded too.
//
// A round is the campaign week a result is recorded in (the database
// reads the clock: campaign_round, migration 037); one result per entry
// per round, results never change. Scores are optional whole numbers
// 0..100 (a percentage mark, so a team's mean reads as one).
package spotcheck

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lianxin"
)

// Verdicts a checker records.
const (
	VerdictOK         = "ok"         // 合格: the visit happened as written
	VerdictIncomplete = "incomplete" // 需补充: happened, the entry needs more
	VerdictFailed     = "failed"     // 不合格: not as written, or not at all
)

// Verdicts lists every verdict, best first.
var Verdicts = []string{VerdictOK, VerdictIncomplete, VerdictFailed}

// VerdictWords are the verdicts in Chinese and English (the CSVs and the
// command line; the web map has its own in i18n.js).
var VerdictWords = map[string][2]string{
	VerdictOK:         {"合格", "ok"},
	VerdictIncomplete: {"需补充", "incomplete"},
	VerdictFailed:     {"不合格", "failed"},
}

// Bounds of what a result holds.
const (
	MinScore     = 0
	MaxScore     = 100
	MaxNoteChars = 1000
	// MaxSampleN is the largest sample the reports draw: a result is
	// checked against the first MaxSampleN entries of its team for the
	// seed, which holds every smaller sample of that seed.
	MaxSampleN = 200
)

// Refusal reasons of the spot check, worded by the web map as the
// reports' are (report.refusal.<reason>, i18n.js). A reason once published
// keeps its meaning and parameters.
const (
	ReasonEntryUnknown   = "entry_unknown"     // {entry} (404): no entry, or one the caller may not see
	ReasonEntryMissing   = "entry_missing"     // no entry given
	ReasonNotSampled     = "entry_not_sampled" // {entry, seed}: the caller's sample for that seed and window does not hold it
	ReasonVerdictUnknown = "verdict_unknown"   // {value, allowed}
	ReasonScoreRange     = "score_range"       // {value, min, max}
	ReasonNoteLong       = "note_long"         // {max}
	ReasonNoteControl    = "note_control"      // a control character other than tab and line breaks
	ReasonResultExists   = "result_exists"     // {entry, round} (409): this round has a result for the entry
	ReasonRoleRecord     = "spotcheck_role"    // (403) recording and listing need admin or team_leader
	ReasonRoleRanking    = "ranking_role"      // (403) the ranking needs admin, planner, gis or team_leader
	ReasonBadBody        = "bad_body"          // the body is not the JSON object described
)

// Reasons lists every refusal reason of the spot check.
var Reasons = []string{ReasonEntryUnknown, ReasonEntryMissing, ReasonNotSampled, ReasonVerdictUnknown, ReasonScoreRange,
	ReasonNoteLong, ReasonNoteControl, ReasonResultExists, ReasonRoleRecord, ReasonRoleRanking, ReasonBadBody}

// RefuseEntryUnknown answers an entry that is not there for the caller:
// another town's entry answers exactly as a missing one.
func RefuseEntryUnknown(entry int64) error {
	return lianxin.Refuse(lianxin.ENotFound, "entry", ReasonEntryUnknown, map[string]any{"entry": entry}, "entry %d not found", entry)
}

// RefuseResultExists answers a second result for an entry in one round.
func RefuseResultExists(entry int64, round int) error {
	return lianxin.Refuse(lianxin.EConflict, "entry", ReasonResultExists, map[string]any{"entry": entry, "round": round},
		"entry %d already has a result in round %d", entry, round)
}

// Request is a result as a checker sends it: the entry (its number in the
// sample, DiaryEntry.Entry) and the sample it was drawn in (seed and
// window, as the sample was asked), and what the check found.
type Request struct {
	Entry   int64  `json:"entry"`
	Seed    int64  `json:"seed"`
	From    string `json:"from,omitempty"` // YYYY-MM-DD, as the sample was asked
	To      string `json:"to,omitempty"`
	Verdict string `json:"verdict"`
	Score   *int   `json:"score,omitempty"`
	Note    string `json:"note,omitempty"`
}

// check validates the request's own fields (not whether the entry exists).
func (r *Request) check() error {
	r.Note = strings.TrimSpace(r.Note)
	switch {
	case r.Entry <= 0:
		return lianxin.Refuse(lianxin.EInvalid, "entry", ReasonEntryMissing, nil, "entry: missing (the sampled entry's number)")
	case !validVerdict(r.Verdict):
		return lianxin.Refuse(lianxin.EInvalid, "verdict", ReasonVerdictUnknown, map[string]any{"value": r.Verdict, "allowed": Verdicts},
			"verdict: %q is not one of %s", r.Verdict, strings.Join(Verdicts, ", "))
	case r.Score != nil && (*r.Score < MinScore || *r.Score > MaxScore):
		return lianxin.Refuse(lianxin.EInvalid, "score", ReasonScoreRange, map[string]any{"value": *r.Score, "min": MinScore, "max": MaxScore},
			"score: %d is outside %d..%d", *r.Score, MinScore, MaxScore)
	case utf8.RuneCountInString(r.Note) > MaxNoteChars:
		return lianxin.Refuse(lianxin.EInvalid, "note", ReasonNoteLong, map[string]any{"max": MaxNoteChars},
			"note: longer than %d characters", MaxNoteChars)
	case strings.ContainsFunc(r.Note, func(c rune) bool { return unicode.IsControl(c) && c != '\t' && c != '\n' && c != '\r' }):
		return lianxin.Refuse(lianxin.EInvalid, "note", ReasonNoteControl, nil, "note: holds a control character")
	}
	return nil
}

func validVerdict(v string) bool { return slices.Contains(Verdicts, v) }

// Result is one recorded result with the entry it judges.
type Result struct {
	ID    int64 `json:"id"`
	Entry int64 `json:"entry"`
	// VisitID is the entry's own id, "" for a role without household
	// access (as in the sample: a county may build it from the household's
	// number).
	VisitID     string    `json:"visit_id"`
	Team        string    `json:"team"`
	MemberCode  string    `json:"member_code"`
	MemberName  string    `json:"member_name"`
	TownCode    string    `json:"town_code"`
	VillageCode string    `json:"village_code"`
	VillageName string    `json:"village_name"`
	OccurredAt  time.Time `json:"occurred_at"`
	Round       int       `json:"round"`
	Verdict     string    `json:"verdict"`
	Score       *int      `json:"score"`
	Note        string    `json:"note"`
	CheckedBy   string    `json:"checked_by"`
	CheckedAt   time.Time `json:"checked_at"`
}

// MayRecord says whether scope may record and list results: the office
// (admin) anywhere, a team leader in their own towns (row-level security
// holds them there).
func MayRecord(s lianxin.Scope) error {
	if s.Has(lianxin.RoleAdmin) || s.Has(lianxin.RoleTeamLeader) || s.Has(lianxin.RoleSystem) {
		return nil
	}
	return lianxin.Refuse(lianxin.EForbidden, "", ReasonRoleRecord, nil, "the spot check's results need the admin or team_leader role")
}

// MayRank says whether scope may read the ranking: the roles that read
// the sample (a member's own entries are never sampled).
func MayRank(s lianxin.Scope) error {
	for _, r := range []lianxin.Role{lianxin.RoleAdmin, lianxin.RolePlanner, lianxin.RoleGIS, lianxin.RoleTeamLeader, lianxin.RoleSystem} {
		if s.Has(r) {
			return nil
		}
	}
	return lianxin.Refuse(lianxin.EForbidden, "", ReasonRoleRanking, nil, "the spot-check ranking needs the admin, planner, gis or team_leader role")
}
