package store_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"lianxin/auth"
	"lianxin/store"
	"lianxin/store/storetest"
)

// A session or token lookup whose pooled connection was terminated since
// its last use runs once more on a fresh connection: signed-in requests do
// not fail because the database restarted or an operator killed backends.
func TestAuthLookupsSurviveTerminatedBackends(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		lookup func(s *store.Store, hash []byte) (string, error)
	}{
		{"session", func(s *store.Store, hash []byte) (string, error) {
			u, _, err := s.SessionUser(ctx, hash)
			return u.Username, err
		}},
		{"api token", func(s *store.Store, hash []byte) (string, error) {
			u, err := s.TokenUser(ctx, hash)
			return u.Username, err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A store of its own per case: after a lost connection the
			// store pings every connection it hands out for a few seconds,
			// which would hide a missing retry in the next case.
			s, dbURL := storetest.New(t)
			u, err := s.CreateUser(ctx, "retry-"+strings.ReplaceAll(tc.name, " ", "-"), "not-a-hash", "test")
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			hash := sha256.Sum256([]byte(tc.name))
			if err := s.CreateSession(ctx, auth.Session{TokenHash: hash[:], UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateToken(ctx, auth.Token{TokenHash: hash[:], UserID: u.ID, Name: "retry", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if got, err := tc.lookup(s, hash[:]); err != nil || got != u.Username {
				t.Fatalf("lookup before the kill: %q, %v; want %q", got, err, u.Username)
			}
			killed := terminateServerBackends(t, ctx, dbURL, 0)
			// Right after the kill the pooled connection is idle well under
			// the second after which the pool pings it, so the lookup
			// meets the dead socket and must retry.
			if got, err := tc.lookup(s, hash[:]); err != nil || got != u.Username {
				t.Fatalf("lookup after terminating %d backends: %q, %v; want %q", killed, got, err, u.Username)
			}
		})
	}
}
