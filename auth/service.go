package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"lianxin"
)

// Store is what the service needs from the database. Lookups by token hash
// return a *lianxin.Error with code not_found when nothing matches (expired,
// revoked and unknown alike).
type Store interface {
	CreateUser(ctx context.Context, username, passwordHash, by string) (User, error)
	// CreateUserWithRoles creates an account and grants its roles in one
	// transaction (nothing is created when a grant is refused) and returns
	// the grants with their codes resolved.
	CreateUserWithRoles(ctx context.Context, username, passwordHash, by string, roles []RoleGrant) ([]RoleGrant, error)
	UserByName(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetPassword(ctx context.Context, username, passwordHash string) error
	// SetDisabled disables (ending the account's sessions and revoking its
	// API tokens) or enables an account; it returns how many of each ended.
	SetDisabled(ctx context.Context, username string, disabled bool) (sessions, tokens int64, err error)
	// EndSessions ends every session of an account.
	EndSessions(ctx context.Context, username string) (int64, error)
	// AddRole grants g (whose Town or Member code the store resolves).
	AddRole(ctx context.Context, username string, g RoleGrant, by string) (RoleGrant, error)
	RemoveRole(ctx context.Context, username string, g RoleGrant) (int64, error)
	// LoginFailed counts a failed sign-in and locks the account for lockFor
	// once lockAfter consecutive failures are reached; it returns the lock.
	LoginFailed(ctx context.Context, userID int64, lockAfter int, lockFor time.Duration) (*time.Time, error)
	LoginSucceeded(ctx context.Context, userID int64) error

	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns the user of an unexpired session and its expiry.
	SessionUser(ctx context.Context, tokenHash []byte) (User, time.Time, error)
	// ExtendSession moves a session's expiry to expiresAt, but never past its
	// creation plus maxAge, and returns the expiry set.
	ExtendSession(ctx context.Context, tokenHash []byte, expiresAt time.Time, maxAge time.Duration) (time.Time, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error

	CreateToken(ctx context.Context, t Token) (Token, error)
	// TokenUser returns the user of an unexpired, unrevoked token.
	TokenUser(ctx context.Context, tokenHash []byte) (User, error)
	ListTokens(ctx context.Context, username string) ([]Token, error)
	RevokeTokens(ctx context.Context, username, name string) (int64, error)
	// RevokeToken revokes one live token of username by id (0: none such).
	RevokeToken(ctx context.Context, username string, id int64) (int64, error)

	AppendAudit(ctx context.Context, e Event) error
	ListAudit(ctx context.Context, f AuditFilter) ([]Event, error)
	CountAudit(ctx context.Context, f AuditFilter) (int64, error)
}

// Options tune the service; zero values take the documented defaults.
type Options struct {
	Params     Params        // password hashing cost (DefaultParams)
	SessionTTL time.Duration // idle lifetime of a web session (12h), extended while in use
	SessionMax time.Duration // absolute lifetime of a web session (7 days)
	TokenTTL   time.Duration // default lifetime of an API token (90 days)
	LockAfter  int           // consecutive failures that lock an account (5)
	LockFor    time.Duration // how long (15 minutes)
	// PerClientFailures bounds failed sign-ins per client address and per
	// username (known or not) within PerClientWindow (20 in 15 minutes).
	PerClientFailures int
	PerClientWindow   time.Duration
	// CacheTTL is how long a resolved session or API token is remembered
	// (10s; negative: never). It bounds how long a logout, revocation or
	// role change made by another process takes to reach this one.
	CacheTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service holds the rules; the api and the command line call it.
type Service struct {
	st        Store
	opt       Options
	limiter   *limiter
	dummyHash string // verified against for unknown users, so timing does not tell
	callers   *callerCache
}

// New returns a Service on st.
func New(st Store, opt Options) (*Service, error) {
	if opt.Params == (Params{}) {
		opt.Params = DefaultParams
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.SessionMax <= 0 {
		opt.SessionMax = 7 * 24 * time.Hour
	}
	if opt.TokenTTL <= 0 {
		opt.TokenTTL = 90 * 24 * time.Hour
	}
	if opt.LockAfter <= 0 {
		opt.LockAfter = 5
	}
	if opt.LockFor <= 0 {
		opt.LockFor = 15 * time.Minute
	}
	if opt.PerClientFailures <= 0 {
		opt.PerClientFailures = 20
	}
	if opt.PerClientWindow <= 0 {
		opt.PerClientWindow = 15 * time.Minute
	}
	if opt.CacheTTL == 0 {
		opt.CacheTTL = 10 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	dummy, err := HashPassword("not a password anyone has", opt.Params)
	if err != nil {
		return nil, err
	}
	return &Service{st: st, opt: opt, dummyHash: dummy, callers: newCallerCache(opt.CacheTTL),
		limiter: newLimiter(opt.PerClientFailures, opt.PerClientWindow, 10000)}, nil
}

// Client describes where a request came from, for sessions and the audit log.
type Client struct {
	IP        string
	UserAgent string
}

var (
	errBadCredentials = lianxin.Errorf(lianxin.EUnauthorized, "wrong username or password")
	errTooMany        = lianxin.Errorf(ERateLimited, "too many sign-in attempts, try again later")
	errNoSession      = lianxin.Errorf(lianxin.EUnauthorized, "sign in first: no valid session or API token")
)

// ERateLimited is the error code of a refused sign-in attempt (HTTP 429).
const ERateLimited = lianxin.ERateLimited

// Login checks username and password and opens a session. It returns the
// session token (to put in the cookie, never stored) and the user. Wrong
// passwords and unknown users get the same error after the same work.
func (s *Service) Login(ctx context.Context, username, password string, c Client) (string, User, time.Time, error) {
	now := s.opt.Now()
	ipKey, userKey := "ip:"+c.IP, "user:"+strings.ToLower(username)
	if !s.limiter.allow(ipKey, now) || !s.limiter.allow(userKey, now) {
		s.audit(ctx, Event{Actor: username, Action: "login_refused", IP: c.IP, Detail: map[string]any{"reason": "rate limited"}})
		return "", User{}, time.Time{}, errTooMany
	}
	var u User
	var err error = lianxin.Errorf(lianxin.ENotFound, "no such user")
	if ValidUsername(username) { // anything else cannot exist: do not ask the database
		u, err = s.st.UserByName(ctx, username)
	}
	if err != nil && lianxin.ErrorCode(err) != lianxin.ENotFound {
		return "", User{}, time.Time{}, fmt.Errorf("look up user: %w", err)
	}
	known := err == nil
	hash := s.dummyHash
	if known && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok := VerifyPassword(password, hash) && known && u.PasswordHash != "" && !u.Disabled
	if known && u.LockedUntil != nil && u.LockedUntil.After(now) {
		s.audit(ctx, Event{Actor: u.Username, Action: "login_refused", IP: c.IP, Detail: map[string]any{"reason": "locked"}})
		return "", User{}, time.Time{}, errTooMany
	}
	if !ok {
		s.limiter.fail(ipKey, now)
		s.limiter.fail(userKey, now)
		detail := map[string]any{"reason": "wrong password"}
		if known {
			lock, err := s.st.LoginFailed(ctx, u.ID, s.opt.LockAfter, s.opt.LockFor)
			if err != nil {
				return "", User{}, time.Time{}, fmt.Errorf("count failed sign-in: %w", err)
			}
			if lock != nil {
				detail["locked_until"] = lock.UTC().Format(time.RFC3339)
			}
		} else {
			detail["reason"] = "unknown user"
		}
		s.audit(ctx, Event{Actor: username, Action: "login_failed", IP: c.IP, Detail: detail})
		return "", User{}, time.Time{}, errBadCredentials
	}
	if err := s.st.LoginSucceeded(ctx, u.ID); err != nil {
		return "", User{}, time.Time{}, fmt.Errorf("record sign-in: %w", err)
	}
	token, err := randomToken("")
	if err != nil {
		return "", User{}, time.Time{}, err
	}
	expires := now.Add(s.opt.SessionTTL)
	if err := s.st.CreateSession(ctx, Session{TokenHash: HashToken(token), UserID: u.ID, CreatedAt: now,
		ExpiresAt: expires, IP: c.IP, UserAgent: truncate(c.UserAgent, 300)}); err != nil {
		return "", User{}, time.Time{}, fmt.Errorf("open session: %w", err)
	}
	s.callers.needsTouch(HashToken(token)) // last_seen_at was just written
	s.audit(ctx, Event{Actor: u.Username, Action: "login", IP: c.IP})
	return token, u, expires, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string, c Client, actor string) error {
	h := HashToken(token)
	s.callers.drop(h)
	if err := s.st.DeleteSession(ctx, h); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	s.audit(ctx, Event{Actor: actor, Action: "logout", IP: c.IP})
	return nil
}

// Session returns the user of a session token and when the session ends.
// The answer is remembered for CacheTTL (see callerCache). The session's
// last_seen_at and idle expiry (up to SessionMax) are written at most once
// every SessionTouchEvery, or once half its idle lifetime has passed, so an
// active session stays open without a write on every request.
func (s *Service) Session(ctx context.Context, token string) (User, time.Time, error) {
	if !plausibleToken(token, "") {
		return User{}, time.Time{}, errNoSession
	}
	h := HashToken(token)
	now := s.opt.Now()
	e, ok := s.callers.get(h)
	if !ok {
		u, expires, err := s.st.SessionUser(ctx, h)
		if err != nil {
			if lianxin.ErrorCode(err) == lianxin.ENotFound {
				return User{}, time.Time{}, errNoSession
			}
			return User{}, time.Time{}, fmt.Errorf("look up session: %w", err)
		}
		e = cachedCaller{user: u, expires: expires}
		s.callers.set(h, e)
	}
	if e.user.Disabled || !e.expires.After(now) {
		return User{}, time.Time{}, errNoSession
	}
	if e.expires.Sub(now) < s.opt.SessionTTL/2 || s.callers.needsTouch(h) {
		next, err := s.st.ExtendSession(ctx, h, now.Add(s.opt.SessionTTL), s.opt.SessionMax)
		if err != nil {
			s.callers.drop(h)
			if lianxin.ErrorCode(err) == lianxin.ENotFound { // ended meanwhile
				return User{}, time.Time{}, errNoSession
			}
			return User{}, time.Time{}, fmt.Errorf("extend session: %w", err)
		}
		e.expires = next
		s.callers.set(h, e)
	}
	return e.user, e.expires, nil
}

// TokenPrefix starts every API token, so that leaked tokens are easy to find
// (secret scanners) and to tell from session cookies.
const TokenPrefix = "lx_"

// BearerUser returns the user of an API token. memo, when not nil, is the
// client connection's (ConnMemo): a token the connection presented before
// is answered from it while the caller cache would answer the same.
func (s *Service) BearerUser(ctx context.Context, token string, memo *ConnMemo) (User, error) {
	if memo != nil && s.callers == nil {
		memo = nil // nothing is remembered: every request reads the database
	}
	var gen uint64
	if memo != nil {
		gen = s.callers.gen.Load() // before the lookup: a drop after it voids what the memo keeps
		if u, ok := memo.recall(token, gen, s.opt.Now()); ok {
			return u, nil
		}
	}
	if !plausibleToken(token, TokenPrefix) {
		return User{}, errNoSession
	}
	h := HashToken(token)
	e, ok := s.callers.get(h)
	if !ok {
		u, err := s.st.TokenUser(ctx, h)
		if err != nil {
			if lianxin.ErrorCode(err) == lianxin.ENotFound {
				return User{}, errNoSession
			}
			return User{}, fmt.Errorf("look up token: %w", err)
		}
		e = cachedCaller{user: u, written: s.opt.Now()}
		s.callers.set(h, e)
	}
	u := e.user
	if u.Disabled {
		return User{}, errNoSession
	}
	if memo != nil && !e.written.IsZero() {
		memo.keep(token, u, gen, e.written.Add(s.opt.CacheTTL))
	}
	return u, nil
}

// NewToken creates an API token for username, valid for ttl (0: TokenTTL),
// and returns it: the only time it is ever shown.
func (s *Service) NewToken(ctx context.Context, username, name string, ttl time.Duration, actor string) (string, Token, error) {
	if ttl <= 0 {
		ttl = s.opt.TokenTTL
	}
	if ttl > 366*24*time.Hour {
		return "", Token{}, Refuse(lianxin.EInvalid, "expires_days", ReasonTokenExpiry,
			map[string]any{"days": int(ttl.Hours() / 24), "max": 366}, "expires: at most a year, got %s", ttl)
	}
	u, err := s.st.UserByName(ctx, username)
	if err != nil {
		return "", Token{}, err
	}
	token, err := randomToken(TokenPrefix)
	if err != nil {
		return "", Token{}, err
	}
	now := s.opt.Now()
	t, err := s.st.CreateToken(ctx, Token{TokenHash: HashToken(token), UserID: u.ID, Username: u.Username,
		Name: truncate(name, 100), CreatedAt: now, ExpiresAt: now.Add(ttl)})
	if err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	s.audit(ctx, Event{Actor: actor, Action: "token_create", Target: u.Username,
		Detail: map[string]any{"id": t.ID, "name": t.Name, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339)}})
	return token, t, nil
}

// RevokeTokens revokes username's tokens named name (all of them when name
// is empty) and returns how many.
func (s *Service) RevokeTokens(ctx context.Context, username, name, actor string) (int64, error) {
	n, err := s.st.RevokeTokens(ctx, username, name)
	s.callers.dropAll() // whatever happened: the hashes revoked are not known here
	if err != nil {
		return 0, err
	}
	s.audit(ctx, Event{Actor: actor, Action: "token_revoke", Target: username, Detail: map[string]any{"name": name}, Rows: &n})
	return n, nil
}

// RevokeToken revokes username's live token id.
func (s *Service) RevokeToken(ctx context.Context, username string, id int64, actor string) error {
	n, err := s.st.RevokeToken(ctx, username, id)
	s.callers.dropAll()
	if err != nil {
		return err
	}
	if n == 0 {
		return Refuse(lianxin.ENotFound, "id", ReasonTokenNotFound, map[string]any{"id": id},
			"%s has no live API token %d", username, id)
	}
	s.audit(ctx, Event{Actor: actor, Action: "token_revoke", Target: username, Detail: map[string]any{"id": id}, Rows: &n})
	return nil
}

// Tokens lists username's tokens (never the secrets).
func (s *Service) Tokens(ctx context.Context, username string) ([]Token, error) {
	return s.st.ListTokens(ctx, username)
}

// MaxUsernameChars is the longest user name, in characters (a Chinese
// name of 64 characters is 192 bytes).
const MaxUsernameChars = 64

// hanInName reports whether r is a Han character a user name may hold:
// the CJK unified ideographs, extension A and extensions B to G. The
// compatibility ideographs (U+F900-FAFF) are not: Unicode folds each into
// a unified one, so 豈 and 豈 would be two accounts that read alike.
func hanInName(r rune) bool {
	return (r >= 0x3400 && r <= 0x4DBF) || (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x20000 && r <= 0x3134F)
}

// ValidUsername is the rule for a new user name (migration 038 checks the
// same): 1 to MaxUsernameChars characters; ASCII letters and digits or Han
// characters (张伟, 王小明2), and after the first also '.', '_', '-' and the
// middle dot of transcribed names (·). No space, control character or
// full-width letter: a name is typed at sign-in and read in the audit log,
// and one that differs from another only by an invisible character is a
// second account that reads the same.
func ValidUsername(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	n := 0
	for _, r := range name {
		n++
		switch {
		case n > MaxUsernameChars:
			return false
		case r < utf8.RuneSelf && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
		case hanInName(r):
		case n > 1 && (r == '.' || r == '_' || r == '-' || r == '\u00B7'):
		default:
			return false
		}
	}
	return n > 0
}

// NewUser is an account to create.
type NewUser struct {
	Username string      `json:"username"`
	Password string      `json:"password"`
	Roles    []RoleGrant `json:"roles"`
}

// AddUser creates an account with its roles, in one transaction: a role
// that cannot be granted (an unknown town or member code) creates nothing,
// so no account is left without the roles asked or with a password nobody
// saw. The audit log gets user_create and one grant per role.
func (s *Service) AddUser(ctx context.Context, nu NewUser, actor string) (User, error) {
	if !ValidUsername(nu.Username) {
		return User{}, Refuse(lianxin.EInvalid, "username", ReasonUsernameBad, map[string]any{"max": MaxUsernameChars},
			"username: 1 to %d characters, letters, digits or Chinese characters, and '.', '_', '-' or '·' after the first; no spaces", MaxUsernameChars)
	}
	hash := ""
	if nu.Password != "" {
		if err := CheckPasswordRules(nu.Password); err != nil {
			return User{}, err
		}
		var err error
		if hash, err = HashPassword(nu.Password, s.opt.Params); err != nil {
			return User{}, err
		}
	}
	for _, g := range nu.Roles {
		if err := checkGrant(g); err != nil {
			return User{}, err
		}
	}
	granted, err := s.st.CreateUserWithRoles(ctx, nu.Username, hash, actor, nu.Roles)
	if err != nil {
		return User{}, err
	}
	s.callers.dropAll()
	s.audit(ctx, Event{Actor: actor, Action: "user_create", Target: nu.Username})
	for _, g := range granted {
		s.audit(ctx, Event{Actor: actor, Action: "grant", Target: nu.Username, Detail: grantDetail(g)})
	}
	return s.st.UserByName(ctx, nu.Username)
}

// grantDetail names a role in the audit log: the role, and its town or
// member code when it has one.
func grantDetail(g RoleGrant) map[string]any {
	return map[string]any{"role": string(g.Role), "town": g.Town, "member": g.Member}
}

// SetPassword replaces username's password and ends their sessions: whoever
// signed in with the old one signs in again. API tokens stay valid (revoke
// them with RevokeTokens).
func (s *Service) SetPassword(ctx context.Context, username, password, actor string) error {
	if err := CheckPasswordRules(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.opt.Params)
	if err != nil {
		return err
	}
	err = s.st.SetPassword(ctx, username, hash)
	s.callers.dropAll()
	if err != nil {
		return err
	}
	n, err := s.st.EndSessions(ctx, username)
	if err != nil {
		return fmt.Errorf("end sessions of %s: %w", username, err)
	}
	s.audit(ctx, Event{Actor: actor, Action: "password_set", Target: username, Detail: map[string]any{"sessions_ended": n}})
	return nil
}

// ResetPassword gives username a new random password (RandomPassword), ends
// their sessions like SetPassword, and returns it: the only time it is shown.
func (s *Service) ResetPassword(ctx context.Context, username, actor string) (string, error) {
	pw, err := RandomPassword()
	if err != nil {
		return "", err
	}
	if err := s.SetPassword(ctx, username, pw, actor); err != nil {
		return "", err
	}
	return pw, nil
}

// RandomPassword returns 16 characters from 96 random bits (URL-safe
// base64), for an account whose password an admin hands over.
func RandomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SetDisabled disables or enables username. A disabled account cannot sign
// in; disabling ends its sessions and revokes its API tokens at once (this
// process forgets every cached caller; others within CacheTTL), and
// enabling it again brings back neither: the user signs in anew and asks
// for new tokens.
func (s *Service) SetDisabled(ctx context.Context, username string, disabled bool, actor string) (User, error) {
	sessions, tokens, err := s.st.SetDisabled(ctx, username, disabled)
	s.callers.dropAll()
	if err != nil {
		return User{}, err
	}
	e := Event{Actor: actor, Action: "user_enable", Target: username}
	if disabled {
		e.Action = "user_disable"
		e.Detail = map[string]any{"sessions_ended": sessions, "tokens_revoked": tokens}
	}
	s.audit(ctx, e)
	return s.st.UserByName(ctx, username)
}

// Users lists every account with its roles.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.st.ListUsers(ctx) }

// User returns one account.
func (s *Service) User(ctx context.Context, username string) (User, error) {
	return s.st.UserByName(ctx, username)
}

func checkGrant(g RoleGrant) error {
	known := false
	for _, r := range Assignable {
		known = known || r == g.Role
	}
	switch {
	case !known:
		return Refuse(lianxin.EInvalid, "role", ReasonRoleBad, map[string]any{"role": string(g.Role), "allowed": joinRoles(Assignable)},
			"role %q: want one of %s", g.Role, joinRoles(Assignable))
	case g.Role == lianxin.RoleTeamLeader && g.Town == "":
		return Refuse(lianxin.EInvalid, "town", ReasonTownMissing, nil, "role team_leader needs a town (its code)")
	case g.Role == lianxin.RoleMember && g.Member == "":
		return Refuse(lianxin.EInvalid, "member", ReasonMemberMissing, nil, "role member needs a member (its code)")
	case g.Role != lianxin.RoleTeamLeader && g.Town != "":
		return Refuse(lianxin.EInvalid, "town", ReasonTownNotTaken, map[string]any{"role": string(g.Role)}, "role %s takes no town", g.Role)
	case g.Role != lianxin.RoleMember && g.Member != "":
		return Refuse(lianxin.EInvalid, "member", ReasonMemberNotTaken, map[string]any{"role": string(g.Role)}, "role %s takes no member", g.Role)
	}
	return nil
}

// Grant gives username a role.
func (s *Service) Grant(ctx context.Context, username string, g RoleGrant, actor string) (RoleGrant, error) {
	if err := checkGrant(g); err != nil {
		return RoleGrant{}, err
	}
	out, err := s.st.AddRole(ctx, username, g, actor)
	s.callers.dropAll()
	if err != nil {
		return RoleGrant{}, err
	}
	s.audit(ctx, Event{Actor: actor, Action: "grant", Target: username, Detail: grantDetail(g)})
	return out, nil
}

// Revoke takes a role from username (every town's, when g names none).
func (s *Service) Revoke(ctx context.Context, username string, g RoleGrant, actor string) (int64, error) {
	n, err := s.st.RemoveRole(ctx, username, g)
	s.callers.dropAll()
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, lianxin.Errorf(lianxin.ENotFound, "%s does not hold role %s", username, g.Role)
	}
	s.audit(ctx, Event{Actor: actor, Action: "revoke", Target: username, Detail: grantDetail(g), Rows: &n})
	return n, nil
}

// CSRFToken is the anti-forgery token of a session: an HMAC of a fixed
// label keyed by the session token. Only someone who holds the (HttpOnly)
// session cookie's value, i.e. the server, can compute it; the page gets it
// from the sign-in and /me answers and sends it back in X-CSRF-Token.
func CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("lianxin csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF compares a sent token with the session's in constant time.
func CheckCSRF(sessionToken, sent string) bool {
	return sent != "" && subtle.ConstantTimeCompare([]byte(CSRFToken(sessionToken)), []byte(sent)) == 1
}

// HashToken is how session and API tokens are kept at rest.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func randomToken(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random token: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// plausibleToken rejects strings that cannot be our tokens before any
// database work.
func plausibleToken(t, prefix string) bool {
	if !strings.HasPrefix(t, prefix) {
		return false
	}
	body := t[len(prefix):]
	if len(body) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(body)
	return err == nil
}

// truncate cuts s to at most n bytes of valid UTF-8 without NUL (which
// PostgreSQL's text refuses), for strings that came from a client.
func truncate(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func invalidf(format string, args ...any) error {
	return lianxin.Errorf(lianxin.EInvalid, format, args...)
}

func joinRoles(rs []lianxin.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}

// audit records e and logs (never returns) a failure to: the action it
// describes has already happened.
func (s *Service) audit(ctx context.Context, e Event) {
	if err := s.Record(ctx, e); err != nil && !errors.Is(err, context.Canceled) {
		s.opt.Logger.Error("audit log write failed", "action", e.Action, "actor", e.Actor, "error", err)
	}
}
