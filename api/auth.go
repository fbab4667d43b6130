package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"lianxin"
	"lianxin/auth"
	"lianxin/export"
	"lianxin/tiles"
)

// Authenticator is what the HTTP layer needs from the accounts service
// (auth.Service implements it).
type Authenticator interface {
	Login(ctx context.Context, username, password string, c auth.Client) (string, auth.User, time.Time, error)
	Logout(ctx context.Context, token string, c auth.Client, actor string) error
	Session(ctx context.Context, token string) (auth.User, time.Time, error)
	BearerUser(ctx context.Context, token string, memo *auth.ConnMemo) (auth.User, error)
	User(ctx context.Context, username string) (auth.User, error)
	Users(ctx context.Context) ([]auth.User, error)
	AddUser(ctx context.Context, nu auth.NewUser, actor string) (auth.User, error)
	SetDisabled(ctx context.Context, username string, disabled bool, actor string) (auth.User, error)
	ResetPassword(ctx context.Context, username, actor string) (string, error)
	Grant(ctx context.Context, username string, g auth.RoleGrant, actor string) (auth.RoleGrant, error)
	Revoke(ctx context.Context, username string, g auth.RoleGrant, actor string) (int64, error)
	Record(ctx context.Context, e auth.Event) error
	Audit(ctx context.Context, f auth.AuditFilter) ([]auth.Event, error)
	AuditCount(ctx context.Context, f auth.AuditFilter) (int64, error)
	NewToken(ctx context.Context, username, name string, ttl time.Duration, actor string) (string, auth.Token, error)
	Tokens(ctx context.Context, username string) ([]auth.Token, error)
	RevokeToken(ctx context.Context, username string, id int64, actor string) error
}

// Names the web map and scripts rely on (see SECURITY.md).
const (
	SessionCookie = "lianxin_session"
	CSRFHeader    = "X-CSRF-Token"
)

// publicRoutes answer without credentials. Every other route — the API, the
// tiles, OGC API — needs a session or a token and answers 401 without one.
var publicRoutes = map[string]bool{
	"/healthz":           true,
	"/readyz":            true,
	"/metrics":           true,
	"/api/openapi.json":  true,
	"/api/v1/config":     true,
	"/api/v1/auth/login": true,
	// The session probe answers 200 either way: who, or nobody.
	"/api/v1/auth/session": true,
	"/*":                   true, // the web app's files, and the 404 of unknown paths
}

// useSecurity installs what every response carries (secure headers, CORS
// when configured) and the authentication of every request.
func (s *Server) useSecurity() {
	e := s.echo
	// The client address is the socket's: X-Forwarded-For is only believed
	// when a trusted proxy is configured, so nobody dodges the sign-in limit
	// by inventing addresses.
	if len(s.cfg.TrustedProxies) > 0 {
		var opts []echo.TrustOption
		for _, p := range s.cfg.TrustedProxies {
			if _, cidr, err := net.ParseCIDR(p); err == nil {
				opts = append(opts, echo.TrustIPRange(cidr))
			} else {
				s.log.Warn("ignoring trusted proxy: not a CIDR", "proxy", p)
			}
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.use(s.secureHeaders())
	if len(s.cfg.CORSOrigins) > 0 {
		s.use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  s.cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, CSRFHeader, "If-None-Match"},
			ExposeHeaders: []string{"ETag", echo.HeaderContentDisposition, HeaderCutValues},
			MaxAge:        600,
		}))
	}
	s.use(s.authenticate)
}

// contentSecurityPolicy lets the MapLibre web map work (its workers start
// from blob: URLs, it draws into canvases from data: and blob: images; the
// service worker /sw.js is worker-src 'self') and
// nothing else: no inline script, no plugins, no framing, and network access
// only to this server and the configured basemap.
func contentSecurityPolicy(basemapURL string) string {
	extra := ""
	if u, err := url.Parse(basemapURL); err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https") {
		extra = " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data: blob:" + extra,
		"font-src 'self' data:",
		"connect-src 'self'" + extra,
		"worker-src 'self' blob:",
		"child-src 'self' blob:",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

func (s *Server) secureHeaders() echo.MiddlewareFunc {
	// The values are shared, read-only, by every response (net/http only
	// reads them; an Add to one of these keys appends to a full slice,
	// which copies it), and the keys are written canonical: the headers
	// cost a request no allocation.
	csp := []string{contentSecurityPolicy(s.cfg.BasemapURL)}
	nosniff, deny, sameOrigin := []string{"nosniff"}, []string{"DENY"}, []string{"same-origin"}
	hsts := []string{"max-age=31536000"}
	// A tile is data, never a document: no browser renders it, frames it or
	// follows a link from it, so the document policies (the page's CSP,
	// frame, referrer and opener rules) say nothing there, and nosniff keeps
	// a browser from reading one as anything but its declared type. Nor does
	// the data policy (dataCSPValue) on a tile's own bytes, which no browser
	// renders whatever the policy: a tile goes out with nosniff alone, and
	// an error from the tile route, a JSON document, gets the data policy
	// from handleError. The hottest response carries eight headers, which a
	// Go map holds without growing into a table of groups (see SECURITY.md).
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			if c.Path() != tileRoute {
				h["Content-Security-Policy"] = csp
				h["X-Frame-Options"] = deny
				h["Referrer-Policy"] = sameOrigin
				h["Cross-Origin-Opener-Policy"] = sameOrigin
			}
			h["X-Content-Type-Options"] = nosniff
			if c.IsTLS() {
				h["Strict-Transport-Security"] = hsts
			}
			if err := unstorable(c.Request()); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// unstorable refuses (400) a path or query that holds a NUL byte or invalid
// UTF-8: no parameter of ours can contain either, and PostgreSQL would
// refuse them deep inside a query with an error that is not the caller's to
// read. secureHeaders runs it, one middleware fewer for Echo to wrap around
// every request.
func unstorable(r *http.Request) error {
	for _, v := range [2]string{r.URL.Path, r.URL.RawQuery} {
		if plainASCII(v) { // most URLs: nothing escaped, nothing to decode
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil && (strings.ContainsRune(u, 0) || !utf8.ValidString(u)) {
			return lianxin.Errorf(lianxin.EInvalid, "the URL holds a NUL byte or invalid UTF-8")
		}
	}
	return nil
}

// plainASCII reports whether s is ASCII without NUL, '%' or '+': what
// unescaping leaves as it is, and holds neither a NUL nor invalid UTF-8.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b == 0 || b == '%' || b == '+' || b >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// authenticate finds the caller — a bearer token, else the session cookie —
// and puts their scope where scopeOf finds it. A cookie-authenticated unsafe
// request must carry the session's CSRF token. Protected routes answer 401
// without a caller, admin routes 403 without the admin role, and household
// layers 403 without the household grant.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		public := publicRoutes[c.Path()]
		if s.deps.Auth != nil {
			u, found, token, err := s.identify(c)
			if err != nil && !public {
				if lianxin.ErrorCode(err) == lianxin.EUnauthorized {
					challenge(c)
				}
				return err
			}
			if err == nil && found {
				setCaller(c, caller{user: u, signedIn: true, scope: u.Scope(), session: token})
			}
		}
		if callerOf(c) == nil && s.deps.DefaultScope != nil {
			setCaller(c, caller{scope: *s.deps.DefaultScope})
		}
		if public {
			return next(c)
		}
		cl := callerOf(c)
		if cl == nil || len(cl.scope.Roles) == 0 {
			challenge(c) // Bearer, and Basic for reading (challenge.go)
			return lianxin.Errorf(lianxin.EUnauthorized, "sign in first: no valid session or API token")
		}
		if strings.HasPrefix(c.Path(), "/api/v1/admin/") && !cl.scope.Has(lianxin.RoleAdmin) && !cl.scope.Has(lianxin.RoleSystem) {
			return lianxin.Errorf(lianxin.EForbidden, "only an admin may do this")
		}
		if layer, ok := householdLayerAsked(c); ok && safeMethod(c.Request().Method) {
			if err := cl.scope.MayReadLayer(layer); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// connMemoKey is the context key of a client connection's auth.ConnMemo.
type connMemoKey struct{}

// ConnContext gives each client connection a memo of the API token it last
// presented (auth.ConnMemo), so the rest of a map's tiles on a keep-alive
// connection skip the token's hash and lookup. ListenAndServe sets it on
// its http.Server; a test's server can too. Without it every request looks
// its token up.
func (s *Server) ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connMemoKey{}, new(auth.ConnMemo))
}

func connMemoOf(ctx context.Context) *auth.ConnMemo {
	m, _ := ctx.Value(connMemoKey{}).(*auth.ConnMemo)
	return m
}

// identify authenticates the request, if it carries credentials. It returns
// found false for a request without any; a bad bearer token or a missing
// CSRF token is an error, an unknown or expired cookie is treated as absent.
// The user comes back by value: a warm tile allocates none.
func (s *Server) identify(c echo.Context) (u auth.User, found bool, token string, err error) {
	ctx := c.Request().Context()
	if h := headerValue(c.Request().Header, echo.HeaderAuthorization); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			if u, err = s.deps.Auth.BearerUser(ctx, strings.TrimSpace(token), connMemoOf(ctx)); err != nil {
				return u, false, "", err
			}
			return u, true, "", nil
		case strings.EqualFold(scheme, "Basic"):
			return s.basicUser(c)
		}
		return u, false, "", lianxin.Errorf(lianxin.EUnauthorized, "Authorization: want Bearer <token>")
	}
	ck, err := c.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return u, false, "", nil
	}
	if u, _, err = s.deps.Auth.Session(ctx, ck.Value); err != nil {
		if lianxin.ErrorCode(err) == lianxin.EUnauthorized {
			return auth.User{}, false, "", nil
		}
		return auth.User{}, false, "", err
	}
	if !safeMethod(c.Request().Method) && !auth.CheckCSRF(ck.Value, c.Request().Header.Get(CSRFHeader)) {
		return auth.User{}, false, "", lianxin.Errorf(lianxin.EForbidden, "missing or wrong %s header (take it from the sign-in or /api/v1/auth/me answer)", CSRFHeader)
	}
	return u, true, ck.Value, nil
}

// basicUser reads HTTP Basic credentials whose password is one of the
// user's API tokens: what every desktop GIS can send (QGIS's Basic
// authentication, GDAL's GDAL_HTTP_USERPWD) where a bearer header needs
// setting up. For reading only: a browser that has been given Basic
// credentials sends them with every request to the site, a cross-site form
// included, so an unsafe method needs the bearer header or the session's
// CSRF token. The server never asks for Basic (no challenge), so the web
// app's browser shows no password dialog.
func (s *Server) basicUser(c echo.Context) (u auth.User, found bool, token string, err error) {
	name, secret, ok := c.Request().BasicAuth()
	if !ok {
		return u, false, "", lianxin.Errorf(lianxin.EUnauthorized, "Authorization: Basic credentials are not base64 of user:token")
	}
	if !safeMethod(c.Request().Method) {
		return u, false, "", lianxin.Errorf(lianxin.EUnauthorized, "Authorization: Basic credentials only read; send Authorization: Bearer <token> to change anything")
	}
	if u, err = s.deps.Auth.BearerUser(c.Request().Context(), secret, connMemoOf(c.Request().Context())); err != nil {
		return auth.User{}, false, "", err
	}
	if u.Username != name {
		// The token is valid but another user's: the same answer as a
		// wrong token, so a name cannot be tried against a token.
		return auth.User{}, false, "", lianxin.Errorf(lianxin.EUnauthorized, "sign in first: no valid session or API token")
	}
	return u, true, "", nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// householdLayerAsked reports whether any path parameter names a layer
// that needs household points (lianxin.HouseholdLayer: a tile's
// "households,villages", an export's layer, an OGC collection), or the path
// has such a segment. It is the route-level guard; the tile and export
// services apply the same rule again to what they serve.
func householdLayerAsked(c echo.Context) (string, bool) {
	for _, v := range c.ParamValues() {
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSuffix(part, ".json")
			if lianxin.HouseholdLayer(part) {
				return part, true
			}
		}
	}
	if c.Path() == tileRoute { // no segment of the pattern names a layer
		return "", false
	}
	for seg := range strings.SplitSeq(c.Path(), "/") {
		if lianxin.HouseholdLayer(seg) {
			return seg, true
		}
	}
	return "", false
}

// meBody answers sign-in and /me.
type meBody struct {
	User            string           `json:"user"`
	Roles           []lianxin.Role   `json:"roles"`
	Grants          []auth.RoleGrant `json:"grants"`
	Towns           []string         `json:"towns"`
	AllTowns        bool             `json:"all_towns"`
	HouseholdPoints bool             `json:"household_points"`
	PersonalFields  bool             `json:"personal_fields"`
	CSRFToken       string           `json:"csrf_token,omitempty"`
	ExpiresAt       *time.Time       `json:"expires_at,omitempty"`
	// Layers names the layers this caller may read, by Scope.MayReadLayer
	// over every layer the server serves: the web map greys out the others
	// from this list rather than keep a copy of the rule.
	Layers []string `json:"layers"`
	// MayMakeToken says whether the caller may make their own API token
	// (auth.User.MayMakeOwnToken): the GIS tab shows its token form only then.
	MayMakeToken bool `json:"may_make_token"`
}

func newMeBody(u auth.User, sessionToken string, expires time.Time) meBody {
	sc := u.Scope()
	b := meBody{User: u.Username, Roles: sc.Roles, Grants: u.Roles, Towns: []string{}, AllTowns: sc.AllTowns,
		HouseholdPoints: sc.HouseholdPoints, PersonalFields: sc.PersonalFields, Layers: readableLayers(sc),
		MayMakeToken: u.MayMakeOwnToken() == nil}
	if b.Roles == nil {
		b.Roles = []lianxin.Role{}
	}
	for _, id := range sc.Towns {
		for _, g := range u.Roles {
			if g.TownID == id && g.TownCode != "" && !slices.Contains(b.Towns, g.TownCode) {
				b.Towns = append(b.Towns, g.TownCode)
			}
		}
	}
	if sessionToken != "" {
		b.CSRFToken = auth.CSRFToken(sessionToken)
		b.ExpiresAt = &expires
	}
	return b
}

// readableLayers names, sorted, the layers sc may read among every layer the
// server serves as tiles or as exports (the two share names: see
// lianxin.LayerRuleOf). A layer the rule does not know is left out, as
// every path that serves it refuses it.
func readableLayers(sc lianxin.Scope) []string {
	var names []string
	for _, l := range tiles.Layers() {
		names = append(names, l.Name)
	}
	for _, l := range export.Layers() {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return slices.DeleteFunc(names, func(name string) bool { return sc.MayReadLayer(name) != nil })
}

func clientOf(c echo.Context) auth.Client {
	return auth.Client{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 8<<10))
	if err := dec.Decode(&req); err != nil {
		return lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"username\": ..., \"password\": ...}")
	}
	// The limit counts characters: a Chinese user name of 64 is 192 bytes.
	if req.Username == "" || utf8.RuneCountInString(req.Username) > auth.MaxUsernameChars || req.Password == "" || len(req.Password) > 1024 {
		return lianxin.Errorf(lianxin.EInvalid, "username (1-64 characters) and password (1-1024 bytes) are required")
	}
	token, u, expires, err := s.deps.Auth.Login(c.Request().Context(), req.Username, req.Password, clientOf(c))
	if err != nil {
		if lianxin.ErrorCode(err) == lianxin.ERateLimited {
			c.Response().Header().Set("Retry-After", strconv.Itoa(15*60))
		}
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies || c.IsTLS(),
	})
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, newMeBody(u, token, expires))
}

func (s *Server) logout(c echo.Context) error {
	var token string
	if cl := callerOf(c); cl != nil {
		token = cl.session
	}
	if token != "" {
		if err := s.deps.Auth.Logout(c.Request().Context(), token, clientOf(c), scopeOf(c).User); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies || c.IsTLS(), MaxAge: -1,
	})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	cl := callerOf(c)
	if cl == nil || !cl.signedIn {
		return lianxin.Errorf(lianxin.EUnauthorized, "sign in first: no valid session or API token")
	}
	b, err := s.meOf(c, cl)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, b)
}

// meOf is the /me answer of a signed-in caller.
func (s *Server) meOf(c echo.Context, cl *caller) (meBody, error) {
	full, err := s.deps.Auth.User(c.Request().Context(), cl.user.Username) // with town and member codes
	if err != nil {
		return meBody{}, err
	}
	token := cl.session
	var expires time.Time
	if token != "" {
		if _, expires, err = s.deps.Auth.Session(c.Request().Context(), token); err != nil {
			return meBody{}, err
		}
	}
	return newMeBody(full, token, expires), nil
}

// sessionBody answers the session probe: signed_in, and when true the
// fields of /me.
type sessionBody struct {
	SignedIn bool `json:"signed_in"`
	*meBody
}

// session is GET /api/v1/auth/session, the web map's first question. It
// answers 200 whether or not anyone is signed in ({"signed_in": false}
// before sign-in), because a browser logs every 4xx in its console and a
// fresh page is not an error; /me keeps its 401 for API clients, which
// should hear that their token is missing or wrong.
func (s *Server) session(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	cl := callerOf(c)
	if cl == nil || !cl.signedIn {
		return c.JSON(http.StatusOK, sessionBody{})
	}
	b, err := s.meOf(c, cl)
	if lianxin.ErrorCode(err) == lianxin.ENotFound || lianxin.ErrorCode(err) == lianxin.EUnauthorized {
		// Ended or removed since the request was authenticated.
		return c.JSON(http.StatusOK, sessionBody{})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionBody{SignedIn: true, meBody: &b})
}

func (s *Server) adminUsers(c echo.Context) error {
	users, err := s.deps.Auth.Users(c.Request().Context())
	if err != nil {
		return err
	}
	if users == nil {
		users = []auth.User{}
	}
	return c.JSON(http.StatusOK, map[string]any{"users": users})
}

func (s *Server) adminAddUser(c echo.Context) error {
	var nu auth.NewUser
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&nu); err != nil {
		return lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"username\", \"password\", \"roles\": [{\"role\", \"town\"?, \"member\"?}]}")
	}
	u, err := s.deps.Auth.AddUser(c.Request().Context(), nu, scopeOf(c).User)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

// adminSetDisabled disables ({"disabled": true}: sessions end, API tokens
// are revoked) or enables an account. Admins may not disable themselves.
func (s *Server) adminSetDisabled(c echo.Context) error {
	var req struct {
		Disabled *bool `json:"disabled"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Disabled == nil {
		return lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"disabled\": true|false}")
	}
	name, actor := c.Param("name"), scopeOf(c).User
	if *req.Disabled && strings.EqualFold(name, actor) {
		return auth.Refuse(lianxin.EConflict, "disabled", auth.ReasonSelfDisable, nil, "you may not disable your own account: ask another admin")
	}
	u, err := s.deps.Auth.SetDisabled(c.Request().Context(), name, *req.Disabled, actor)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// adminResetPassword gives an account a new random password, answered
// once, and ends its sessions.
func (s *Server) adminResetPassword(c echo.Context) error {
	name := c.Param("name")
	pw, err := s.deps.Auth.ResetPassword(c.Request().Context(), name, scopeOf(c).User)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]string{"username": name, "password": pw})
}

// grantOf reads {"role", "town"?, "member"?} from the body, or for DELETE
// from the query when it names a role.
func grantOf(c echo.Context) (auth.RoleGrant, error) {
	var req struct {
		Role   string `json:"role"`
		Town   string `json:"town"`
		Member string `json:"member"`
	}
	if q := c.QueryParams(); c.Request().Method == http.MethodDelete && q.Get("role") != "" {
		req.Role, req.Town, req.Member = q.Get("role"), q.Get("town"), q.Get("member")
	} else {
		dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 8<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Role == "" {
			return auth.RoleGrant{}, lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"role\", \"town\"?, \"member\"?}")
		}
	}
	if len(req.Role) > 64 || len(req.Town) > 64 || len(req.Member) > 64 {
		return auth.RoleGrant{}, lianxin.Errorf(lianxin.EInvalid, "role, town or member: at most 64 characters")
	}
	return auth.RoleGrant{Role: lianxin.Role(req.Role), Town: req.Town, Member: req.Member}, nil
}

// adminGrant gives an account a role and answers the account.
func (s *Server) adminGrant(c echo.Context) error {
	g, err := grantOf(c)
	if err != nil {
		return err
	}
	ctx, name := c.Request().Context(), c.Param("name")
	if _, err := s.deps.Auth.Grant(ctx, name, g, scopeOf(c).User); err != nil {
		return err
	}
	u, err := s.deps.Auth.User(ctx, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// adminRevoke takes a role from an account and answers the account. An
// admin may not take their own admin role.
func (s *Server) adminRevoke(c echo.Context) error {
	g, err := grantOf(c)
	if err != nil {
		return err
	}
	ctx, name, actor := c.Request().Context(), c.Param("name"), scopeOf(c).User
	if g.Role == lianxin.RoleAdmin && strings.EqualFold(name, actor) {
		return auth.Refuse(lianxin.EConflict, "role", auth.ReasonSelfRevoke, nil, "you may not revoke your own admin role: ask another admin")
	}
	if _, err := s.deps.Auth.Revoke(ctx, name, g, actor); err != nil {
		return err
	}
	u, err := s.deps.Auth.User(ctx, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) adminAudit(c echo.Context) error {
	q := c.QueryParam
	f := auth.AuditFilter{Action: q("action"), Actor: q("actor"), Target: q("target"), Subject: q("subject")}
	var err error
	if v := q("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil {
			return lianxin.Errorf(lianxin.EInvalid, "limit: a whole number from 1 to 1000")
		}
	}
	if v := q("before_id"); v != "" {
		if f.BeforeID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return lianxin.Errorf(lianxin.EInvalid, "before_id: a whole number (an event id)")
		}
	}
	for _, b := range []struct {
		field string
		to    *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q(b.field); v != "" {
			if *b.to, err = auditBound(v); err != nil {
				return lianxin.Errorf(lianxin.EInvalid, "%s: %q is not a date or time; want e.g. 2026-09-01 (UTC+8) or 2026-09-01T08:00:00+08:00", b.field, v)
			}
		}
	}
	ctx := c.Request().Context()
	events, err := s.deps.Auth.Audit(ctx, f)
	if err != nil {
		return err
	}
	total, err := s.deps.Auth.AuditCount(ctx, f)
	if err != nil {
		return err
	}
	out := map[string]any{"events": events, "total": total}
	// The next page: the events before the last one listed, when the
	// page came full (the last page may then be empty).
	if n := len(events); n > 0 && (n == f.Limit || f.Limit == 0 && n == auth.DefaultAuditLimit) {
		out["next_before_id"] = events[n-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// auditBound reads the audit list's from or to: a date (midnight UTC+8,
// the campaign's day) or an RFC 3339 time.
func auditBound(v string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, export.CampaignZone); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

// Audit records an event in the audit log on behalf of the caller (who and
// from where are filled in). Handlers that import, export or show personal
// fields call it; a failure to record is logged, not returned, because the
// action has already happened. Use auth.ActionImport, ActionExport and
// ActionViewPersonal; never put a personal field in Detail.
func (s *Server) Audit(c echo.Context, e auth.Event) {
	if s.deps.Auth == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = scopeOf(c).User
	}
	e.IP = c.RealIP()
	if err := s.deps.Auth.Record(c.Request().Context(), e); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("audit log write failed", "action", e.Action, "error", err)
	}
}

// authRoutes registers sign-in and administration (when Deps.Auth is set).
func (s *Server) authRoutes() {
	if s.deps.Auth == nil {
		return
	}
	e := s.echo
	e.POST("/api/v1/auth/login", s.login)
	e.POST("/api/v1/auth/logout", s.logout)
	e.GET("/api/v1/auth/me", s.me)
	e.GET("/api/v1/auth/session", s.session)
	e.GET("/api/v1/admin/users", s.adminUsers)
	e.POST("/api/v1/admin/users", s.adminAddUser)
	e.GET("/api/v1/admin/audit", s.adminAudit)
	e.PATCH("/api/v1/admin/users/:name", s.adminSetDisabled)
	e.PATCH("/api/v1/admin/members/:code", s.adminMemberLeft)
	e.POST("/api/v1/admin/users/:name/password", s.adminResetPassword)
	e.POST("/api/v1/admin/users/:name/roles", s.adminGrant)
	e.DELETE("/api/v1/admin/users/:name/roles", s.adminRevoke)
	e.GET("/api/v1/admin/users/:name/tokens", s.adminTokens)
	e.POST("/api/v1/admin/users/:name/tokens", s.adminNewToken)
	e.DELETE("/api/v1/admin/users/:name/tokens/:id", s.adminRevokeToken)
	e.GET("/api/v1/auth/tokens", s.ownTokens)
	e.POST("/api/v1/auth/tokens", s.ownNewToken)
	e.DELETE("/api/v1/auth/tokens/:id", s.ownRevokeToken)
}
