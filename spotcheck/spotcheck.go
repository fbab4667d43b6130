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
// per round. Inside its round a result may be corrected or withdrawn by
// the checker who recorded it or an admin (migration 040); once the round
// is over it stands. Scores are optional whole numbers 0..100 (a
// percentage mark, so a team's mean reads as one).
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
	ReasonResultUnknown  = "result_unknown"    // {id} (404): no result, or one the caller may not see
	ReasonRoundClosed    = "round_closed"      // {id, round, current} (409): the result's round is over
	ReasonNotYours       = "result_not_yours"  // {id, checked_by} (403): another checker's result, for a caller who is not an admin
)

// Reasons lists every refusal reason of the spot check.
var Reasons = []string{ReasonEntryUnknown, ReasonEntryMissing, ReasonNotSampled, ReasonVerdictUnknown, ReasonScoreRange,
	ReasonNoteLong, ReasonNoteControl, ReasonResultExists, ReasonRoleRecord, ReasonRoleRanking, ReasonBadBody,
	ReasonResultUnknown, ReasonRoundClosed, ReasonNotYours}

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

// RefuseResultUnknown answers a result that is not there for the caller:
// another town's answers exactly as a missing one.
func RefuseResultUnknown(id int64) error {
	return lianxin.Refuse(lianxin.ENotFound, "id", ReasonResultUnknown, map[string]any{"id": id}, "result %d not found", id)
}

// RefuseRoundClosed answers a change to a result whose round is over.
func RefuseRoundClosed(id int64, round, current int) error {
	return lianxin.Refuse(lianxin.EConflict, "id", ReasonRoundClosed, map[string]any{"id": id, "round": round, "current": current},
		"result %d was recorded in round %d, which is over (this is round %d): record the entry again in this round instead", id, round, current)
}

// RefuseNotYours answers a change to another checker's result by a caller
// who is not an admin.
func RefuseNotYours(id int64, checkedBy string) error {
	return lianxin.Refuse(lianxin.EForbidden, "id", ReasonNotYours, map[string]any{"id": id, "checked_by": checkedBy},
		"result %d was recorded by %s: only they or an admin may change it", id, checkedBy)
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
	if r.Entry <= 0 {
		return lianxin.Refuse(lianxin.EInvalid, "entry", ReasonEntryMissing, nil, "entry: missing (the sampled entry's number)")
	}
	return checkFinding(r.Verdict, r.Score, &r.Note)
}

// Correction is what a result says after its checker puts it right: the
// whole finding, as a result is recorded (a score or note left out is
// cleared).
type Correction struct {
	Verdict string `json:"verdict"`
	Score   *int   `json:"score,omitempty"`
	Note    string `json:"note,omitempty"`
}

// check validates the correction's fields.
func (c *Correction) check() error { return checkFinding(c.Verdict, c.Score, &c.Note) }

// checkFinding validates what a check found: a verdict, an optional score
// and a note (trimmed in place).
func checkFinding(verdict string, score *int, note *string) error {
	*note = strings.TrimSpace(*note)
	switch {
	case !validVerdict(verdict):
		return lianxin.Refuse(lianxin.EInvalid, "verdict", ReasonVerdictUnknown, map[string]any{"value": verdict, "allowed": Verdicts},
			"verdict: %q is not one of %s", verdict, strings.Join(Verdicts, ", "))
	case score != nil && (*score < MinScore || *score > MaxScore):
		return lianxin.Refuse(lianxin.EInvalid, "score", ReasonScoreRange, map[string]any{"value": *score, "min": MinScore, "max": MaxScore},
			"score: %d is outside %d..%d", *score, MinScore, MaxScore)
	case utf8.RuneCountInString(*note) > MaxNoteChars:
		return lianxin.Refuse(lianxin.EInvalid, "note", ReasonNoteLong, map[string]any{"max": MaxNoteChars},
			"note: longer than %d characters", MaxNoteChars)
	case strings.ContainsFunc(*note, func(c rune) bool { return unicode.IsControl(c) && c != '\t' && c != '\n' && c != '\r' }):
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
	// CorrectedAt and CorrectedBy are the latest correction inside the
	// round (null and "" for a result as first recorded).
	CorrectedAt *time.Time `json:"corrected_at"`
	CorrectedBy string     `json:"corrected_by"`
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
