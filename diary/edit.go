package diary

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"lianxin"
	"lianxin/ingest"
)

// An entry keyed wrongly — the wrong household, member or time — is
// corrected or withdrawn under its own id (PATCH and DELETE
// /api/v1/diary/{id}); an import corrects entries by id only when asked
// (ingest.Options.Correct). Who may change which entry is MayChange.

// OwnChangeDays is how long a member may correct or withdraw their own
// entry after writing it (its recorded_at): a slip is seen within the week
// the member reviews their entries; later the figures of that week have
// been reported, and a team leader (or an admin) corrects them, knowingly.
const OwnChangeDays = 7

// Refusal reasons of corrections and withdrawals.
const (
	ReasonNoEntry     = "no_entry"       // {value} (404): unknown, or not the caller's to see
	ReasonChangeLate  = "change_late"    // {days, recorded} (403): own entry older than OwnChangeDays
	ReasonChangeGrant = "change_grant"   // (403): another member's entry needs household_points
	ReasonChangeEmpty = "change_empty"   // (400): a correction naming no field
	ReasonChangeRole  = "change_role"    // (403): planner, gis
	ReasonReasonLong  = "reason_long"    // {max} (400)
	ReasonHouseholdNo = "household_none" // (400) household may be changed, not removed
)

// maxChangeReason bounds the free-text reason a correction or withdrawal
// may carry into the audit log.
const maxChangeReason = 500

// Correction is a PATCH of an entry: only the fields sent change. The
// village follows the household (an entry's village is its household's);
// the place follows a new household unless lon and lat are sent.
type Correction struct {
	Member            *string  `json:"member,omitempty"`
	Household         *string  `json:"household,omitempty"`
	Kind              *string  `json:"kind,omitempty"`
	Participants      *int64   `json:"participants,omitempty"`
	Notes             *string  `json:"notes,omitempty"`
	ProblemsCollected *int64   `json:"problems_collected,omitempty"`
	ProblemsResolved  *int64   `json:"problems_resolved,omitempty"`
	PetitionResolved  *bool    `json:"petition_resolved,omitempty"`
	DisputeResolved   *bool    `json:"dispute_resolved,omitempty"`
	OccurredAt        *string  `json:"occurred_at,omitempty"`
	Lon               *float64 `json:"lon,omitempty"`
	Lat               *float64 `json:"lat,omitempty"`
	// Reason says why, for the audit log (optional).
	Reason string `json:"reason,omitempty"`
}

// Changed is an entry corrected: the stored entry's fields with the
// correction applied, checked as a new entry's are. HouseholdChanged and
// Position tell the store where the place comes from: the position sent,
// the new household's place, or the stored place kept.
type Changed struct {
	Entry
	HouseholdChanged bool
	Reason           string
}

// Corrected is the answer to a correction: the entry as corrected and, of
// each field the correction changed, its value before and after, as the
// audit log keeps them. A field sent with its stored value is not in
// Changed, so an empty Changed says the entry was already right.
type Corrected struct {
	Written
	// Created hides Written's, which says whether a POST wrote a new entry
	// and means nothing to a correction: encoding/json lets the shallower
	// field win, and omitempty leaves it out of the answer.
	Created bool `json:"created,omitempty"`
	// Changed maps each changed field (member, household, village, town,
	// kind, participants, notes, problems_collected, problems_resolved,
	// petition_resolved, dispute_resolved, occurred_at, lon, lat) to its
	// values before and after.
	Changed map[string]FieldChange `json:"changed"`
}

// FieldChange is one field's value before and after a correction; From is
// null for a value the entry did not have (a place first given).
type FieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Apply checks c against the stored entry s: each field sent is checked as
// a new entry's (Request.Check), the others keep their stored values.
func (c Correction) Apply(s Written, now, campaignStart time.Time) (Changed, error) {
	out := Changed{Entry: Entry{ID: s.ID, Household: s.Household, Member: s.Member, Kind: s.Kind, Participants: s.Participants,
		Notes: s.Notes, ProblemsCollected: s.ProblemsCollected, ProblemsResolved: s.ProblemsResolved,
		PetitionResolved: s.PetitionResolved, DisputeResolved: s.DisputeResolved, OccurredAt: s.OccurredAt, OccurredAtGiven: true}}
	if c == (Correction{Reason: c.Reason}) {
		return out, refuse("", ReasonChangeEmpty, nil, "a correction names at least one field to change")
	}
	out.Reason = strings.TrimSpace(c.Reason)
	if n := utf8.RuneCountInString(out.Reason); n > maxChangeReason {
		return out, refuse("reason", ReasonReasonLong, map[string]any{"max": maxChangeReason}, "%d characters; at most %d", n, maxChangeReason)
	}
	if c.Household != nil {
		h := strings.TrimSpace(ingest.HalfWidth(*c.Household))
		switch {
		case h == "":
			return out, refuse("household", ReasonHouseholdNo, nil, "empty; an entry's household may be corrected, not removed (withdraw the entry instead)")
		case len(h) > 64 || strings.ContainsFunc(h, func(r rune) bool { return r < ' ' }):
			return out, refuse("household", ReasonHouseholdBad, map[string]any{"value": h}, "%q is not a household number", h)
		}
		out.HouseholdChanged = h != s.Household
		out.Household = h
	}
	if c.Member != nil {
		m := strings.TrimSpace(ingest.HalfWidth(*c.Member))
		if m == "" || len(m) > 64 || strings.ContainsFunc(m, func(r rune) bool { return r < ' ' }) {
			return out, refuse("member", ReasonMemberBad, map[string]any{"value": m}, "%q is not a member code", m)
		}
		out.Member = m
	}
	var err error
	if c.Kind != nil {
		if out.Kind, err = checkKind(*c.Kind); err != nil {
			return out, err
		}
	}
	for _, f := range []struct {
		name string
		in   *int64
		out  *int64
	}{{"participants", c.Participants, &out.Participants}, {"problems_collected", c.ProblemsCollected, &out.ProblemsCollected},
		{"problems_resolved", c.ProblemsResolved, &out.ProblemsResolved}} {
		if f.in != nil {
			if *f.out, err = count(f.name, f.in); err != nil {
				return out, err
			}
		}
	}
	if out.ProblemsResolved > out.ProblemsCollected {
		return out, refuse("problems_resolved", ReasonResolvedOver, map[string]any{"resolved": out.ProblemsResolved, "collected": out.ProblemsCollected},
			"more problems resolved (%d) than collected (%d)", out.ProblemsResolved, out.ProblemsCollected)
	}
	if c.PetitionResolved != nil {
		out.PetitionResolved = *c.PetitionResolved
	}
	if c.DisputeResolved != nil {
		out.DisputeResolved = *c.DisputeResolved
	}
	if c.Notes != nil {
		out.Notes = strings.TrimSpace(*c.Notes)
		if n := utf8.RuneCountInString(out.Notes); n > MaxNotes || !utf8.ValidString(out.Notes) {
			return out, refuse("notes", ReasonNotesTooLong, map[string]any{"n": n, "max": MaxNotes}, "%d characters; at most %d", n, MaxNotes)
		}
		if i := strings.IndexFunc(out.Notes, func(c rune) bool { return c < ' ' && c != '\t' && c != '\n' && c != '\r' || c == 0x7f }); i >= 0 {
			return out, refuse("notes", ReasonNotesControl, nil, "holds a control character (U+%04X) at byte %d; want text", out.Notes[i], i)
		}
	}
	if c.OccurredAt != nil {
		if strings.TrimSpace(*c.OccurredAt) == "" {
			return out, refuse("occurred_at", ReasonTimeBad, map[string]any{"value": ""}, "empty; want the visit's time, e.g. 2026-09-20 09:00 (China time)")
		}
		if out.OccurredAt, err = occurredAt(*c.OccurredAt, now, campaignStart); err != nil {
			return out, err
		}
	}
	if c.Lon != nil || c.Lat != nil {
		if out.Position, out.Cell, err = position(c.Lon, c.Lat, ingest.CountyBounds); err != nil {
			return out, err
		}
	}
	return out, nil
}

// MayChange reports whether scope may correct or withdraw an entry it can
// see: own says the entry is one of the caller's member roles', town is
// the entry's town, recorded when it was written. An admin changes any
// entry, a team leader those of their towns — both holding the
// household_points grant others' entries need — and a member their own
// within OwnChangeDays of writing them. An entry the caller cannot see
// (another town, another member's for a member) never reaches here: it is
// answered as a missing one (NoEntry).
func MayChange(scope lianxin.Scope, own bool, town int32, recorded, now time.Time) error {
	if scope.Has(lianxin.RoleSystem) {
		return nil
	}
	if MayWrite(scope) != nil {
		return Refuse(lianxin.EForbidden, "", ReasonChangeRole, nil, "correcting or withdrawing diary entries needs the member, team_leader or admin role")
	}
	others := scope.HouseholdPoints && (scope.Has(lianxin.RoleAdmin) && scope.AllTowns ||
		(scope.Has(lianxin.RoleAdmin) || scope.Has(lianxin.RoleTeamLeader)) && scope.SeesTown(town))
	if others {
		return nil
	}
	if own {
		if now.Sub(recorded) <= OwnChangeDays*24*time.Hour {
			return nil
		}
		return Refuse(lianxin.EForbidden, "", ReasonChangeLate, map[string]any{"days": OwnChangeDays, "recorded": recorded.In(chinaTime).Format("2006-01-02 15:04")},
			"you wrote this entry on %s; a member corrects or withdraws their own entries within %d days of writing them — ask your team leader",
			recorded.In(chinaTime).Format("2006-01-02 15:04"), OwnChangeDays)
	}
	return Refuse(lianxin.EForbidden, "", ReasonChangeGrant, nil, "correcting or withdrawing another member's entry needs the team_leader or admin role with the household_points grant")
}

// NoEntry is the one answer for an entry id that is unknown or not the
// caller's to see (another town's, another member's): which stays unsaid.
func NoEntry(id string) error {
	return Refuse(lianxin.ENotFound, "id", ReasonNoEntry, map[string]any{"value": id}, "no diary entry %q among those you may see", id)
}

// EditStore is what corrections and withdrawals need of the store. The
// store reads the entry under the caller's scope (NoEntry when it is not
// there), asks may with what it found, then writes and audits in the same
// transaction.
type EditStore interface {
	CorrectDiary(ctx context.Context, scope lianxin.Scope, id string, apply func(Written) (Changed, error), may Permit, ip string) (Corrected, error)
	DeleteDiary(ctx context.Context, scope lianxin.Scope, id string, reason string, may Permit, ip string) (Written, error)
}

// Permit decides whether scope may change an entry (MayChange, with the
// service's clock).
type Permit func(scope lianxin.Scope, own bool, town int32, recorded time.Time) error

func (s *Service) permit(scope lianxin.Scope, own bool, town int32, recorded time.Time) error {
	return MayChange(scope, own, town, recorded, s.now())
}

func (s *Service) editStore() (EditStore, error) {
	es, ok := s.store.(EditStore)
	if !ok {
		return nil, lianxin.Errorf(lianxin.EUnavailable, "correcting diary entries is not configured on this server")
	}
	return es, nil
}

// Correct applies c to the entry id as scope's user; ip goes to the audit
// log with the fields before and after.
func (s *Service) Correct(ctx context.Context, scope lianxin.Scope, id string, c Correction, ip string) (Corrected, error) {
	if err := MayWrite(scope); err != nil {
		return Corrected{}, Refuse(lianxin.EForbidden, "", ReasonChangeRole, nil, "correcting diary entries needs the member, team_leader or admin role")
	}
	es, err := s.editStore()
	if err != nil {
		return Corrected{}, err
	}
	start, err := s.store.CampaignStartsOn(ctx, scope)
	if err != nil {
		return Corrected{}, err
	}
	now := s.now()
	return es.CorrectDiary(ctx, scope, strings.TrimSpace(id), func(w Written) (Changed, error) { return c.Apply(w, now, start) }, s.permit, ip)
}

// Delete withdraws the entry id as scope's user; the audit log keeps what
// it said.
func (s *Service) Delete(ctx context.Context, scope lianxin.Scope, id, reason, ip string) (Written, error) {
	if err := MayWrite(scope); err != nil {
		return Written{}, Refuse(lianxin.EForbidden, "", ReasonChangeRole, nil, "withdrawing diary entries needs the member, team_leader or admin role")
	}
	es, err := s.editStore()
	if err != nil {
		return Written{}, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n > maxChangeReason {
		return Written{}, refuse("reason", ReasonReasonLong, map[string]any{"max": maxChangeReason}, "%d characters; at most %d", n, maxChangeReason)
	}
	return es.DeleteDiary(ctx, scope, strings.TrimSpace(id), reason, s.permit, ip)
}
