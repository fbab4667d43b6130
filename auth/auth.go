// Package auth is who may do what in lianxin: user accounts and their roles,
// argon2id passwords, web sessions with CSRF tokens, API tokens for scripts
// and QGIS, sign-in rate limiting and lock-out, and the audit log.
//
// It exists apart from the HTTP layer so that the command line (`lianxin user
// ...`) and the server share one set of rules, and so that the one function
// that turns a user's roles into a lianxin.Scope (User.Scope) is small and
// tested on its own. It speaks to the database through the Store interface
// below, which the store package implements; secrets never reach it in the
// clear: sessions and tokens are kept as SHA-256 hashes, passwords as
// argon2id hashes.
package auth

import (
	"slices"
	"time"

	"lianxin"
)

// Grant names beyond the roles: explicit permissions a gis user needs for
// household detail. They are stored like roles.
const (
	GrantHouseholdPoints lianxin.Role = "household_points"
	GrantPersonalFields  lianxin.Role = "personal_fields"
)

// Assignable lists what `lianxin user grant` and the admin API accept.
var Assignable = []lianxin.Role{
	lianxin.RoleAdmin, lianxin.RolePlanner, lianxin.RoleTeamLeader, lianxin.RoleMember, lianxin.RoleGIS,
	GrantHouseholdPoints, GrantPersonalFields,
}

// RoleGrant is one role a user holds. A team_leader names a town, a member
// names a member (and carries the member's town).
type RoleGrant struct {
	Role   lianxin.Role `json:"role"`
	TownID int32        `json:"-"`
	Town   string       `json:"town,omitempty"` // town code
	// TownCode is the code of TownID whatever the role: a team leader's
	// town, or a member's (the town of their member row, which the grant
	// does not name). Read from the store with the codes; never input.
	TownCode string `json:"-"`
	MemberID int32  `json:"-"`
	Member   string `json:"member,omitempty"` // member code
	// MemberName is the member's name, read from the store with the codes
	// (the accounts list shows it); never input.
	MemberName string `json:"member_name,omitempty"`
}

// User is an account with its roles. PasswordHash never leaves this package
// and the store.
type User struct {
	ID           int64       `json:"-"`
	Username     string      `json:"username"`
	PasswordHash string      `json:"-"`
	Disabled     bool        `json:"disabled"`
	FailedLogins int         `json:"failed_logins"`
	LockedUntil  *time.Time  `json:"locked_until,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	LastLoginAt  *time.Time  `json:"last_login_at,omitempty"`
	Roles        []RoleGrant `json:"roles"`
}

// Holds reports whether u holds role r (in any town).
func (u User) Holds(r lianxin.Role) bool {
	return slices.ContainsFunc(u.Roles, func(g RoleGrant) bool { return g.Role == r })
}

// OwnTokenRoles may make their own API tokens from a signed-in web session
// (the GIS tab, POST /api/v1/auth/tokens). Tokens exist for desktop GIS and
// scripts: the county-wide readers (planner, gis), the importers (gis,
// team_leader) and admins. A member keeps the diary on a phone with a web
// session and needs none; a token there would be a long-lived credential
// on the commonest, least-watched accounts for no use. An admin may still
// make one for any account (Users tab, the command line).
var OwnTokenRoles = []lianxin.Role{lianxin.RoleAdmin, lianxin.RoleGIS, lianxin.RolePlanner, lianxin.RoleTeamLeader}

// MayMakeOwnToken returns nil when u may make their own API token, else a
// forbidden error with the token_role refusal naming the roles that may.
// A disabled account may not (it has no session either).
func (u User) MayMakeOwnToken() error {
	if !u.Disabled && slices.ContainsFunc(OwnTokenRoles, u.Holds) {
		return nil
	}
	return Refuse(lianxin.EForbidden, "", ReasonTokenRole, map[string]any{"roles": OwnTokenRoles},
		"your roles may not make API tokens (tokens are for desktop GIS and scripts: the %s roles); ask an admin if you need one",
		joinRoles(OwnTokenRoles))
}

// Scope turns the user's roles into what their requests may see:
//
//   - admin, planner and gis work county-wide (AllTowns) on aggregates; they
//     see household points only with the household_points grant, and personal
//     fields only with personal_fields as well.
//   - team_leader sees everything in the team's town, including household
//     points and personal fields there.
//   - member sees the rows of their own town that member-facing endpoints
//     show; no household points or personal fields.
//
// A user who is both county-wide and a team leader gets the county-wide
// scope with only the explicit grants: Scope has one household switch, not
// one per town, so the narrower permission wins. A disabled user or one with
// no roles gets the empty scope, which sees nothing.
func (u User) Scope() lianxin.Scope {
	s := lianxin.Scope{User: u.Username}
	if u.Disabled {
		return lianxin.Scope{}
	}
	leader, points, personal := false, false, false
	for _, g := range u.Roles {
		switch g.Role {
		case lianxin.RoleAdmin, lianxin.RolePlanner, lianxin.RoleGIS:
			s.AllTowns = true
		case lianxin.RoleTeamLeader:
			leader = true
			s.Towns = appendTown(s.Towns, g.TownID)
		case lianxin.RoleMember:
			s.Towns = appendTown(s.Towns, g.TownID)
		case GrantHouseholdPoints:
			points = true
			continue
		case GrantPersonalFields:
			personal = true
			continue
		default:
			continue
		}
		if !slices.Contains(s.Roles, g.Role) {
			s.Roles = append(s.Roles, g.Role)
		}
	}
	if len(s.Roles) == 0 {
		return lianxin.Scope{User: u.Username}
	}
	if s.AllTowns {
		s.Towns = nil
		s.HouseholdPoints = points
		s.PersonalFields = points && personal
	} else {
		s.HouseholdPoints = leader || points
		s.PersonalFields = leader || (points && personal)
	}
	slices.Sort(s.Towns)
	return s
}

func appendTown(towns []int32, id int32) []int32 {
	if id == 0 || slices.Contains(towns, id) {
		return towns
	}
	return append(towns, id)
}

// Session is a web sign-in. Only TokenHash is stored.
type Session struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
	IP        string
	UserAgent string
}

// Token is an API token. Only TokenHash is stored.
type Token struct {
	ID         int64      `json:"id"`
	TokenHash  []byte     `json:"-"`
	UserID     int64      `json:"-"`
	Username   string     `json:"username"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}
