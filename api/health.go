package api

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// HealthChecker answers /readyz: nil when the database answers and its
// schema is current.
type HealthChecker interface {
	Ready(ctx context.Context) error
}

// healthz says the process is up; it never touches the database.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether requests can be served: database reachable within 2 s
// and migrations current. 503 with the reason otherwise.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.deps.Health.Ready(ctx); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
