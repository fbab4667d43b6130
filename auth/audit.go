package auth

import (
	"context"
	"time"
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

// AuditFilter selects events, newest first.
type AuditFilter struct {
	Action   string
	Actor    string
	BeforeID int64 // page: events with a smaller id
	Limit    int
}

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
		f.Limit = 100
	}
	if f.Limit < 1 || f.Limit > 1000 {
		return nil, invalidf("limit: between 1 and 1000, got %d", f.Limit)
	}
	if f.BeforeID < 0 {
		return nil, invalidf("before_id: a positive event id, got %d", f.BeforeID)
	}
	return s.st.ListAudit(ctx, f)
}
