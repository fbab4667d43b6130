package api

import (
	"github.com/labstack/echo/v4"

	"lianxin"
)

const scopeKey = "lianxin.scope"

// scopeOf returns the caller's scope, which the authentication middleware
// puts on the context. Every handler passes it to the services it calls.
//
// Until sign-in is wired, a request without a scope gets the system scope:
// the switch to "no scope, no data" happens in one place, here.
func scopeOf(c echo.Context) lianxin.Scope {
	if s, ok := c.Get(scopeKey).(lianxin.Scope); ok {
		return s
	}
	return lianxin.SystemScope()
}
