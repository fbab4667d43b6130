package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
)

// MemberAdmin is what an admin changes about a member outside the members
// import; *store.Store.
type MemberAdmin interface {
	SetMemberLeft(ctx context.Context, scope lianxin.Scope, code string, leftOn *time.Time) (coverage.MemberStanding, error)
}

// adminMemberLeft sets a member's last day in the corps
// ({"left_on": "2026-10-31"}) or clears it ({"left_on": null}): PATCH
// /api/v1/admin/members/{code}, admins only (the /api/v1/admin/ prefix).
// The members table's trigger writes the audit line (migration 038).
func (s *Server) adminMemberLeft(c echo.Context) error {
	ma, ok := s.deps.Reports.(MemberAdmin)
	if !ok {
		return lianxin.Errorf(lianxin.EUnavailable, "members are not configured on this server")
	}
	code := c.Param("code")
	if !codePattern.MatchString(code) {
		return lianxin.Refuse(lianxin.EInvalid, "member", coverage.ReportReasonBadCode, map[string]any{"value": code},
			"member: %q is not a code (letters, digits, _ . -)", code)
	}
	var req struct {
		LeftOn json.RawMessage `json:"left_on"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.LeftOn == nil {
		return lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"left_on\": \"YYYY-MM-DD\" | null}")
	}
	var leftOn *time.Time
	if !bytes.Equal(req.LeftOn, []byte("null")) {
		var day string
		if err := json.Unmarshal(req.LeftOn, &day); err != nil {
			return lianxin.Errorf(lianxin.EInvalid, "left_on: want \"YYYY-MM-DD\" or null")
		}
		d, err := coverage.ParseDay("left_on", day)
		if err != nil {
			return err
		}
		leftOn = &d
	}
	m, err := ma.SetMemberLeft(c.Request().Context(), scopeOf(c), code, leftOn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}
