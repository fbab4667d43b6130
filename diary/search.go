package diary

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"lianxin"
)

// Searching the diary: the office finds an older entry (a spot-checked
// one, to correct it) by its id, member, household, village, town, time or
// a word of its note, a page at a time, with the number of entries that
// match. What a caller may see is what the latest-entries list shows
// (MayRead, the towns of the scope, row-level security); the filters only
// narrow it.

// Zone is the campaign's time (UTC+8): entries are keyed in it, and the
// API answers their times in it, as the reports do.
var Zone = chinaTime

// Limits of a search.
const (
	MaxLimit     = 500
	DefaultLimit = 50
	// MaxOffset bounds paging by offset: a page past 100,000 entries is
	// a filter the caller should narrow, not a deep scan to answer.
	MaxOffset = 100000
	// maxFilter bounds a code or word filter, in characters.
	maxFilter = 100
)

// Filter narrows the entries listed; the zero Filter is the latest 50.
type Filter struct {
	ID        string // the entry's id (日记编号), exact
	Member    string // member code, in any case
	Household string // household id (户编号), exact
	Village   string // village code, exact
	Town      string // town code, exact
	Q         string // words in the note, case-insensitive
	// From and To bound when the entry happened: From <= occurred_at < To;
	// a zero time leaves that end open.
	From, To time.Time
	Offset   int
	Limit    int
}

// Page is one page of a search: the entries, newest first, and how many
// match in all.
type Page struct {
	Entries []Written `json:"entries"`
	Total   int64     `json:"total"`
	Offset  int       `json:"offset"`
	Limit   int       `json:"limit"`
}

// Check checks f's values and fills in the default limit.
func (f *Filter) Check() error {
	switch {
	case f.Limit == 0:
		f.Limit = DefaultLimit
	case f.Limit < 1 || f.Limit > MaxLimit:
		return refuse("limit", ReasonLimitRange, map[string]any{"value": f.Limit}, "%d; want 1 to %d", f.Limit, MaxLimit)
	}
	if f.Offset < 0 || f.Offset > MaxOffset {
		return refuse("offset", ReasonOffsetRange, map[string]any{"value": f.Offset, "max": MaxOffset}, "%d; want 0 to %d", f.Offset, MaxOffset)
	}
	for _, v := range []struct {
		field string
		value *string
	}{{"id", &f.ID}, {"member", &f.Member}, {"household", &f.Household}, {"village", &f.Village}, {"town", &f.Town}, {"q", &f.Q}} {
		*v.value = strings.TrimSpace(*v.value)
		if utf8.RuneCountInString(*v.value) > maxFilter || strings.ContainsFunc(*v.value, isControl) {
			return refuse(v.field, ReasonFilterBad, map[string]any{"value": truncateRunes(*v.value, 40), "max": maxFilter},
				"want at most %d characters and no control characters", maxFilter)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return refuse("to", ReasonRangeEmpty, map[string]any{"from": f.From.In(Zone).Format(time.RFC3339), "to": f.To.In(Zone).Format(time.RFC3339)},
			"%s is not after from (%s)", f.To.In(Zone).Format(time.RFC3339), f.From.In(Zone).Format(time.RFC3339))
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ParseBound reads a search's from or to: a date (2026-09-01, midnight
// in the campaign's time) or an RFC 3339 time with any offset.
func ParseBound(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, Zone); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, refuse(field, ReasonTimeBad, map[string]any{"value": truncateRunes(s, 40)},
		"%q is not a date or time; want e.g. 2026-09-01 or 2026-09-01T08:00:00+08:00", truncateRunes(s, 40))
}

// Search lists a page of the entries scope may see that match f, newest
// first, with how many match in all.
func (s *Service) Search(ctx context.Context, scope lianxin.Scope, f Filter) (Page, error) {
	if err := MayRead(scope); err != nil {
		return Page{}, err
	}
	if err := f.Check(); err != nil {
		return Page{}, err
	}
	return s.store.SearchDiary(ctx, scope, f)
}
