package api

import (
	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
)

// GET /api/v1/reports/special-households: the special-group households
// (five full coverages #4 and #5) of a town with no entry in the window, by
// village then household number, as JSON, CSV (UTF-8 BOM) or GeoJSON.
// Household access is needed, as for the households layer; an answer with
// the head's name (personal_fields) is written in the audit log.
func (s *Server) reportSpecialHouseholds(c echo.Context) error {
	src, ok := s.deps.Reports.(coverage.SpecialHouseholdSource)
	if !ok {
		return lianxin.Errorf(lianxin.EUnavailable, "the special households list is not configured on this server")
	}
	p, err := params(c, "town", "team", "group", "from", "to", "format")
	if err != nil {
		return err
	}
	var q coverage.SpecialHouseholdQuery
	if q.Query, err = p.query(); err != nil {
		return err
	}
	if v := p.q.Get("group"); v != "" {
		if q.Group, err = coverage.ParseGroup(v); err != nil {
			return err
		}
	}
	format, err := p.format(coverage.FormatJSON, coverage.FormatCSV, coverage.FormatGeoJSON)
	if err != nil {
		return err
	}
	rows, w, err := s.reports().SpecialHouseholds(c.Request().Context(), src, scopeOf(c), q)
	if err != nil {
		return err
	}
	named := 0
	for _, h := range rows {
		if h.HeadName != nil {
			named++
		}
	}
	s.auditPersonal(c, "special-households", map[string]any{"town": q.Town, "team": q.Team, "group": p.q.Get("group"),
		"from": w.From.Format(coverage.DayLayout), "to": w.To.Format(coverage.DayLayout)},
		[]string{"head_name"}, named, format)
	name := "special-households"
	if q.Town != "" {
		name += "-" + q.Town
	} else if q.Team != "" {
		name += "-" + q.Team
	}
	return writeRows(c, name, format, w, rows,
		func(h coverage.SpecialHousehold) (float64, float64) { return h.Lon, h.Lat })
}
