package api

import (
	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/auth"
)

// callerKey holds the request's *caller on the Echo context.
const callerKey = "lianxin.caller"

// caller is who a request comes from, set once by the authentication
// middleware (auth.go): one pointer on the context instead of a value per
// field, each of which cost an allocation on every request.
type caller struct {
	user     auth.User // zero without a signed-in user
	signedIn bool
	scope    lianxin.Scope
	// session is the session token when signed in by cookie.
	session string
}

func callerOf(c echo.Context) *caller {
	if tc, ok := c.(*tileContext); ok {
		if !tc.hasCaller {
			return nil
		}
		return &tc.cl
	}
	cl, _ := c.Get(callerKey).(*caller)
	return cl
}

// setCaller records the request's caller: in a tile request's own context,
// else on Echo's.
func setCaller(c echo.Context, cl caller) {
	if tc, ok := c.(*tileContext); ok {
		tc.cl, tc.hasCaller = cl, true
		return
	}
	p := new(caller) // not &cl: that would put cl on the heap for tiles too
	*p = cl
	c.Set(callerKey, p)
}

// scopeOf returns the caller's scope, which the authentication middleware
// (auth.go) puts on the context. Every handler passes it to the services it
// calls. A request without one gets the empty scope, which sees no data:
// forgetting to authenticate fails closed.
func scopeOf(c echo.Context) lianxin.Scope {
	if cl := callerOf(c); cl != nil {
		return cl.scope
	}
	return lianxin.Scope{}
}
