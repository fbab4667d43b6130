// Package diary is the people's diary (民情日记) written one entry at a time:
// a member at a household, on a phone, sometimes offline. It holds what such
// an entry is, the checks it must pass before it reaches the store (fields,
// place, time, who may write for whom) and the small interface the store
// implements. Imports (package ingest) write the same table, many rows at a
// time from files a clerk prepared; an entry from the web map is one row the
// writer typed, with the writer, not a file, naming the member, so it has
// rules of its own and lives apart.
//
// An entry carries its client's id (its external_id, "app-" and a UUID the
// phone made): sending it again — a retry after a lost answer, a queue
// flushed twice — lands once and answers the entry already written.
package diary

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
	"lianxin/ingest"
)

// Request is an entry as the client sends it (POST /api/v1/diary). Pointers
// tell a missing number from zero.
type Request struct {
	// ID is the client's id of the entry, stored as the visit's external_id.
	ID string `json:"id"`
	// Household is the household's code (external_id, as on its contact card).
	Household string `json:"household"`
	// Member is the visiting member's code: a team leader or admin names it;
	// a member leaves it out (or names themselves).
	Member            string   `json:"member,omitempty"`
	Kind              string   `json:"kind"`
	Participants      *int64   `json:"participants,omitempty"`
	Notes             string   `json:"notes,omitempty"`
	ProblemsCollected *int64   `json:"problems_collected,omitempty"`
	ProblemsResolved  *int64   `json:"problems_resolved,omitempty"`
	PetitionResolved  bool     `json:"petition_resolved,omitempty"`
	DisputeResolved   bool     `json:"dispute_resolved,omitempty"`
	OccurredAt        string   `json:"occurred_at,omitempty"`
	Lon               *float64 `json:"lon,omitempty"`
	Lat               *float64 `json:"lat,omitempty"`
}

// Entry is a checked request, ready for the store.
type Entry struct {
	ID, Household, Member string
	Kind                  string // one of Kinds
	Participants          int64
	Notes                 string
	ProblemsCollected     int64
	ProblemsResolved      int64
	PetitionResolved      bool
	DisputeResolved       bool
	OccurredAt            time.Time
	// OccurredAtGiven is false when the client sent no time (now was taken):
	// a retry of such an entry is compared without its time.
	OccurredAtGiven bool
	// Position is the phone's WGS84 place, nil to use the household's; Cell
	// is its H3 cell at geo.FineResolution.
	Position *orb.Point
	Cell     int64
}

// Written is an entry as stored.
type Written struct {
	ID                string    `json:"id"`
	VisitID           int64     `json:"visit_id"`
	Member            string    `json:"member"`
	Household         string    `json:"household"`
	Village           string    `json:"village"`
	Town              string    `json:"town"`
	Kind              string    `json:"kind"`
	Participants      int64     `json:"participants"`
	Notes             string    `json:"notes"`
	ProblemsCollected int64     `json:"problems_collected"`
	ProblemsResolved  int64     `json:"problems_resolved"`
	PetitionResolved  bool      `json:"petition_resolved"`
	DisputeResolved   bool      `json:"dispute_resolved"`
	OccurredAt        time.Time `json:"occurred_at"`
	RecordedAt        time.Time `json:"recorded_at"`
	Lon               *float64  `json:"lon,omitempty"`
	Lat               *float64  `json:"lat,omitempty"`
	// MemberName and VillageName are for people reading a list (the web
	// map's diary search shows names, the codes beside them).
	MemberName  string `json:"member_name,omitempty"`
	VillageName string `json:"village_name,omitempty"`
	// Created is false when the entry was already written (a retry).
	Created bool `json:"created"`
	// MayChange says whether the caller may correct or withdraw the entry
	// (MayChange), in lists.
	MayChange bool `json:"may_change"`
}

// Store writes and lists entries under the caller's scope.
type Store interface {
	// CampaignStartsOn is the campaign's first day, midnight UTC+8.
	CampaignStartsOn(ctx context.Context, scope lianxin.Scope) (time.Time, error)
	// WriteDiary writes e once: the member named (or the caller's own), the
	// household found within the scope's towns (a household elsewhere is
	// ENotFound like an unknown code), the place given or the household's.
	// The same ID again answers the stored entry (Created false) when it
	// says the same, and EConflict when it does not.
	WriteDiary(ctx context.Context, scope lianxin.Scope, e Entry, ip string) (Written, error)
	// SearchDiary lists a page of the entries the scope may see (a
	// member's own) that match f (checked), newest first, and how many
	// match in all.
	SearchDiary(ctx context.Context, scope lianxin.Scope, f Filter) (Page, error)
}

// Kinds are the diary's entry kinds, as the visits layer defines them.
func Kinds() []string {
	f := kindField()
	return slices.Clone(f.Enum)
}

func kindField() *ingest.Field {
	l, err := ingest.LookupLayer("visits")
	if err != nil {
		panic(err) // the layer table is compiled in
	}
	f, ok := l.Field("kind")
	if !ok {
		panic("visits layer without kind")
	}
	return f
}

// MayWrite reports whether the scope may write diary entries: members (as
// themselves), team leaders (for their town's members), admins and the
// system. Planners and GIS staff read; they do not keep a diary.
func MayWrite(scope lianxin.Scope) error {
	for _, r := range []lianxin.Role{lianxin.RoleMember, lianxin.RoleTeamLeader, lianxin.RoleAdmin, lianxin.RoleSystem} {
		if scope.Has(r) {
			return nil
		}
	}
	return Refuse(lianxin.EForbidden, "", ReasonWriteRole, nil, "writing diary entries needs the member, team_leader or admin role")
}

// MayRead reports whether the scope may list diary entries: those who
// may write them, each their own entries (SECURITY.md); others' entries
// need the household_points grant, since an entry names a household and
// its place. A scope with neither a member role nor the grant has no
// entries to see, and is told so rather than given an empty list that
// reads as "no entries yet".
func MayRead(scope lianxin.Scope) error {
	if MayWrite(scope) != nil {
		return Refuse(lianxin.EForbidden, "", ReasonReadRole, nil, "reading diary entries needs the member, team_leader or admin role")
	}
	if !scope.HouseholdPoints && !scope.Has(lianxin.RoleMember) && !scope.Has(lianxin.RoleSystem) {
		return Refuse(lianxin.EForbidden, "", ReasonReadGrant, nil,
			"reading others' diary entries needs the household_points grant, and you hold no member role with entries of your own")
	}
	return nil
}

// Limits of an entry's fields.
const (
	MaxNotes    = 4000 // characters
	MaxCount    = 10000
	ClockSkew   = 5 * time.Minute // a phone's clock may run this far ahead
	idMaxLength = 100
	// MaxEntriesPerDay is how many entries one account may write in any 24
	// hours (the store counts its audit lines): ten households a day and a
	// week's offline queue fit well inside; a script flooding entries (each
	// a visit that counts towards coverage) does not. Larger backlogs go
	// through an import of the visits layer.
	MaxEntriesPerDay = 300
)

var idPattern = regexp.MustCompile(`^app-[A-Za-z0-9][A-Za-z0-9._:-]{7,95}$`)

// Check turns a request into an entry: every field checked, a 400 naming
// the first field that fails. now is the server's time, campaignStart the
// campaign's first instant, bounds the county box imports hold points to.
func (r Request) Check(now, campaignStart time.Time, bounds orb.Bound) (Entry, error) {
	// Full-width digits and letters (an input method in full-width mode)
	// are read as half-width, as imports read them.
	e := Entry{ID: strings.TrimSpace(r.ID), Household: strings.TrimSpace(ingest.HalfWidth(r.Household)), Member: strings.TrimSpace(ingest.HalfWidth(r.Member)),
		Notes: strings.TrimSpace(r.Notes), PetitionResolved: r.PetitionResolved, DisputeResolved: r.DisputeResolved}
	switch {
	case e.ID == "":
		return e, refuse("id", ReasonIDMissing, nil, "missing; want the entry's own id, app- and a UUID made once on the phone")
	case len(e.ID) > idMaxLength || !idPattern.MatchString(e.ID):
		return e, refuse("id", ReasonIDBad, map[string]any{"value": e.ID}, "%q is not an entry id: want app- and 8 to 96 letters, digits or . _ : - (e.g. app- and a UUID)", e.ID)
	}
	if e.Household == "" {
		return e, refuse("household", ReasonHouseholdMissing, nil, "missing; want the household's number, as on its contact card")
	}
	if len(e.Household) > 64 || strings.ContainsFunc(e.Household, func(c rune) bool { return c < ' ' }) {
		return e, refuse("household", ReasonHouseholdBad, map[string]any{"value": e.Household}, "%q is not a household number", e.Household)
	}
	if len(e.Member) > 64 || strings.ContainsFunc(e.Member, func(c rune) bool { return c < ' ' }) {
		return e, refuse("member", ReasonMemberBad, map[string]any{"value": e.Member}, "%q is not a member code", e.Member)
	}
	kind, err := checkKind(r.Kind)
	if err != nil {
		return e, err
	}
	e.Kind = kind
	if e.Participants, err = count("participants", r.Participants); err != nil {
		return e, err
	}
	if e.ProblemsCollected, err = count("problems_collected", r.ProblemsCollected); err != nil {
		return e, err
	}
	if e.ProblemsResolved, err = count("problems_resolved", r.ProblemsResolved); err != nil {
		return e, err
	}
	if e.ProblemsResolved > e.ProblemsCollected {
		return e, refuse("problems_resolved", ReasonResolvedOver, map[string]any{"resolved": e.ProblemsResolved, "collected": e.ProblemsCollected}, "more problems resolved (%d) than collected (%d)", e.ProblemsResolved, e.ProblemsCollected)
	}
	if n := utf8.RuneCountInString(e.Notes); n > MaxNotes || !utf8.ValidString(e.Notes) {
		return e, refuse("notes", ReasonNotesTooLong, map[string]any{"n": n, "max": MaxNotes}, "%d characters; at most %d", n, MaxNotes)
	}
	// PostgreSQL text holds no NUL (the insert would fail, a 500), and other
	// control characters but tab and line breaks are no one's notes.
	if i := strings.IndexFunc(e.Notes, func(c rune) bool { return c < ' ' && c != '\t' && c != '\n' && c != '\r' || c == 0x7f }); i >= 0 {
		return e, refuse("notes", ReasonNotesControl, nil, "holds a control character (U+%04X) at byte %d; want text", e.Notes[i], i)
	}
	if e.OccurredAt, err = occurredAt(r.OccurredAt, now, campaignStart); err != nil {
		return e, err
	}
	e.OccurredAtGiven = strings.TrimSpace(r.OccurredAt) != ""
	if e.Position, e.Cell, err = position(r.Lon, r.Lat, bounds); err != nil {
		return e, err
	}
	return e, nil
}

// refuse is a 400 naming field, with its reason and parameters.
func refuse(field, reason string, params map[string]any, format string, args ...any) error {
	return Refuse(lianxin.EInvalid, field, reason, params, format, args...)
}

// checkKind accepts the visits layer's kinds and their Chinese names
// (入户走访, 企业走访, …), as imports do.
func checkKind(s string) (string, error) {
	s = strings.TrimSpace(s)
	f := kindField()
	if s == "" {
		return "", refuse("kind", ReasonKindMissing, map[string]any{"allowed": f.Enum}, "missing; want one of %s", strings.Join(f.Enum, ", "))
	}
	if slices.Contains(f.Enum, s) {
		return s, nil
	}
	if v, ok := f.Values[s]; ok {
		return v, nil
	}
	return "", refuse("kind", ReasonKindBad, map[string]any{"value": s, "allowed": f.Enum}, "%q is not a kind; want one of %s", s, strings.Join(f.Enum, ", "))
}

func count(field string, n *int64) (int64, error) {
	if n == nil {
		return 0, nil
	}
	if *n < 0 || *n > MaxCount {
		return 0, refuse(field, ReasonCountRange, map[string]any{"value": *n, "max": MaxCount}, "%d; want a whole number from 0 to %d", *n, MaxCount)
	}
	return *n, nil
}

// occurredAt reads RFC 3339 (what a browser's toISOString sends) or a
// China-time "2026-03-05 14:30"; empty is now. It may not lie before the
// campaign's first day, nor in the future beyond ClockSkew.
func occurredAt(s string, now, campaignStart time.Time) (time.Time, error) {
	s = strings.TrimSpace(ingest.HalfWidth(s))
	if s == "" {
		return now, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var lerr error
		for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
			if t, lerr = time.ParseInLocation(layout, s, chinaTime); lerr == nil {
				break
			}
		}
		if lerr != nil {
			return time.Time{}, refuse("occurred_at", ReasonTimeBad, map[string]any{"value": s}, "%q is not a time; want e.g. 2026-11-27T14:30:00+08:00 or 2026-11-27 14:30 (China time)", s)
		}
	}
	if t.After(now.Add(ClockSkew)) {
		return time.Time{}, refuse("occurred_at", ReasonTimeFuture, map[string]any{"value": t.In(chinaTime).Format("2006-01-02 15:04"), "now": now.In(chinaTime).Format("2006-01-02 15:04")}, "%s is in the future (server time %s)", t.In(chinaTime).Format("2006-01-02 15:04"), now.In(chinaTime).Format("2006-01-02 15:04"))
	}
	if t.Before(campaignStart) {
		return time.Time{}, refuse("occurred_at", ReasonTimeBeforeCampaign, map[string]any{"value": t.In(chinaTime).Format("2006-01-02 15:04"), "start": campaignStart.In(chinaTime).Format("2006-01-02")}, "%s is before the campaign began (%s)", t.In(chinaTime).Format("2006-01-02 15:04"), campaignStart.In(chinaTime).Format("2006-01-02"))
	}
	return t, nil
}

var chinaTime = time.FixedZone("UTC+8", 8*3600)

// position checks the phone's place: both coordinates or neither, WGS84
// (a browser's geolocation is), inside the county box — with the same
// message as an import when longitude and latitude look swapped.
func position(lon, lat *float64, bounds orb.Bound) (*orb.Point, int64, error) {
	switch {
	case lon == nil && lat == nil:
		return nil, 0, nil
	case lon == nil:
		return nil, 0, refuse("lon", ReasonPlacePair, nil, "missing while lat is given; send both or neither")
	case lat == nil:
		return nil, 0, refuse("lat", ReasonPlacePair, nil, "missing while lon is given; send both or neither")
	}
	p := orb.Point{*lon, *lat}
	// Out-of-range degrees fail the county box below; only non-numbers
	// need a word of their own.
	if math.IsNaN(p[0]) || math.IsInf(p[0], 0) {
		return nil, 0, refuse("lon", ReasonPlaceNotNumber, map[string]any{"value": fmt.Sprint(p[0])}, "%v is not a longitude", p[0])
	}
	if math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
		return nil, 0, refuse("lat", ReasonPlaceNotNumber, map[string]any{"value": fmt.Sprint(p[1])}, "%v is not a latitude", p[1])
	}
	if !bounds.Contains(p) {
		if bounds.Contains(orb.Point{p[1], p[0]}) {
			return nil, 0, refuse("lon", ReasonPlaceSwapped, map[string]any{"lon": p[0], "lat": p[1]}, "coordinates look swapped: (%.6f, %.6f) is latitude, longitude; want longitude first", p[0], p[1])
		}
		return nil, 0, refuse("lon", ReasonPlaceOutside, map[string]any{"lon": p[0], "lat": p[1]}, "(%.6f, %.6f) lies outside the county (%.2f–%.2f°E, %.2f–%.2f°N)",
			p[0], p[1], bounds.Min[0], bounds.Max[0], bounds.Min[1], bounds.Max[1])
	}
	cell, err := geo.CellIDOf(p, geo.FineResolution)
	if err != nil {
		return nil, 0, refuse("lon", ReasonPlaceOutside, map[string]any{"lon": p[0], "lat": p[1]}, "%v", err)
	}
	return &p, cell, nil
}

// Service writes entries: who may, the checks, then the store.
type Service struct {
	store  Store
	bounds orb.Bound
	now    func() time.Time
}

// NewService returns a Service over st; bounds is the county box (the zero
// box means ingest.CountyBounds, as for imports).
func NewService(st Store, bounds orb.Bound) *Service {
	if bounds.IsZero() {
		bounds = ingest.CountyBounds
	}
	return &Service{store: st, bounds: bounds, now: time.Now}
}

// Write checks r and writes it as scope's user; ip goes to the audit log.
func (s *Service) Write(ctx context.Context, scope lianxin.Scope, r Request, ip string) (Written, error) {
	if err := MayWrite(scope); err != nil {
		return Written{}, err
	}
	start, err := s.store.CampaignStartsOn(ctx, scope)
	if err != nil {
		return Written{}, err
	}
	e, err := r.Check(s.now(), start, s.bounds)
	if err != nil {
		return Written{}, err
	}
	return s.store.WriteDiary(ctx, scope, e, ip)
}

// Entries lists the latest entries scope may see; limit 1..500 (0: 50).
func (s *Service) Entries(ctx context.Context, scope lianxin.Scope, limit int) ([]Written, error) {
	p, err := s.Search(ctx, scope, Filter{Limit: limit})
	return p.Entries, err
}

// ErrNoHousehold is the one answer for a household code that is unknown or
// lies outside the caller's towns: which of the two it is stays unsaid.
func ErrNoHousehold(code string) error {
	return Refuse(lianxin.ENotFound, "household", ReasonNoHousehold, map[string]any{"value": code}, "no household %q in your towns", code)
}
