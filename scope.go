package lianxin

import "slices"

// Role is what a user may do; a user can hold several.
type Role string

const (
	RoleAdmin      Role = "admin"
	RolePlanner    Role = "planner"
	RoleTeamLeader Role = "team_leader"
	RoleMember     Role = "member"
	RoleGIS        Role = "gis"
	// RoleSystem is the scope of trusted local work: the command line, the
	// demo loader, migrations. It sees everything.
	RoleSystem Role = "system"
)

// Scope says who is asking. Every query function takes one, so access
// control narrows queries by filter rather than by reshaping them.
type Scope struct {
	User  string
	Roles []Role
	// Towns lists the town ids whose detail the caller may see. AllTowns
	// lifts the restriction.
	Towns    []int32
	AllTowns bool
	// HouseholdPoints and PersonalFields are explicit grants (for gis and
	// planner roles they are off unless granted).
	HouseholdPoints bool
	PersonalFields  bool
}

// SystemScope is the scope of the command line and of internal jobs.
func SystemScope() Scope {
	return Scope{User: "system", Roles: []Role{RoleSystem}, AllTowns: true, HouseholdPoints: true, PersonalFields: true}
}

// Has reports whether the scope holds role r.
func (s Scope) Has(r Role) bool { return slices.Contains(s.Roles, r) }

// SeesTown reports whether detail rows of town id may be shown.
func (s Scope) SeesTown(id int32) bool { return s.AllTowns || slices.Contains(s.Towns, id) }
