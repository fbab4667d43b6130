package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"lianxin"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	lianxin.EInvalid:      http.StatusBadRequest,
	lianxin.ENotFound:     http.StatusNotFound,
	lianxin.EForbidden:    http.StatusForbidden,
	lianxin.EUnauthorized: http.StatusUnauthorized,
	lianxin.EConflict:     http.StatusConflict,
	lianxin.ETooLarge:     http.StatusRequestEntityTooLarge,
	lianxin.ERateLimited:  http.StatusTooManyRequests,
	lianxin.EUnavailable:  http.StatusServiceUnavailable,
	lianxin.EInternal:     http.StatusInternalServerError,
}

// codeOfStatus maps Echo's own errors (unknown route, body too large) back
// to our codes so that every error has the same shape.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            lianxin.EInvalid,
	http.StatusNotFound:              lianxin.ENotFound,
	http.StatusMethodNotAllowed:      lianxin.EInvalid,
	http.StatusForbidden:             lianxin.EForbidden,
	http.StatusUnauthorized:          lianxin.EUnauthorized,
	http.StatusRequestEntityTooLarge: lianxin.ETooLarge,
	http.StatusTooManyRequests:       lianxin.ERateLimited,
	http.StatusServiceUnavailable:    lianxin.EUnavailable,
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// handleError is Echo's HTTPErrorHandler: it finds our *lianxin.Error with
// errors.As (Echo's default handler uses a type assertion, which turns a
// wrapped error into a 500), logs internal detail and sends only the code and
// the safe message.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	payload := errorPayload{Code: lianxin.EInternal, Message: "internal error"}
	var le *lianxin.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &le):
		payload = errorPayload{Code: le.Code, Message: le.Message, Details: le.Details}
	case errors.As(err, &he):
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = lianxin.EInternal
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && he.Code < 500 {
			msg = m
		}
		payload = errorPayload{Code: code, Message: msg}
		if he.Code == http.StatusServiceUnavailable && errors.Is(he.Internal, context.DeadlineExceeded) {
			payload.Message = "the request took too long"
		}
	case errors.Is(err, context.DeadlineExceeded):
		payload = errorPayload{Code: lianxin.EUnavailable, Message: "the request took too long"}
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		return
	}
	status, ok := statusOf[payload.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		s.log.Error("request failed", "path", c.Request().URL.Path, "error", err,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if h := c.Response().Header(); len(h["Content-Security-Policy"]) == 0 {
		// The tile route sets no policy on its tiles (secureHeaders); its
		// errors are JSON documents a browser may show: the data policy.
		h["Content-Security-Policy"] = dataCSPValue
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, errorBody{Error: payload})
}
