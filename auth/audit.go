package auth

import (
	"context"
	"time"
	"unicode/utf8"
)

// Event is one line of the audit log: who did what, when, to what, with
// which filter, over how many rows. Detail must never hold a personal field
// or a secret: it names things (a household id, a layer, a filter).
type Event struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Action string         `json:"action"`
	Target string         `json:"target,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
	Rows   *int64         `json:"rows,omitempty"`
	IP     string         `json:"ip,omitempty"`
}

// Audit actions others record through Record.
const (
	ActionImport       = "import"
	ActionExport       = "export"
	ActionViewPersonal = "view_personal"
)

// AuditFilter selects events, newest first. Empty fields select all.
type AuditFilter struct {
	Action string
	Actor  string
	// Target is the event's target, exact: a layer (households, visits),
	// a user name, a report.
	Target string
	// Subject is text in the target or the detail, case-insensitive: an
	// entry's id (V00007802), a household's, a role's town.
	Subject string
	// From and To bound when: From <= at < To; zero leaves an end open.
	From, To time.Time
	BeforeID int64 // page: events with a smaller id
	Limit    int
}

// DefaultAuditLimit is the page of events Audit lists without a limit.
const DefaultAuditLimit = 100

// Record appends e to the audit log.
func (s *Service) Record(ctx context.Context, e Event) error {
	if e.Actor == "" {
		e.Actor = "anonymous"
	}
	e.Actor = truncate(e.Actor, 100)
	e.Target = truncate(e.Target, 200)
	e.IP = truncate(e.IP, 100)
	return s.st.AppendAudit(ctx, e)
}

// Audit lists events, newest first (Limit 1..1000, default 100).
func (s *Service) Audit(ctx context.Context, f AuditFilter) ([]Event, error) {
	if f.Limit == 0 {
		f.Limit = DefaultAuditLimit
	}
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, invalidf("limit: between 1 and 1000, got %d", f.Limit)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return s.st.ListAudit(ctx, f)
}

// AuditCount counts the events f selects, all pages (BeforeID and Limit
// are not used).
func (s *Service) AuditCount(ctx context.Context, f AuditFilter) (int64, error) {
	if err := f.check(); err != nil {
		return 0, err
	}
	return s.st.CountAudit(ctx, f)
}

func (f AuditFilter) check() error {
	switch {
	case f.BeforeID < 0:
		return invalidf("before_id: a positive event id, got %d", f.BeforeID)
	// Counted in characters: a Chinese user name of 64 characters is 192
	// bytes, and the actor filter must reach it.
	case utf8.RuneCountInString(f.Action) > 64 || utf8.RuneCountInString(f.Actor) > 100 ||
		utf8.RuneCountInString(f.Target) > 200 || utf8.RuneCountInString(f.Subject) > 200:
		return invalidf("action (64), actor (100), target or subject (200 characters): too long")
	case !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To):
		return invalidf("to: %s is not after from (%s)", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	return nil
}
