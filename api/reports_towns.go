package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"lianxin/coverage"
)

// GET /api/v1/reports/towns: the morning check, one row per town with its
// team (coverage.Reports.Towns), as JSON or a table CSV.
func (s *Server) reportTowns(c echo.Context) error {
	return tableReport(c, s, "towns", []string{"town", "team", "from", "to", "format"}, (*coverage.Reports).Towns)
}

// writeSummaryCSV sends the summary report as summary.csv (SummaryCSV), in
// the language and for the reader lang and excel ask.
func writeSummaryCSV(c echo.Context, sum coverage.SummaryReport) error {
	o, err := parseReportCSVOptions(c)
	if err != nil {
		return err
	}
	out, err := SummaryCSV(sum, o.zh, o.excel)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="summary.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", out)
}
