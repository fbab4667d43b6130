package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/auth"
)

// The store implements auth.Store and auth.DemoStore.
var (
	_ auth.Store     = (*Store)(nil)
	_ auth.DemoStore = (*Store)(nil)
)

// authScope is the scope of the sign-in machinery itself when it must read
// places under row-level security (resolving a town or member code). It is
// never handed to a request.
var authScope = lianxin.Scope{User: "auth", Roles: []lianxin.Role{lianxin.RoleSystem}, AllTowns: true}

// userColumns selects a user and their roles (as JSON) from users u. The
// hot path (sessions, tokens) uses rolesBare, which reads no table under
// row-level security; listings use rolesWithCodes inside authScope.
const userColumns = `u.id, u.username, u.password_hash, u.disabled, u.failed_logins, u.locked_until,
       u.created_at, u.last_login_at`

const rolesBare = `coalesce((SELECT json_agg(json_build_object('role', r.role, 'town_id', r.town_id, 'member_id', r.member_id)
                            ORDER BY r.role, r.town_id, r.member_id)
                   FROM user_roles r WHERE r.user_id = u.id), '[]')`

const rolesWithCodes = `coalesce((SELECT json_agg(json_build_object('role', r.role, 'town_id', r.town_id, 'member_id', r.member_id,
                                                     'town', CASE WHEN r.role = 'team_leader' THEN t.code END,
                                                     'town_code', t.code, 'member', m.code,
                                                     'member_name', m.name)
                                  ORDER BY r.role, t.code, m.code)
                   FROM user_roles r LEFT JOIN towns t ON t.id = r.town_id
                                     LEFT JOIN members m ON m.id = r.member_id
                   WHERE r.user_id = u.id), '[]')`

type roleRow struct {
	Role     string `json:"role"`
	TownID   int32  `json:"town_id"`
	MemberID int32  `json:"member_id"`
	Town     string `json:"town"`
	TownCode string `json:"town_code"`
	Member   string `json:"member"`
	// MemberName is the member's name, for the accounts list.
	MemberName string `json:"member_name"`
}

func scanUser(row pgx.Row, extra ...any) (auth.User, error) {
	var u auth.User
	var roles []byte
	dest := append([]any{&u.ID, &u.Username, &u.PasswordHash, &u.Disabled, &u.FailedLogins, &u.LockedUntil,
		&u.CreatedAt, &u.LastLoginAt, &roles}, extra...)
	if err := row.Scan(dest...); err != nil {
		return auth.User{}, err
	}
	var rr []roleRow
	if err := json.Unmarshal(roles, &rr); err != nil {
		return auth.User{}, fmt.Errorf("decode roles of %s: %w", u.Username, err)
	}
	u.Roles = make([]auth.RoleGrant, len(rr))
	for i, r := range rr {
		u.Roles[i] = auth.RoleGrant{Role: lianxin.Role(r.Role), TownID: r.TownID, Town: r.Town, TownCode: r.TownCode, MemberID: r.MemberID, Member: r.Member, MemberName: r.MemberName}
	}
	return u, nil
}

func userNotFound(username string) error {
	return auth.Refuse(lianxin.ENotFound, "username", auth.ReasonUserNotFound, map[string]any{"username": username},
		"user %q not found", username)
}

// CreateUser inserts an account without roles.
func (s *Store) CreateUser(ctx context.Context, username, passwordHash, by string) (auth.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `WITH u AS (
	         INSERT INTO users (username, password_hash, created_by) VALUES ($1, $2, $3) RETURNING *)
	       SELECT `+userColumns+`, '[]'::json FROM u`, username, passwordHash, by))
	if err != nil {
		if lianxin.ErrorCode(translate(err)) == lianxin.EConflict {
			return auth.User{}, lianxin.Errorf(lianxin.EConflict, "user %q already exists", username)
		}
		return auth.User{}, translate(err)
	}
	return u, nil
}

// UserByName returns an account with its roles (codes resolved).
func (s *Store) UserByName(ctx context.Context, username string) (auth.User, error) {
	var u auth.User
	err := s.ReadInScope(ctx, authScope, func(tx pgx.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+`, `+rolesWithCodes+`
		                                     FROM users u WHERE lower(u.username) = lower($1)`, username))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) || lianxin.ErrorCode(err) == lianxin.ENotFound {
		return auth.User{}, userNotFound(username)
	}
	return u, err
}

// ListUsers returns every account, by username.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	var out []auth.User
	err := s.ReadInScope(ctx, authScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userColumns+`, `+rolesWithCodes+` FROM users u ORDER BY lower(u.username)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// SetPassword replaces a password and lifts any lock-out.
func (s *Store) SetPassword(ctx context.Context, username, passwordHash string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL
	                              WHERE lower(username) = lower($1)`, username, passwordHash)
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return userNotFound(username)
	}
	return nil
}

// SetDisabled disables or enables an account. Disabling also ends the
// account's sessions and revokes its live API tokens, in the same
// transaction, so nothing of the account works once it returns; enabling
// gives back neither. It returns how many sessions and tokens ended.
func (s *Store) SetDisabled(ctx context.Context, username string, disabled bool) (sessions, tokens int64, err error) {
	err = s.InScope(ctx, authScope, func(tx pgx.Tx) error {
		var userID int64
		if err := tx.QueryRow(ctx, `UPDATE users SET disabled = $2 WHERE lower(username) = lower($1) RETURNING id`,
			username, disabled).Scan(&userID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return userNotFound(username)
			}
			return err
		}
		if !disabled {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		sessions = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
		tokens = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, 0, translate(err)
	}
	return sessions, tokens, nil
}

// EndSessions ends every session of an account and returns how many.
func (s *Store) EndSessions(ctx context.Context, username string) (int64, error) {
	var n int64
	err := s.InScope(ctx, authScope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions s USING users u
		       WHERE u.id = s.user_id AND lower(u.username) = lower($1)`, username)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, translate(err)
	}
	return n, nil
}

// AddRole grants a role, resolving its town or member code. Granting a role
// already held changes nothing.
func (s *Store) AddRole(ctx context.Context, username string, g auth.RoleGrant, by string) (auth.RoleGrant, error) {
	err := s.InScope(ctx, authScope, func(tx pgx.Tx) error {
		var userID int64
		if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE lower(username) = lower($1)`, username).Scan(&userID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return userNotFound(username)
			}
			return err
		}
		var err error
		g, err = addRoleTx(ctx, tx, userID, g, by)
		return err
	})
	if err != nil {
		return auth.RoleGrant{}, err
	}
	return g, nil
}

// addRoleTx grants g to userID within tx, resolving its town or member code
// (a code that does not exist is refused with an auth.Refusal).
func addRoleTx(ctx context.Context, tx pgx.Tx, userID int64, g auth.RoleGrant, by string) (auth.RoleGrant, error) {
	var townID, memberID *int32
	switch {
	case g.Town != "":
		var id int32
		if err := tx.QueryRow(ctx, `SELECT id FROM towns WHERE code = $1`, g.Town).Scan(&id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return g, auth.Refuse(lianxin.ENotFound, "town", auth.ReasonTownNotFound, map[string]any{"town": g.Town},
					"town %q not found", g.Town)
			}
			return g, err
		}
		townID, g.TownID = &id, id
	case g.Member != "":
		var id, town int32
		if err := tx.QueryRow(ctx, `SELECT id, town_id FROM members WHERE code = $1`, g.Member).Scan(&id, &town); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return g, auth.Refuse(lianxin.ENotFound, "member", auth.ReasonMemberNotFound, map[string]any{"member": g.Member},
					"member %q not found", g.Member)
			}
			return g, err
		}
		memberID, townID, g.MemberID, g.TownID = &id, &town, id, town
		if g.Role == lianxin.RoleMember {
			if err := memberFree(ctx, tx, userID, g.Member, id); err != nil {
				return g, err
			}
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role, town_id, member_id, created_by)
	                        VALUES ($1, $2, $3, $4, $5)
	                        ON CONFLICT (user_id, role, coalesce(town_id, 0), coalesce(member_id, 0)) DO NOTHING`,
		userID, string(g.Role), townID, memberID, by)
	if lianxin.ErrorCode(translate(err)) == lianxin.EConflict {
		// Another account took the member between memberFree and here
		// (user_roles_member_key, migration 038).
		return g, memberTaken(g.Member, "")
	}
	return g, err
}

// memberAccountSQL names the account other than $1 that holds the member
// role of member $2 (one at most: user_roles_member_key).
const memberAccountSQL = `SELECT u.username FROM user_roles r JOIN users u ON u.id = r.user_id
WHERE r.role = 'member' AND r.member_id = $2 AND r.user_id <> $1`

// memberFree refuses a member role whose member another account holds: an
// account linked to a member is the only one linked to them (migration
// 038), or two sign-ins would write one person's diary and read each
// other's entries.
func memberFree(ctx context.Context, tx pgx.Tx, userID int64, code string, memberID int32) error {
	var holder string
	err := tx.QueryRow(ctx, memberAccountSQL, userID, memberID).Scan(&holder)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("find the account of member %s: %w", code, err)
	}
	return memberTaken(code, holder)
}

func memberTaken(code, holder string) error {
	return auth.Refuse(lianxin.EConflict, "member", auth.ReasonMemberTaken, map[string]any{"member": code, "username": holder},
		"member %q is already linked to account %q: one account per member (revoke the member role there first)", code, holder)
}

// CreateUserWithRoles inserts an account and grants its roles in one
// transaction: a role that cannot be granted (an unknown town or member
// code) creates nothing. It returns the grants with their codes resolved.
func (s *Store) CreateUserWithRoles(ctx context.Context, username, passwordHash, by string, roles []auth.RoleGrant) ([]auth.RoleGrant, error) {
	out := make([]auth.RoleGrant, 0, len(roles))
	err := s.InScope(ctx, authScope, func(tx pgx.Tx) error {
		var userID int64
		err := tx.QueryRow(ctx, `INSERT INTO users (username, password_hash, created_by) VALUES ($1, $2, $3) RETURNING id`,
			username, passwordHash, by).Scan(&userID)
		if err != nil {
			if lianxin.ErrorCode(translate(err)) == lianxin.EConflict {
				return auth.Refuse(lianxin.EConflict, "username", auth.ReasonUserExists, map[string]any{"username": username},
					"user %q already exists", username)
			}
			return err
		}
		for _, g := range roles {
			g, err := addRoleTx(ctx, tx, userID, g, by)
			if err != nil {
				return err
			}
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveRole takes a role away: the one in g's town or member, or every one
// of that role when g names neither.
func (s *Store) RemoveRole(ctx context.Context, username string, g auth.RoleGrant) (int64, error) {
	var n int64
	err := s.InScope(ctx, authScope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM user_roles r USING users u
		   WHERE u.id = r.user_id AND lower(u.username) = lower($1) AND r.role = $2
		     AND ($3 = '' OR r.town_id = (SELECT id FROM towns WHERE code = $3))
		     AND ($4 = '' OR r.member_id = (SELECT id FROM members WHERE code = $4))`,
			username, string(g.Role), g.Town, g.Member)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// LoginFailed counts a failure and locks the account once the count reaches
// lockAfter; every further failure while the count stands renews the lock.
func (s *Store) LoginFailed(ctx context.Context, userID int64, lockAfter int, lockFor time.Duration) (*time.Time, error) {
	var lock *time.Time
	err := s.pool.QueryRow(ctx, `UPDATE users SET failed_logins = failed_logins + 1,
	       locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
	       WHERE id = $1 RETURNING locked_until`, userID, lockAfter, lockFor.Seconds()).Scan(&lock)
	return lock, translate(err)
}

// LoginSucceeded resets the failure count.
func (s *Store) LoginSucceeded(ctx context.Context, userID int64) error {
	_, err := s.pool.Exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1`, userID)
	return translate(err)
}

// CreateSession stores a session (its token's hash).
func (s *Store) CreateSession(ctx context.Context, ss auth.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
	                            VALUES ($1, $2, $3, $3, $4, $5, $6)`,
		ss.TokenHash, ss.UserID, ss.CreatedAt, ss.ExpiresAt, ss.IP, ss.UserAgent)
	return translate(err)
}

// SessionUser returns the user of an unexpired session and its expiry. Every
// signed-in request starts here, so a connection lost under it (a restarted
// server, a terminated backend) is retried once rather than failing the request.
func (s *Store) SessionUser(ctx context.Context, tokenHash []byte) (auth.User, time.Time, error) {
	var u auth.User
	var expires time.Time
	err := s.readRetry(ctx, func() error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, `+rolesBare+`, s.expires_at
		       FROM sessions s JOIN users u ON u.id = s.user_id
		       WHERE s.token_hash = $1 AND s.expires_at > now()`, tokenHash), &expires)
		return err
	})
	if err != nil {
		return auth.User{}, time.Time{}, translate(err)
	}
	return u, expires, nil
}

// ExtendSession moves a session's expiry, capped at created_at + maxAge.
func (s *Store) ExtendSession(ctx context.Context, tokenHash []byte, expiresAt time.Time, maxAge time.Duration) (time.Time, error) {
	var got time.Time
	err := s.pool.QueryRow(ctx, `UPDATE sessions SET last_seen_at = now(),
	         expires_at = least($2, created_at + make_interval(secs => $3))
	       WHERE token_hash = $1 RETURNING expires_at`, tokenHash, expiresAt, maxAge.Seconds()).Scan(&got)
	return got, translate(err)
}

// DeleteSession ends a session; ending an unknown one is not an error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1 OR expires_at < now() - interval '1 day'`, tokenHash)
	return translate(err)
}

// CreateToken stores an API token (its hash).
func (s *Store) CreateToken(ctx context.Context, t auth.Token) (auth.Token, error) {
	err := s.pool.QueryRow(ctx, `INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at)
	                             VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		t.TokenHash, t.UserID, t.Name, t.CreatedAt, t.ExpiresAt).Scan(&t.ID)
	return t, translate(err)
}

// TokenUser returns the user of a valid token and notes its use (at most
// every five minutes, so scripts hammering the API do not write per request).
// A lost connection is retried once like SessionUser: the only write, the
// use stamp, comes out the same when run twice.
func (s *Store) TokenUser(ctx context.Context, tokenHash []byte) (auth.User, error) {
	var u auth.User
	err := s.readRetry(ctx, func() error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, `WITH tok AS (
		         SELECT id, user_id, last_used_at FROM api_tokens
		         WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()),
		       touch AS (
		         UPDATE api_tokens t SET last_used_at = now() FROM tok
		         WHERE t.id = tok.id AND (tok.last_used_at IS NULL OR tok.last_used_at < now() - interval '5 minutes'))
		       SELECT `+userColumns+`, `+rolesBare+` FROM tok JOIN users u ON u.id = tok.user_id`, tokenHash))
		return err
	})
	if err != nil {
		return auth.User{}, translate(err)
	}
	return u, nil
}

// ListTokens lists a user's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, username string) ([]auth.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
	       FROM api_tokens t JOIN users u ON u.id = t.user_id
	       WHERE lower(u.username) = lower($1) ORDER BY t.id DESC`, username)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Token, error) {
		var t auth.Token
		err := r.Scan(&t.ID, &t.Username, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt)
		return t, err
	})
	return out, translate(err)
}

// RevokeTokens revokes a user's live tokens named name (all when name is "").
func (s *Store) RevokeTokens(ctx context.Context, username, name string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens t SET revoked_at = now() FROM users u
	       WHERE u.id = t.user_id AND lower(u.username) = lower($1) AND ($2 = '' OR t.name = $2)
	         AND t.revoked_at IS NULL`, username, name)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

// RevokeToken revokes the live token id of username; it returns 0 when the
// user has no such live token.
func (s *Store) RevokeToken(ctx context.Context, username string, id int64) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens t SET revoked_at = now() FROM users u
	       WHERE u.id = t.user_id AND lower(u.username) = lower($1) AND t.id = $2
	         AND t.revoked_at IS NULL`, username, id)
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}

// AppendAudit adds an event to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e auth.Event) error {
	detail := e.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("encode audit detail: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO audit_log (actor, action, target, detail, rows, ip) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.Actor, e.Action, e.Target, b, e.Rows, e.IP)
	return translate(err)
}

// auditWhere selects the events of an auth.AuditFilter: $1 action, $2
// actor (in any case, as user names sign in), $3 target (” all), $4 words in the target or detail (an ILIKE
// pattern, ” all), $5 and $6 the time window (NULL open).
const auditWhere = `WHERE ($1 = '' OR action = $1) AND ($2 = '' OR lower(actor) = lower($2)) AND ($3 = '' OR target = $3)
  AND ($4 = '' OR target ILIKE $4 ESCAPE '\' OR detail::text ILIKE $4 ESCAPE '\')
  AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6)`

const (
	auditListSQL = `SELECT id, at, actor, action, target, detail, rows, ip FROM audit_log
` + auditWhere + ` AND ($7 = 0 OR id < $7)
ORDER BY id DESC LIMIT $8`
	auditCountSQL = `SELECT count(*) FROM audit_log ` + auditWhere
)

func auditArgs(f auth.AuditFilter) []any {
	bound := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	subject := ""
	if f.Subject != "" {
		subject = "%" + likeEscape(f.Subject) + "%"
	}
	return []any{f.Action, f.Actor, f.Target, subject, bound(f.From), bound(f.To)}
}

// ListAudit returns events newest first.
func (s *Store) ListAudit(ctx context.Context, f auth.AuditFilter) ([]auth.Event, error) {
	rows, err := s.pool.Query(ctx, auditListSQL, append(auditArgs(f), f.BeforeID, f.Limit)...)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Event, error) {
		var e auth.Event
		var detail []byte
		if err := r.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &detail, &e.Rows, &e.IP); err != nil {
			return e, err
		}
		if err := json.Unmarshal(detail, &e.Detail); err != nil {
			return e, fmt.Errorf("decode audit detail %d: %w", e.ID, err)
		}
		return e, nil
	})
	if out == nil {
		out = []auth.Event{}
	}
	return out, translate(err)
}

// CountAudit counts the events f selects, over all pages.
func (s *Store) CountAudit(ctx context.Context, f auth.AuditFilter) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, auditCountSQL, auditArgs(f)...).Scan(&n)
	return n, translate(err)
}

// DemoPeople lists the towns whose team has a leader, and every member.
func (s *Store) DemoPeople(ctx context.Context) ([]string, []string, error) {
	var towns, members []string
	err := s.ReadInScope(ctx, authScope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT t.code FROM teams tm JOIN towns t ON t.id = tm.town_id
		       WHERE EXISTS (SELECT 1 FROM members m WHERE m.team_id = tm.id AND m.role = 'leader') ORDER BY t.code`)
		if err != nil {
			return err
		}
		if towns, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT code FROM members ORDER BY code`)
		if err != nil {
			return err
		}
		members, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return towns, members, err
}
