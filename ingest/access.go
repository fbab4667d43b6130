package ingest

import "lianxin"

// ImportRoles may import files: the layers hold the county's registers. The
// API's upload endpoints and `lianxin ingest --as` both ask MayImport, so a
// user may import from the command line exactly when they may upload.
var ImportRoles = []lianxin.Role{lianxin.RoleSystem, lianxin.RoleAdmin, lianxin.RoleGIS, lianxin.RoleTeamLeader}

// MayImport returns nil when scope holds a role that may import, else a
// forbidden error naming the roles that may.
func MayImport(scope lianxin.Scope) error {
	for _, r := range ImportRoles {
		if scope.Has(r) {
			return nil
		}
	}
	return lianxin.Errorf(lianxin.EForbidden, "importing data needs the admin, gis or team_leader role")
}
