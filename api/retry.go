package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"lianxin"
)

// retryLostReads runs a GET or HEAD once more when its database connection
// died under it (pg_terminate_backend, a server restart) and nothing has been
// sent yet. A read handler builds its answer from scratch each time, so the
// second run cannot see half of the first; writes are never run twice.
func (s *Server) retryLostReads() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			m := c.Request().Method
			if err == nil || (m != http.MethodGet && m != http.MethodHead) || c.Response().Committed ||
				!errors.Is(err, lianxin.ErrConnectionLost) || c.Request().Context().Err() != nil {
				return err
			}
			s.log.Warn("retrying a read after a lost database connection", "path", c.Request().URL.Path, "error", err)
			return next(c)
		}
	}
}
