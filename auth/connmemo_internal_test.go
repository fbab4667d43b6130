package auth

import (
	"testing"
	"time"
)

func TestConnMemoRecall(t *testing.T) {
	const token = "lx_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	now := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	var m ConnMemo
	if _, ok := m.recall(token, 0, now); ok {
		t.Fatal("an empty memo recalled a token")
	}
	m.keep(token, User{Username: "planner"}, 3, now.Add(10*time.Second))
	cases := []struct {
		name  string
		token string
		gen   uint64
		at    time.Time
		want  bool
	}{
		{"the same token, drop count and time within the entry's life", token, 3, now.Add(9 * time.Second), true},
		{"another token of the same length", token[:len(token)-1] + "B", 3, now, false},
		{"a prefix of the token", token[:len(token)-1], 3, now, false},
		{"after a drop from the caller cache", token, 4, now, false},
		{"at the cache entry's expiry", token, 3, now.Add(10 * time.Second), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, ok := m.recall(tc.token, tc.gen, tc.at)
			if ok != tc.want {
				t.Fatalf("recall = %v, want %v", ok, tc.want)
			}
			if ok && u.Username != "planner" {
				t.Fatalf("recalled user %q, want planner", u.Username)
			}
		})
	}
	// Another token replaces the first: one connection, one memo.
	other := "lx_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	m.keep(other, User{Username: "admin"}, 3, now.Add(10*time.Second))
	if _, ok := m.recall(token, 3, now); ok {
		t.Fatal("the memo still answers for the token it replaced")
	}
	if u, ok := m.recall(other, 3, now); !ok || u.Username != "admin" {
		t.Fatalf("recall of the new token = %q, %v; want admin, true", u.Username, ok)
	}
}

func TestSameToken(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"lx_abc", "lx_abc", true},
		{"lx_abc", "lx_abd", false},
		{"lx_abc", "lx_ab", false},
		{"", "", true},
		{"", "x", false},
	} {
		if got := sameToken(tc.a, tc.b); got != tc.want {
			t.Errorf("sameToken(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
