package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/diary"
)

// DiaryWriter writes and lists people's diary entries (diary.Service).
type DiaryWriter interface {
	Write(ctx context.Context, scope lianxin.Scope, r diary.Request, ip string) (diary.Written, error)
	Entries(ctx context.Context, scope lianxin.Scope, limit int) ([]diary.Written, error)
}

// needDiary answers 503 on the diary routes of a server built without a
// diary service (tests of other parts).
func (s *Server) needDiary(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.deps.Diary == nil {
			return lianxin.Errorf(lianxin.EUnavailable, "the diary is not configured on this server")
		}
		may := diary.MayWrite
		if c.Request().Method == http.MethodGet || c.Request().Method == http.MethodHead {
			may = diary.MayRead
		}
		if err := may(scopeOf(c)); err != nil {
			return err
		}
		return h(c)
	}
}

// maxDiaryBody bounds an entry's JSON: notes of 4,000 characters and the
// rest fit well inside.
const maxDiaryBody = 64 << 10

// readDiaryBody reads a diary request's body, at most maxDiaryBody bytes:
// longer is a 413, unreadable a 400, both refusals the web map words.
func readDiaryBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxDiaryBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, diary.Refuse(lianxin.ETooLarge, "body", diary.ReasonBodyTooLarge, map[string]any{"max": maxDiaryBody}, "larger than %d bytes", maxDiaryBody)
		}
		return nil, diary.Refuse(lianxin.EInvalid, "body", diary.ReasonBodyBad, nil, "could not be read")
	}
	return body, nil
}

// writeDiary is POST /api/v1/diary: one entry, JSON. 201 with the entry
// when written, 200 with the entry already written when the same id comes
// again (a retry).
func (s *Server) writeDiary(c echo.Context) error {
	body, err := readDiaryBody(c)
	if err != nil {
		return err
	}
	r, err := decodeDiaryRequest(body)
	if err != nil {
		return err
	}
	w, err := s.deps.Diary.Write(c.Request().Context(), scopeOf(c), r, c.RealIP())
	if err != nil {
		return err
	}
	status := http.StatusOK
	if w.Created {
		status = http.StatusCreated
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, w)
}

// decodeDiaryRequest reads one JSON object with only the entry's fields; a
// mistake is a 400 naming the field.
func decodeDiaryRequest(body []byte) (diary.Request, error) {
	var r diary.Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&r)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case err == nil:
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return r, diary.Refuse(lianxin.EInvalid, typeErr.Field, diary.ReasonFieldType, map[string]any{"want": diaryFieldKind(typeErr.Field)},
			"want %s, not a JSON %s", diaryFieldType(typeErr.Field), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return r, diary.Refuse(lianxin.EInvalid, field, diary.ReasonUnknownField, nil, "unknown field; an entry has id, household, member, kind, participants, notes, "+
			"problems_collected, problems_resolved, petition_resolved, dispute_resolved, occurred_at, lon, lat")
	case errors.As(err, &syntaxErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return r, diary.Refuse(lianxin.EInvalid, "body", diary.ReasonBodyBad, nil, "want one JSON object, e.g. {\"id\":\"app-…\",\"household\":\"…\",\"kind\":\"household_visit\"}")
	default:
		return r, diary.Refuse(lianxin.EInvalid, "body", diary.ReasonBodyBad, nil, "want one JSON object of an entry's fields")
	}
	if dec.More() {
		return r, diary.Refuse(lianxin.EInvalid, "body", diary.ReasonBodyBad, nil, "want one JSON object, not several")
	}
	return r, nil
}

// diaryFieldKind is the kind of value a field wants, for field_type's
// want: number, bool or text.
func diaryFieldKind(field string) string {
	switch field {
	case "participants", "problems_collected", "problems_resolved", "lon", "lat":
		return "number"
	case "petition_resolved", "dispute_resolved":
		return "bool"
	}
	return "text"
}

func diaryFieldType(field string) string {
	switch field {
	case "participants", "problems_collected", "problems_resolved":
		return "a whole number"
	case "petition_resolved", "dispute_resolved":
		return "true or false"
	case "lon", "lat":
		return "a number (WGS84 degrees)"
	}
	return "a string"
}

// listDiary is GET /api/v1/diary?limit=: the latest entries the caller may
// see (a member's own), newest first.
func (s *Server) listDiary(c echo.Context) error {
	for k := range c.QueryParams() {
		if k != "limit" {
			return diary.Refuse(lianxin.EInvalid, k, diary.ReasonUnknownField, nil, "unknown parameter (this list takes limit)")
		}
	}
	limit := 0
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return diary.Refuse(lianxin.EInvalid, "limit", diary.ReasonLimitRange, map[string]any{"value": v}, "%q is not a whole number", v)
		}
		if n == 0 {
			return diary.Refuse(lianxin.EInvalid, "limit", diary.ReasonLimitRange, map[string]any{"value": 0}, "0; want 1 to 500")
		}
		limit = n
	}
	entries, err := s.deps.Diary.Entries(c.Request().Context(), scopeOf(c), limit)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"entries": entries})
}
