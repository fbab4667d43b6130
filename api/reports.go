package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
)

// ReportStore is what the coverage reports and the web map's lookups read;
// *store.Store satisfies it.
type ReportStore interface {
	coverage.ReportSource
	coverage.Snapshotter
	Towns(ctx context.Context, scope lianxin.Scope) ([]coverage.Town, error)
	// SetCampaignEnd sets the campaign's last day (nil: none) with its
	// audit line by the scope's user from ip (PATCH /api/v1/campaign),
	// as the scope: the database refuses any but an admin or system one.
	SetCampaignEnd(ctx context.Context, scope lianxin.Scope, ip string, endsOn *time.Time) (coverage.Campaign, error)
}

func (s *Server) reports() *coverage.Reports { return coverage.NewReports(s.deps.Reports, nil) }

// needReports answers 503 on the report routes of a server built without a
// ReportStore (tests of other parts).
func (s *Server) needReports(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.deps.Reports == nil {
			return lianxin.Errorf(lianxin.EUnavailable, "reports are not configured on this server")
		}
		return h(c)
	}
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// reportParams reads and checks the query parameters a report accepts:
// anything else is a 400 naming it, so a typo never silently widens a report.
type reportParams struct {
	q url.Values
}

func params(c echo.Context, allowed ...string) (reportParams, error) {
	q := c.QueryParams()
	for k, v := range q {
		if !slices.Contains(allowed, k) && !(slices.Contains(allowed, "format") && slices.Contains(csvReportParams, k)) {
			return reportParams{}, lianxin.Refuse(lianxin.EInvalid, k, coverage.ReportReasonUnknownParameter, map[string]any{"value": k, "allowed": allowed},
				"%s: unknown parameter (this report takes %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return reportParams{}, lianxin.Refuse(lianxin.EInvalid, k, coverage.ReportReasonRepeated, map[string]any{"value": k, "count": len(v)},
				"%s: given %d times", k, len(v))
		}
	}
	return reportParams{q: q}, nil
}

func (p reportParams) code(name string) (string, error) {
	v := p.q.Get(name)
	if v != "" && !codePattern.MatchString(v) {
		return "", lianxin.Refuse(lianxin.EInvalid, name, coverage.ReportReasonBadCode, map[string]any{"value": v},
			"%s: %q is not a code (letters, digits, _ . -)", name, v)
	}
	return v, nil
}

func (p reportParams) day(name string) (time.Time, error) {
	v := p.q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	return coverage.ParseDay(name, v)
}

func (p reportParams) int(name string, lo, hi int) (int, error) {
	v := p.q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, lianxin.Refuse(lianxin.EInvalid, name, coverage.ReportReasonBadNumber, map[string]any{"value": v, "min": lo, "max": hi},
			"%s: %q is not a whole number in %d..%d", name, v, lo, hi)
	}
	return n, nil
}

func (p reportParams) bool(name string) (bool, error) {
	switch v := p.q.Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, lianxin.Refuse(lianxin.EInvalid, name, coverage.ReportReasonBadBool, map[string]any{"value": v},
			"%s: %q is not true or false", name, v)
	}
}

// query reads town, team, from and to.
func (p reportParams) query() (coverage.Query, error) {
	var q coverage.Query
	var err error
	if q.Town, err = p.code("town"); err != nil {
		return q, err
	}
	if q.Team, err = p.code("team"); err != nil {
		return q, err
	}
	if q.From, err = p.day("from"); err != nil {
		return q, err
	}
	if q.To, err = p.day("to"); err != nil {
		return q, err
	}
	return q, nil
}

func (p reportParams) format(allowed ...string) (string, error) {
	return coverage.ParseFormat(p.q.Get("format"), allowed...)
}

// writeRows sends rows as JSON ({"from","to","rows"} envelope), CSV or GeoJSON.
func writeRows[T any](c echo.Context, name, format string, w coverage.Window, rows []T, at func(T) (float64, float64)) error {
	if rows == nil {
		rows = []T{}
	}
	switch format {
	case coverage.FormatCSV:
		return writeReportCSV(c, name, rows) // api/csv.go: codes kept as text for Excel, lang=zh
	case coverage.FormatGeoJSON:
		b, err := coverage.GeoJSON(rows, at)
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, "application/geo+json", b)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"from": w.From.Format(coverage.DayLayout), "to": w.To.Format(coverage.DayLayout), "rows": rows})
}

func gapPlace(g coverage.GapRow) (float64, float64) { return g.Lon, g.Lat }

// GET /api/v1/reports/gaps
func (s *Server) reportGaps(c echo.Context) error {
	p, err := params(c, "town", "team", "from", "to", "all", "sort", "format")
	if err != nil {
		return err
	}
	var gq coverage.GapQuery
	if gq.Query, err = p.query(); err != nil {
		return err
	}
	if gq.All, err = p.bool("all"); err != nil {
		return err
	}
	gq.Sort = p.q.Get("sort")
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV, coverage.FormatGeoJSON)
	if err != nil {
		return err
	}
	rows, w, err := s.reports().Gaps(c.Request().Context(), scopeOf(c), gq)
	if err != nil {
		return err
	}
	return writeRows(c, "gaps", format, w, rows, gapPlace)
}

// GET /api/v1/reports/next
func (s *Server) reportNext(c echo.Context) error {
	p, err := params(c, "team", "n", "from", "to", "format")
	if err != nil {
		return err
	}
	var nq coverage.NextQuery
	if nq.Query, err = p.query(); err != nil {
		return err
	}
	if nq.Team == "" {
		return lianxin.Refuse(lianxin.EInvalid, "team", coverage.ReportReasonTeamRequired, nil, "team: required")
	}
	if nq.N, err = p.int("n", 1, 50); err != nil {
		return err
	}
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV, coverage.FormatGeoJSON)
	if err != nil {
		return err
	}
	plan, err := s.reports().Next(c.Request().Context(), scopeOf(c), nq)
	if err != nil {
		return err
	}
	if format == coverage.FormatJSON {
		if plan.Stops == nil {
			plan.Stops = []coverage.NextStop{}
		}
		return c.JSON(http.StatusOK, plan)
	}
	return writeRows(c, "next-"+plan.Team, format, coverage.Window{}, plan.Stops,
		func(s coverage.NextStop) (float64, float64) { return s.Lon, s.Lat })
}

// GET /api/v1/reports/members: one team's members (team=), one town's
// (town=), or every member the caller may see (the county for a planner or
// an admin), each with their team's and town's names.
func (s *Server) reportMembers(c echo.Context) error {
	return tableReport(c, s, "members", []string{"town", "team", "from", "to", "format"}, (*coverage.Reports).Members)
}

// tableReport serves a report that is one table of rows for a town/team
// window, as JSON or CSV: the parameters are checked, then run answers.
func tableReport[T any](c echo.Context, s *Server, name string, allowed []string,
	run func(*coverage.Reports, context.Context, lianxin.Scope, coverage.Query) ([]T, coverage.Window, error)) error {
	q, format, err := tableParams(c, allowed...)
	if err != nil {
		return err
	}
	rows, w, err := run(s.reports(), c.Request().Context(), scopeOf(c), q)
	if err != nil {
		return err
	}
	return writeRows(c, name, format, w, rows, nil)
}

// tableParams checks what every report of a town/team window in JSON or
// CSV is asked, in one order (the parameters allowed, then town, team,
// from and to, then the format), so each such report refuses a bad request
// with the same reason: the table reports, the summary and the spot-check
// ranking.
func tableParams(c echo.Context, allowed ...string) (coverage.Query, string, error) {
	p, err := params(c, allowed...)
	if err != nil {
		return coverage.Query{}, "", err
	}
	q, err := p.query()
	if err != nil {
		return coverage.Query{}, "", err
	}
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV)
	if err != nil {
		return coverage.Query{}, "", err
	}
	return q, format, nil
}

// GET /api/v1/reports/summary: the summary report (coverage.SummaryReport),
// or with format=csv the same as a report of lines (SummaryCSV).
func (s *Server) reportSummary(c echo.Context) error {
	q, format, err := tableParams(c, "town", "team", "from", "to", "format")
	if err != nil {
		return err
	}
	sum, err := s.reports().SummaryReport(c.Request().Context(), scopeOf(c), q)
	if err != nil {
		return err
	}
	if format == coverage.FormatCSV {
		return writeSummaryCSV(c, sum)
	}
	return c.JSON(http.StatusOK, sum)
}

// GET /api/v1/reports/diary-sample
func (s *Server) reportDiary(c echo.Context) error {
	p, err := params(c, "team", "n", "seed", "from", "to", "format")
	if err != nil {
		return err
	}
	var dq coverage.DiaryQuery
	if dq.Query, err = p.query(); err != nil {
		return err
	}
	if dq.N, err = p.int("n", 1, 200); err != nil {
		return err
	}
	if v := p.q.Get("seed"); v != "" {
		if dq.Seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			return lianxin.Refuse(lianxin.EInvalid, "seed", coverage.ReportReasonNotWhole, map[string]any{"value": v},
				"seed: %q is not a whole number", v)
		}
	}
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV)
	if err != nil {
		return err
	}
	rows, w, err := s.reports().DiarySample(c.Request().Context(), scopeOf(c), dq)
	if err != nil {
		return err
	}
	return writeRows(c, "diary-sample", format, w, rows, nil)
}

// GET /api/v1/reports/forecast: each village's forecast judged against the
// campaign's last day (ends_on; by default the campaign's end, or a year
// after the start when it has none): on track or not, and the pace that
// would get it there. The answer says the day it stands at (as_of) and the
// diary's last entry, and once the campaign has ended it is the final
// standing at the end (ended), nothing projected (coverage.ForecastToEnd).
func (s *Server) reportForecast(c echo.Context) error {
	p, err := params(c, "town", "team", "from", "to", "ends_on", "format")
	if err != nil {
		return err
	}
	q, err := p.query()
	if err != nil {
		return err
	}
	endsOn, err := p.day("ends_on")
	if err != nil {
		return err
	}
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV)
	if err != nil {
		return err
	}
	rep, err := s.reports().ForecastToEnd(c.Request().Context(), scopeOf(c), q, endsOn)
	if err != nil {
		return err
	}
	if format == coverage.FormatCSV {
		return writeRows(c, "forecast", format, rep.Window, rep.Rows, nil)
	}
	return c.JSON(http.StatusOK, rep.Answer())
}

// POST /api/v1/snapshots {"as_of": "YYYY-MM-DD", "town": "code"}
func (s *Server) createSnapshot(c echo.Context) error {
	var body struct {
		AsOf string `json:"as_of"`
		Town string `json:"town"`
	}
	if err := decodeStrict(c.Request().Body, &body, "as_of", "town"); err != nil {
		return err
	}
	var asOf time.Time
	if body.AsOf != "" {
		d, err := coverage.ParseSnapshotDay(body.AsOf)
		if err != nil {
			return err
		}
		asOf = d
	}
	if body.Town != "" && !codePattern.MatchString(body.Town) {
		return lianxin.Refuse(lianxin.EInvalid, "town", coverage.SnapReasonBadTown, map[string]any{"value": body.Town},
			"town: %q is not a code", body.Town)
	}
	snap, err := s.reports().TakeSnapshot(c.Request().Context(), scopeOf(c), s.deps.Reports, asOf, body.Town)
	if err != nil {
		return err
	}
	snap.Gaps, snap.Summary = nil, nil
	return c.JSON(http.StatusCreated, snap)
}

// decodeStrict reads an optional JSON object body into v, whose fields are
// allowed: a field outside them (misspelt or unsupported, which json would
// silently ignore) is a 400 naming it. No body: every field its default.
// Its refusals carry the snapshots' reasons (coverage.SnapReasonBodyBad,
// SnapReasonUnknownField), the one body it reads.
func decodeStrict(r io.Reader, v any, allowed ...string) error {
	b, err := io.ReadAll(io.LimitReader(r, 1<<16))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	what := "body: not a JSON object with " + strings.Join(allowed, ", ")
	bad := lianxin.Refuse(lianxin.EInvalid, "", coverage.SnapReasonBodyBad, map[string]any{"allowed": allowed}, "%s", what)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return bad
	}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if !slices.Contains(allowed, k) {
			return lianxin.Refuse(lianxin.EInvalid, k, coverage.SnapReasonUnknownField, map[string]any{"value": k, "allowed": allowed},
				"%s: unknown field (the body takes %s)", k, strings.Join(allowed, ", "))
		}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return bad
	}
	return nil
}

// GET /api/v1/snapshots
func (s *Server) listSnapshots(c echo.Context) error {
	if _, err := params(c); err != nil {
		return err
	}
	list, err := s.deps.Reports.Snapshots(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	// Each says whether the caller may compare it (a planner: whole weeks only).
	if err := s.reports().MarkComparable(c.Request().Context(), scopeOf(c), list); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

func snapshotID(c echo.Context, name string) (int64, error) {
	return coverage.ParseSnapshotID(name, c.Param(name))
}

// GET /api/v1/snapshots/{a}/diff/{b}
func (s *Server) snapshotDiff(c echo.Context) error {
	a, err := snapshotID(c, "a")
	if err != nil {
		return err
	}
	b, err := snapshotID(c, "b")
	if err != nil {
		return err
	}
	d, err := s.reports().Diff(c.Request().Context(), scopeOf(c), s.deps.Reports, a, b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

type campaignWeek struct {
	Week int    `json:"week"`
	From string `json:"from"`
	To   string `json:"to"`
}

// GET /api/v1/campaign: the campaign and its weeks (for the time slider).
func (s *Server) campaign(c echo.Context) error {
	if _, err := params(c); err != nil {
		return err
	}
	cp, err := s.deps.Reports.Campaign(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	return campaignJSON(c, cp)
}

// PATCH /api/v1/campaign {"ends_on": "YYYY-MM-DD" | null}: an admin sets
// or clears the campaign's last day (the forecast's default end), audited
// (campaign_end); answered as GET /api/v1/campaign.
func (s *Server) setCampaignEnd(c echo.Context) error {
	scope := scopeOf(c)
	if !scope.Has(lianxin.RoleAdmin) && !scope.Has(lianxin.RoleSystem) {
		return lianxin.Errorf(lianxin.EForbidden, "only an admin may set the campaign's end")
	}
	if _, err := params(c); err != nil {
		return err
	}
	var req struct {
		EndsOn json.RawMessage `json:"ends_on"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 1<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || len(req.EndsOn) == 0 {
		return lianxin.Errorf(lianxin.EInvalid, `body: want JSON {"ends_on": "YYYY-MM-DD"} or {"ends_on": null}`)
	}
	var end *time.Time
	if string(req.EndsOn) != "null" {
		var day string
		if err := json.Unmarshal(req.EndsOn, &day); err != nil {
			return lianxin.Errorf(lianxin.EInvalid, `ends_on: want a day "YYYY-MM-DD" or null`)
		}
		d, err := coverage.ParseDay("ends_on", day)
		if err != nil {
			return err
		}
		end = &d
	}
	cp, err := s.deps.Reports.SetCampaignEnd(c.Request().Context(), scope, c.RealIP(), end)
	if err != nil {
		return err
	}
	return campaignJSON(c, cp)
}

// campaignJSON answers the campaign with its weeks so far.
func campaignJSON(c echo.Context, cp coverage.Campaign) error {
	w := coverage.DefaultWindow(cp.StartsOn, time.Now())
	weeks := []campaignWeek{}
	for d, i := w.From, 1; d.Before(w.To); d, i = d.AddDate(0, 0, 7), i+1 {
		weeks = append(weeks, campaignWeek{Week: i, From: d.Format(coverage.DayLayout), To: d.AddDate(0, 0, 7).Format(coverage.DayLayout)})
	}
	var endsOn *string // null when the campaign has no end set
	if cp.EndsOn != nil {
		d := cp.EndsOn.Format(coverage.DayLayout)
		endsOn = &d
	}
	return c.JSON(http.StatusOK, map[string]any{
		"name": cp.Name, "starts_on": cp.StartsOn.Format(coverage.DayLayout), "ends_on": endsOn, "synthetic": cp.Synthetic,
		"today": coverage.Day(time.Now()).Format(coverage.DayLayout), "weeks": weeks,
	})
}

// GET /api/v1/towns
func (s *Server) towns(c echo.Context) error {
	if _, err := params(c); err != nil {
		return err
	}
	ts, err := s.deps.Reports.Towns(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	type town struct {
		coverage.Town
		BBox [4]float64 `json:"bbox"`
	}
	out := make([]town, len(ts))
	for i, t := range ts {
		out[i] = town{t, [4]float64{t.BBox.Min[0], t.BBox.Min[1], t.BBox.Max[0], t.BBox.Max[1]}}
	}
	return c.JSON(http.StatusOK, out)
}

// GET /api/v1/teams
func (s *Server) teams(c echo.Context) error {
	if _, err := params(c); err != nil {
		return err
	}
	ts, err := s.deps.Reports.Teams(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	type team struct {
		coverage.Team
		Base [2]float64 `json:"base"`
	}
	out := make([]team, len(ts))
	for i, t := range ts {
		out[i] = team{t, [2]float64{t.Base[0], t.Base[1]}}
	}
	return c.JSON(http.StatusOK, out)
}

// GET /api/v1/villages/{code}: the web map's side panel.
func (s *Server) village(c echo.Context) error {
	p, err := params(c, "from", "to")
	if err != nil {
		return err
	}
	q, err := p.query()
	if err != nil {
		return err
	}
	code := c.Param("code")
	if !codePattern.MatchString(code) {
		return lianxin.Refuse(lianxin.EInvalid, "code", coverage.ReportReasonBadCode, map[string]any{"value": code},
			"code: %q is not a village code", code)
	}
	d, err := s.reports().Village(c.Request().Context(), scopeOf(c), code, q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}
