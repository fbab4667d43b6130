package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/diary"
)

// DiaryEditor corrects and withdraws diary entries (diary.Service). The
// diary's service implements it beside DiaryWriter; a server whose
// service does not answers 503 on these routes.
type DiaryEditor interface {
	Correct(ctx context.Context, scope lianxin.Scope, id string, c diary.Correction, ip string) (diary.Corrected, error)
	Delete(ctx context.Context, scope lianxin.Scope, id, reason, ip string) (diary.Written, error)
}

func (s *Server) diaryEditor() (DiaryEditor, error) {
	ed, ok := s.deps.Diary.(DiaryEditor)
	if !ok {
		return nil, lianxin.Errorf(lianxin.EUnavailable, "correcting diary entries is not configured on this server")
	}
	return ed, nil
}

// correctDiary is PATCH /api/v1/diary/{id}: the fields sent replace the
// entry's (member, household — the village follows —, kind, counts,
// notes, occurred_at, lon/lat), with an optional reason for the audit log.
// 200 with the entry as corrected and, under "changed", each field that
// changed with its value before and after (diary.Corrected): a correction
// never creates, so unlike POST's answer it has no "created".
func (s *Server) correctDiary(c echo.Context) error {
	ed, err := s.diaryEditor()
	if err != nil {
		return err
	}
	body, err := readDiaryBody(c)
	if err != nil {
		return err
	}
	var corr diary.Correction
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(&corr)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil && !dec.More():
	case err != nil && errors.As(err, &typeErr) && typeErr.Field != "":
		return diary.Refuse(lianxin.EInvalid, typeErr.Field, diary.ReasonFieldType, map[string]any{"want": diaryFieldKind(typeErr.Field)},
			"want %s, not a JSON %s", diaryFieldType(typeErr.Field), typeErr.Value)
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return diary.Refuse(lianxin.EInvalid, field, diary.ReasonUnknownField, nil, "unknown field; a correction has member, household, kind, participants, notes, "+
			"problems_collected, problems_resolved, petition_resolved, dispute_resolved, occurred_at, lon, lat, reason")
	default:
		return diary.Refuse(lianxin.EInvalid, "body", diary.ReasonBodyBad, nil, "want one JSON object of the fields to correct, e.g. {\"household\":\"…\",\"reason\":\"…\"}")
	}
	w, err := ed.Correct(c.Request().Context(), scopeOf(c), c.Param("id"), corr, c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, w)
}

// deleteDiary is DELETE /api/v1/diary/{id}?reason=: the entry is
// withdrawn (it no longer counts anywhere); the audit log keeps what it
// said. 200 with the entry as it was.
func (s *Server) deleteDiary(c echo.Context) error {
	ed, err := s.diaryEditor()
	if err != nil {
		return err
	}
	for k := range c.QueryParams() {
		if k != "reason" {
			return diary.Refuse(lianxin.EInvalid, k, diary.ReasonUnknownField, nil, "unknown parameter (a withdrawal takes reason)")
		}
	}
	w, err := ed.Delete(c.Request().Context(), scopeOf(c), c.Param("id"), c.QueryParam("reason"), c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"deleted": w})
}
