package store

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestBreakerFailsFastThenProbes(t *testing.T) {
	b := &breaker{probeEvery: 500 * time.Millisecond}
	t0 := time.Unix(1000, 0)
	steps := []struct {
		name      string
		at        time.Duration
		outcome   error // recorded after the call when allowed
		wantAllow bool
	}{
		{"healthy", 0, nil, true},
		{"connect fails", 10 * time.Millisecond, &pgconn.ConnectError{}, true},
		{"fails fast right after", 20 * time.Millisecond, nil, false},
		{"still fast before the probe interval", 400 * time.Millisecond, nil, false},
		{"probe let through", 520 * time.Millisecond, &pgconn.ConnectError{}, true},
		{"fast again", 600 * time.Millisecond, nil, false},
		{"next probe succeeds", 1100 * time.Millisecond, nil, true},
		{"healthy again", 1110 * time.Millisecond, nil, true},
		{"a query error does not trip it", 1120 * time.Millisecond, errors.New("syntax error"), true},
		{"still healthy", 1130 * time.Millisecond, nil, true},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		got := b.allow(now)
		if got != s.wantAllow {
			t.Fatalf("%s: allow at +%s = %v, want %v", s.name, s.at, got, s.wantAllow)
		}
		if got {
			b.record(s.outcome, now)
		}
	}
}
