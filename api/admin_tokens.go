package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/auth"
	"lianxin/coverage"
)

// API tokens from the web map: an admin lists, creates and revokes any
// account's (/api/v1/admin/users/{name}/tokens, admins only, as every admin
// route), and a signed-in user their own (/api/v1/auth/tokens), typically a
// GIS user's token for QGIS. A token carries exactly its account's roles, so
// taking one for oneself grants nothing new; only the roles of desktop GIS
// and scripts take one for themselves (auth.OwnTokenRoles); it is minted only from a web
// session (not from another token, which would let a stolen token renew
// itself for ever), and every creation and revocation is in the audit log.

// tokenRequest is the body of a token creation.
type tokenRequest struct {
	Name string `json:"name"`
	// ExpiresDays from 1 to 366; absent: the server's default (90 days).
	// 0 is refused, not read as the default (GIS review, nit 8).
	ExpiresDays *int `json:"expires_days"`
}

// newTokenBody answers a creation: the token, shown this once.
type newTokenBody struct {
	auth.Token
	Secret string `json:"token"`
}

func tokensBody(ts []auth.Token) map[string]any {
	if ts == nil {
		ts = []auth.Token{}
	}
	return map[string]any{"tokens": ts}
}

func (s *Server) listTokensOf(c echo.Context, name string) error {
	if _, err := s.deps.Auth.User(c.Request().Context(), name); err != nil {
		return err
	}
	ts, err := s.deps.Auth.Tokens(c.Request().Context(), name)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, tokensBody(ts))
}

func (s *Server) newTokenFor(c echo.Context, name string) error {
	var req tokenRequest
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return lianxin.Errorf(lianxin.EInvalid, "body: want JSON {\"name\"?, \"expires_days\"?}")
	}
	days := 0 // the server's default
	if req.ExpiresDays != nil {
		days = *req.ExpiresDays
		if days < 1 || days > 366 {
			return auth.Refuse(lianxin.EInvalid, "expires_days", auth.ReasonTokenExpiry,
				map[string]any{"days": days, "max": 366}, "expires_days: from 1 to 366, got %d", days)
		}
	}
	if _, err := s.deps.Auth.User(c.Request().Context(), name); err != nil {
		return err // an unknown account before its token's name
	}
	// A token without a name listed as a blank row: it is named for its
	// day instead (scripts that send {} keep working); a name past 100
	// characters (the web form's limit) is refused.
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" {
		req.Name = "token " + time.Now().In(coverage.Zone).Format(time.DateOnly)
	}
	if utf8.RuneCountInString(req.Name) > 100 {
		return auth.Refuse(lianxin.EInvalid, "name", auth.ReasonTokenName, map[string]any{"max": 100},
			"name: at most 100 characters, got %d", utf8.RuneCountInString(req.Name))
	}
	secret, t, err := s.deps.Auth.NewToken(c.Request().Context(), name, req.Name,
		time.Duration(days)*24*time.Hour, scopeOf(c).User)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, newTokenBody{Token: t, Secret: secret})
}

func (s *Server) revokeTokenOf(c echo.Context, name string) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return lianxin.Errorf(lianxin.EInvalid, "id: a token id (a whole number), got %q", c.Param("id"))
	}
	if err := s.deps.Auth.RevokeToken(c.Request().Context(), name, id, scopeOf(c).User); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// GET /api/v1/admin/users/{name}/tokens: the account's tokens, never the secrets.
func (s *Server) adminTokens(c echo.Context) error { return s.listTokensOf(c, c.Param("name")) }

// POST /api/v1/admin/users/{name}/tokens: a new token for the account.
func (s *Server) adminNewToken(c echo.Context) error { return s.newTokenFor(c, c.Param("name")) }

// DELETE /api/v1/admin/users/{name}/tokens/{id}
func (s *Server) adminRevokeToken(c echo.Context) error { return s.revokeTokenOf(c, c.Param("name")) }

// ownUser is the signed-in caller's username; the self-service token
// routes answer 403 to a caller authenticated by a token, who must sign in.
func ownUser(c echo.Context) (string, error) {
	cl := callerOf(c)
	if cl == nil || !cl.signedIn {
		return "", lianxin.Errorf(lianxin.EUnauthorized, "sign in first: no valid session or API token")
	}
	if cl.session == "" {
		return "", auth.Refuse(lianxin.EForbidden, "", auth.ReasonTokenBySession, nil,
			"API tokens are managed from a signed-in web session, not with a token")
	}
	return cl.user.Username, nil
}

// GET /api/v1/auth/tokens: the caller's own tokens.
func (s *Server) ownTokens(c echo.Context) error {
	name, err := ownUser(c)
	if err != nil {
		return err
	}
	return s.listTokensOf(c, name)
}

// maxOwnTokens bounds the live tokens a user makes for themselves: enough
// for a few desktops and scripts, few enough that forgotten ones get
// revoked rather than pile up. An admin may make more.
const maxOwnTokens = 10

// POST /api/v1/auth/tokens: a token for the caller (for QGIS and scripts),
// whose roles must be among auth.OwnTokenRoles (403 token_role otherwise).
// Listing and revoking one's own stay open to every role, so a member
// who was given a token by an admin may still revoke it.
func (s *Server) ownNewToken(c echo.Context) error {
	name, err := ownUser(c)
	if err != nil {
		return err
	}
	if err := callerOf(c).user.MayMakeOwnToken(); err != nil {
		return err
	}
	ts, err := s.deps.Auth.Tokens(c.Request().Context(), name)
	if err != nil {
		return err
	}
	live := 0
	now := time.Now()
	for _, t := range ts {
		if t.RevokedAt == nil && t.ExpiresAt.After(now) {
			live++
		}
	}
	if live >= maxOwnTokens {
		return auth.Refuse(lianxin.EConflict, "", auth.ReasonTokenLimit, map[string]any{"max": maxOwnTokens},
			"you hold %d live API tokens, the most you may make yourself: revoke one first", live)
	}
	return s.newTokenFor(c, name)
}

// DELETE /api/v1/auth/tokens/{id}: revoke one of the caller's own tokens.
func (s *Server) ownRevokeToken(c echo.Context) error {
	name, err := ownUser(c)
	if err != nil {
		return err
	}
	return s.revokeTokenOf(c, name)
}
