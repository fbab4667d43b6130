package api

import (
	"github.com/labstack/echo/v4"

	"lianxin"
)

const scopeKey = "lianxin.scope"

// scopeOf returns the caller's scope, which the authentication middleware
// (auth.go) puts on the context. Every handler passes it to the services it
// calls. A request without one gets the empty scope, which sees no data:
// forgetting to authenticate fails closed.
func scopeOf(c echo.Context) lianxin.Scope {
	if s, ok := c.Get(scopeKey).(lianxin.Scope); ok {
		return s
	}
	return lianxin.Scope{}
}
