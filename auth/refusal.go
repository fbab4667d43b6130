package auth

import "lianxin"

// Refusal is what an *lianxin.Error from account administration carries in
// Details: the field refused (as the API names it), a reason code and its
// parameters, so that the web map words the refusal in the page's language
// (i18n.js admin.error.<reason>) while Message keeps the English sentence for
// other clients. A reason once published keeps its meaning and parameters.
type Refusal struct {
	Field  string         `json:"field,omitempty"`
	Reason string         `json:"reason"`
	Params map[string]any `json:"params,omitempty"`
}

// Refusal reasons of account administration.
const (
	ReasonUsernameBad    = "username_bad"      //
	ReasonUserExists     = "user_exists"       // {username}
	ReasonUserNotFound   = "user_not_found"    // {username}
	ReasonPasswordShort  = "password_short"    // {n, min}
	ReasonPasswordLong   = "password_long"     // {max}
	ReasonRoleBad        = "role_bad"          // {role, allowed}
	ReasonTownMissing    = "town_missing"      // team_leader without a town
	ReasonMemberMissing  = "member_missing"    // member without a member code
	ReasonTownNotTaken   = "town_not_taken"    // {role}: a town given to another role
	ReasonMemberNotTaken = "member_not_taken"  // {role}
	ReasonTownNotFound   = "town_not_found"    // {town}
	ReasonMemberNotFound = "member_not_found"  // {member}
	ReasonMemberTaken    = "member_taken"      // {member, username}: the member's account is another
	ReasonTokenExpiry    = "token_expiry"      // {days, max}
	ReasonTokenNotFound  = "token_not_found"   // {id}
	ReasonTokenBySession = "token_needs_login" // a token may not mint tokens
	ReasonTokenLimit     = "token_limit"       // {max}: live tokens one makes oneself
	ReasonTokenRole      = "token_role"        // {roles}: the roles that may make their own tokens
	ReasonTokenName      = "token_name"        // {max}: a token's name longer than max characters
	ReasonSelfDisable    = "self_disable"      // an admin disabling their own account
	ReasonSelfRevoke     = "self_revoke_admin" // an admin taking their own admin role
)

// Refuse returns an *lianxin.Error with code and a Refusal in Details.
func Refuse(code, field, reason string, params map[string]any, format string, args ...any) *lianxin.Error {
	e := lianxin.Errorf(code, format, args...)
	e.Details = Refusal{Field: field, Reason: reason, Params: params}
	return e
}
