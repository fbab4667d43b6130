package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/diary"
)

// DiaryWriter writes and lists people's diary entries (diary.Service).
type DiaryWriter interface {
	Write(ctx context.Context, scope lianxin.Scope, r diary.Request, ip string) (diary.Written, error)
	Search(ctx context.Context, scope lianxin.Scope, f diary.Filter) (diary.Page, error)
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

// diaryListParams are the parameters GET /api/v1/diary takes.
var diaryListParams = []string{"id", "member", "household", "village", "town", "q", "from", "to", "offset", "limit"}

// listDiary is GET /api/v1/diary: a page of the entries the caller may see
// (a member's own, a team leader's towns'), newest first, narrowed by id,
// member, household, village, town, words of the note and a time window
// (from inclusive, to exclusive: dates in the campaign's time or RFC 3339
// times), with the total that match. Times are answered at +08:00.
func (s *Server) listDiary(c echo.Context) error {
	for k, v := range c.QueryParams() {
		if !slices.Contains(diaryListParams, k) {
			return diary.Refuse(lianxin.EInvalid, k, diary.ReasonUnknownField, nil, "unknown parameter (this list takes %s)", strings.Join(diaryListParams, ", "))
		}
		if len(v) > 1 {
			return diary.Refuse(lianxin.EInvalid, k, diary.ReasonFilterBad, map[string]any{"value": strings.Join(v, ","), "max": 100}, "given %d times; give it once", len(v))
		}
	}
	q := c.QueryParam
	f := diary.Filter{ID: q("id"), Member: q("member"), Household: q("household"), Village: q("village"), Town: q("town"), Q: q("q")}
	for _, n := range []struct {
		field string
		to    *int
	}{{"limit", &f.Limit}, {"offset", &f.Offset}} {
		v := q(n.field)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			reason := diary.ReasonLimitRange
			if n.field == "offset" {
				reason = diary.ReasonOffsetRange
			}
			return diary.Refuse(lianxin.EInvalid, n.field, reason, map[string]any{"value": v, "max": diary.MaxOffset}, "%q is not a whole number", v)
		}
		if n.field == "limit" && i == 0 {
			return diary.Refuse(lianxin.EInvalid, "limit", diary.ReasonLimitRange, map[string]any{"value": 0}, "0; want 1 to %d", diary.MaxLimit)
		}
		*n.to = i
	}
	for _, b := range []struct {
		field string
		to    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q(b.field); v != "" {
			t, err := diary.ParseBound(b.field, v)
			if err != nil {
				return err
			}
			*b.to = t
		}
	}
	page, err := s.deps.Diary.Search(c.Request().Context(), scopeOf(c), f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, page)
}
