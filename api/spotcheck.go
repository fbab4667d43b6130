package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
	"lianxin/spotcheck"
)

// The diary spot check's results and ranking (package spotcheck). The
// store is the reports' (it implements spotcheck.Store), so a server with
// reports has the spot check too.

func (s *Server) spotChecks() (*spotcheck.Service, error) {
	st, ok := s.deps.Reports.(spotcheck.Store)
	if !ok {
		return nil, lianxin.Errorf(lianxin.EUnavailable, "the spot check is not configured on this server")
	}
	return spotcheck.NewService(st, s.reports()), nil
}

// spotCheckRecorder is the spot check for a caller who records and lists
// results (spotcheck.MayRecord), refused before the request is read.
func (s *Server) spotCheckRecorder(c echo.Context) (*spotcheck.Service, error) {
	svc, err := s.spotChecks()
	if err != nil {
		return nil, err
	}
	if err := spotcheck.MayRecord(scopeOf(c)); err != nil {
		return nil, err
	}
	return svc, nil
}

// maxSpotCheckBody bounds a result's JSON: a note of 1,000 characters and
// the rest fit well inside.
const maxSpotCheckBody = 16 << 10

// POST /api/v1/spot-checks: one result for an entry of the caller's
// sample; 201 with the result.
func (s *Server) recordSpotCheck(c echo.Context) error {
	svc, err := s.spotCheckRecorder(c)
	if err != nil {
		return err
	}
	var r spotcheck.Request
	if err := readSpotCheckBody(c, &r, "a result (a JSON object of entry, seed, from, to, verdict, score, note)"); err != nil {
		return err
	}
	res, err := svc.Record(c.Request().Context(), scopeOf(c), r, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

// readSpotCheckBody decodes the request's JSON body, of at most
// maxSpotCheckBody bytes and no field but v's, into v; want says what the
// body should have been.
func readSpotCheckBody(c echo.Context, v any, want string) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxSpotCheckBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return lianxin.Refuse(lianxin.ETooLarge, "body", spotcheck.ReasonBadBody, nil, "body: larger than %d bytes", maxSpotCheckBody)
		}
		return lianxin.Refuse(lianxin.EInvalid, "body", spotcheck.ReasonBadBody, nil, "body: could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return lianxin.Refuse(lianxin.EInvalid, "body", spotcheck.ReasonBadBody, nil, "body: not %s: %v", want, err)
	}
	if dec.More() {
		return lianxin.Refuse(lianxin.EInvalid, "body", spotcheck.ReasonBadBody, nil, "body: not %s: more after the object", want)
	}
	return nil
}

// spotCheckID reads the result id of the path.
func spotCheckID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, lianxin.Refuse(lianxin.EInvalid, "id", spotcheck.ReasonResultUnknown, map[string]any{"id": c.Param("id")},
			"id: want a result's number, got %.20q", c.Param("id"))
	}
	return id, nil
}

// PATCH /api/v1/spot-checks/{id}: the checker who recorded a result of the
// current round, or an admin, corrects it (verdict, score, note: the whole
// finding); 200 with the result.
func (s *Server) correctSpotCheck(c echo.Context) error {
	svc, err := s.spotCheckRecorder(c)
	if err != nil {
		return err
	}
	id, err := spotCheckID(c)
	if err != nil {
		return err
	}
	var r spotcheck.Correction
	if err := readSpotCheckBody(c, &r, "a correction (a JSON object of verdict, score, note)"); err != nil {
		return err
	}
	res, err := svc.Correct(c.Request().Context(), scopeOf(c), id, r, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// DELETE /api/v1/spot-checks/{id}: the checker who recorded a result of
// the current round, or an admin, withdraws it; 200 with the result as it
// was (the entry may be recorded again in the round).
func (s *Server) withdrawSpotCheck(c echo.Context) error {
	svc, err := s.spotCheckRecorder(c)
	if err != nil {
		return err
	}
	id, err := spotCheckID(c)
	if err != nil {
		return err
	}
	res, err := svc.Withdraw(c.Request().Context(), scopeOf(c), id, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// GET /api/v1/spot-checks: a page of results, newest first; round=current
// is the round the server's clock is in (the results a checker may still
// correct).
func (s *Server) listSpotChecks(c echo.Context) error {
	svc, err := s.spotCheckRecorder(c)
	if err != nil {
		return err
	}
	p, err := params(c, "team", "round", "verdict", "from", "to", "limit", "offset")
	if err != nil {
		return err
	}
	q, err := p.query()
	if err != nil {
		return err
	}
	var f spotcheck.Filter
	if p.q.Get("round") == "current" {
		f.CurrentRound = true
	} else if f.Round, err = p.int("round", 1, 10000); err != nil {
		return err
	}
	if f.Limit, err = p.int("limit", 1, spotcheck.MaxLimit); err != nil {
		return err
	}
	if f.Offset, err = p.int("offset", 0, 1_000_000); err != nil {
		return err
	}
	f.Verdict = p.q.Get("verdict")
	page, err := svc.List(c.Request().Context(), scopeOf(c), q, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

// GET /api/v1/reports/spot-check-ranking: teams (and with team= that
// team's members) ranked by their results; CSV of the teams, or of the
// members with team=.
func (s *Server) reportSpotCheckRanking(c echo.Context) error {
	svc, err := s.spotChecks()
	if err != nil {
		return err
	}
	if err := spotcheck.MayRank(scopeOf(c)); err != nil {
		return err
	}
	q, format, err := tableParams(c, "team", "from", "to", "format")
	if err != nil {
		return err
	}
	rk, err := svc.Ranking(c.Request().Context(), scopeOf(c), q)
	if err != nil {
		return err
	}
	if format == coverage.FormatCSV {
		if q.Team != "" {
			return writeReportCSV(c, "spot-check-ranking-"+q.Team, rk.Members)
		}
		return writeReportCSV(c, "spot-check-ranking", rk.Teams)
	}
	return c.JSON(http.StatusOK, rk)
}
