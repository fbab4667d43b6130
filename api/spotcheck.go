package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

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

// maxSpotCheckBody bounds a result's JSON: a note of 1,000 characters and
// the rest fit well inside.
const maxSpotCheckBody = 16 << 10

// POST /api/v1/spot-checks: one result for an entry of the caller's
// sample; 201 with the result.
func (s *Server) recordSpotCheck(c echo.Context) error {
	svc, err := s.spotChecks()
	if err != nil {
		return err
	}
	if err := spotcheck.MayRecord(scopeOf(c)); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxSpotCheckBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return lianxin.Refuse(lianxin.ETooLarge, "body", spotcheck.ReasonBadBody, nil, "body: larger than %d bytes", maxSpotCheckBody)
		}
		return lianxin.Refuse(lianxin.EInvalid, "body", spotcheck.ReasonBadBody, nil, "body: could not be read")
	}
	var r spotcheck.Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return lianxin.Refuse(lianxin.EInvalid, "body", spotcheck.ReasonBadBody, nil,
			"body: not a result (a JSON object of entry, seed, from, to, verdict, score, note): %v", err)
	}
	res, err := svc.Record(c.Request().Context(), scopeOf(c), r, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

// GET /api/v1/spot-checks: a page of results, newest first.
func (s *Server) listSpotChecks(c echo.Context) error {
	svc, err := s.spotChecks()
	if err != nil {
		return err
	}
	if err := spotcheck.MayRecord(scopeOf(c)); err != nil {
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
	if f.Round, err = p.int("round", 1, 10000); err != nil {
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
