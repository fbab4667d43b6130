package api

import (
	"context"
	"strings"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/export"
)

// OGC API – Features reads datetime intervals as closed (OGC 17-069r4,
// /req/core/fc-time-definition: "start/end" includes end), while the
// exports' from/to and the coverage windows are half-open [from, to). The
// two meet here, in one place:
//
//   - an end that is a date (2026-05-31, or GDAL's 2026-05-31T) includes
//     that whole day (UTC+8), as the single date 2026-05-31 does, so
//     2026-05-31/2026-05-31 is that one day;
//   - an end that is an instant includes that instant;
//   - on a collection whose figures count a window of days (village_coverage,
//     gaps, h3_cells) every instant stands for its day, so an interval
//     covers the whole days it touches.
//
// A collection's temporal extent is said the same way: its first and last
// instant, a date's last instant being the end of its day.

// ogcDatetime reads datetime as the half-open [from, to) the filters take,
// for layer l.
func ogcDatetime(l *export.Layer, s string) (from, to *time.Time, err error) {
	from, to, err = export.ParseDatetime(s)
	if err != nil {
		return nil, nil, err
	}
	if end, ok := closedEnd(s); ok && to != nil {
		// ParseDatetime gave the end itself (half-open): include it.
		t := to.Add(time.Nanosecond)
		if isDate(end) {
			t = to.AddDate(0, 0, 1)
		}
		to = &t
	}
	if l.Kind == export.Aggregate {
		// Whole days: the window starts on from's day and ends after the
		// day of the last instant it includes.
		if from != nil {
			d := coverage.Day(*from)
			from = &d
		}
		if to != nil {
			d := coverage.Day(to.Add(-time.Nanosecond)).AddDate(0, 0, 1)
			to = &d
		}
	}
	return from, to, nil
}

// closedEnd returns the end of an interval "start/end" when it is not open.
func closedEnd(s string) (string, bool) {
	_, b, ok := strings.Cut(s, "/")
	if !ok || b == "" || b == ".." {
		return "", false
	}
	return b, true
}

// isDate tells a day (2026-05-31, or GDAL's 2026-05-31T) from an instant.
func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, strings.TrimSuffix(s, "T"))
	return err == nil
}

// ogcTemporalExtent is the closed interval a collection advertises: a
// stored layer's first and last time (the end of the last day for a layer
// timed by dates), a windowed collection's default window (the campaign's
// first day to the end of today), nil for a collection without time.
func (s *Server) ogcTemporalExtent(ctx context.Context, scope lianxin.Scope, l *export.Layer, ext export.Extent) ([]any, error) {
	instant := func(t *time.Time) any {
		if t == nil {
			return nil // an open end: no rows in scope
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch {
	case l.Temporal != "":
		to := ext.To
		if f, ok := l.Field(l.Temporal); ok && f.Type == export.Date && to != nil {
			end := coverage.Day(*to).AddDate(0, 0, 1).Add(-time.Second)
			to = &end
		}
		return []any{instant(ext.From), instant(to)}, nil
	case l.Kind == export.Aggregate && s.deps.Reports != nil:
		cp, err := s.deps.Reports.Campaign(ctx, scope)
		if err != nil {
			return nil, err
		}
		w := coverage.DefaultWindow(cp.StartsOn, time.Now())
		last := w.To.Add(-time.Second)
		return []any{instant(&w.From), instant(&last)}, nil
	}
	return nil, nil
}

// withTemporalExtent sets col's temporal extent (ogcTemporalExtent).
func (s *Server) withTemporalExtent(ctx context.Context, scope lianxin.Scope, l *export.Layer, ext export.Extent, col map[string]any) error {
	interval, err := s.ogcTemporalExtent(ctx, scope, l, ext)
	if err != nil || interval == nil {
		return err
	}
	extent, _ := col["extent"].(map[string]any)
	if extent == nil {
		extent = map[string]any{}
		col["extent"] = extent
	}
	extent["temporal"] = map[string]any{"interval": [][]any{interval}, "trs": trsGregorian}
	return nil
}
