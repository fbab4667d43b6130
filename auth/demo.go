package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"

	"lianxin"
)

// DemoPassword derives a demo account's password from the demo seed and the
// username. It is deterministic on purpose — `make run` and `lianxin user
// demo` can print the same passwords again — so anyone who knows the seed
// knows every demo password: fine for the synthetic demo county, never for
// real data (create real accounts with `lianxin user add`).
func DemoPassword(seed uint64, username string) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no 0/o, 1/l
	m := hmac.New(sha256.New, []byte(fmt.Sprintf("lianxin demo accounts, seed %d", seed)))
	m.Write([]byte(username))
	sum := m.Sum(nil)
	out := make([]byte, 0, 14)
	for i := 0; i < 12; i++ {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(sum[i])%len(alphabet)])
	}
	return string(out)
}

// DemoStore lists who gets a demo account.
type DemoStore interface {
	// DemoPeople returns the codes of towns whose team has a leader, and of
	// every member.
	DemoPeople(ctx context.Context) (leaderTowns, members []string, err error)
}

// DemoAccount is one demo account and its password.
type DemoAccount struct {
	Username string
	Password string
	Role     RoleGrant
	Created  bool // false: it existed and was left as it was
}

// DemoAccounts creates the demo county's accounts — admin, planner, gis,
// leader-<town code> for each team leader, member-<member code> for each
// member — with passwords from DemoPassword. Accounts that exist are left as
// they are (their printed password is the derived one, which holds unless
// someone changed it).
func (s *Service) DemoAccounts(ctx context.Context, ds DemoStore, seed uint64) ([]DemoAccount, error) {
	towns, members, err := ds.DemoPeople(ctx)
	if err != nil {
		return nil, fmt.Errorf("list demo people: %w", err)
	}
	want := []DemoAccount{
		{Username: "admin", Role: RoleGrant{Role: lianxin.RoleAdmin}},
		{Username: "planner", Role: RoleGrant{Role: lianxin.RolePlanner}},
		{Username: "gis", Role: RoleGrant{Role: lianxin.RoleGIS}},
	}
	for _, t := range towns {
		want = append(want, DemoAccount{Username: "leader-" + t, Role: RoleGrant{Role: lianxin.RoleTeamLeader, Town: t}})
	}
	for _, m := range members {
		want = append(want, DemoAccount{Username: "member-" + m, Role: RoleGrant{Role: lianxin.RoleMember, Member: m}})
	}
	for i := range want {
		a := &want[i]
		a.Password = DemoPassword(seed, a.Username)
		_, err := s.st.UserByName(ctx, a.Username)
		switch {
		case err == nil:
			continue
		case lianxin.ErrorCode(err) != lianxin.ENotFound:
			return nil, err
		}
		if _, err := s.AddUser(ctx, NewUser{Username: a.Username, Password: a.Password, Roles: []RoleGrant{a.Role}}, "demo"); err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		a.Created = true
	}
	return want, nil
}
