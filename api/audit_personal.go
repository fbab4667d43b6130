package api

import (
	"github.com/labstack/echo/v4"

	"lianxin/auth"
)

// auditPersonal records one view_personal event (auth.ActionViewPersonal)
// for an answer that carries personal fields (household_personal: the
// head's name, phone, ID number): who, which report, the filters asked,
// the fields, the format and how many rows carried them. Every handler
// whose answer can hold a personal field calls it once per answer, and
// only when at least one row holds one (rows > 0): an answer without
// personal fields writes nothing. The detail names filters and fields,
// never their values.
//
// Today the special-households report is the only answer that reads
// household_personal: the layer exports, OGC collections, tiles and
// offline packages name no personal column (export and tiles doc), and the
// diary list and the village panel carry none. The kept rejects files of
// imports are audited apart (import_rejects, in the same transaction as
// the read), as they hold whatever the upload held.
func (s *Server) auditPersonal(c echo.Context, report string, filters map[string]any, fields []string, rows int, format string) {
	if rows <= 0 {
		return
	}
	n := int64(rows)
	clean := map[string]any{}
	for k, v := range filters {
		if v != "" && v != nil {
			clean[k] = v
		}
	}
	s.Audit(c, auth.Event{Action: auth.ActionViewPersonal, Target: report, Rows: &n,
		Detail: map[string]any{"report": report, "filters": clean, "fields": fields, "format": format}})
}
