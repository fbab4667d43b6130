package tiles

import (
	"testing"
	"time"
)

// A tile's window is resolved as the reports resolve theirs: open ends
// take the campaign's start and the end of today, and a from before the
// campaign's start is clamped to it, so such a tile is the same tile (and
// the same cache entry) as the campaign's own window.
func TestResolveWindowClampsToCampaign(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, cst)
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, cst)
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, cst) }
	for _, tc := range []struct {
		name             string
		from, to         time.Time
		wantFrom, wantTo time.Time
	}{
		{"open", time.Time{}, time.Time{}, day(3, 1), day(11, 28)},
		{"before the campaign", time.Date(2025, 1, 1, 0, 0, 0, 0, cst), day(4, 1), day(3, 1), day(4, 1)},
		{"inside", day(5, 4), day(5, 11), day(5, 4), day(5, 11)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Filter{From: tc.from, To: tc.to}.resolveWindow(func() (time.Time, error) { return start, nil }, now)
			if err != nil {
				t.Fatalf("resolveWindow(%v, %v): %v", tc.from, tc.to, err)
			}
			if !f.From.Equal(tc.wantFrom) || !f.To.Equal(tc.wantTo) {
				t.Errorf("resolveWindow(%v, %v) = [%v, %v), want [%v, %v)", tc.from, tc.to, f.From, f.To, tc.wantFrom, tc.wantTo)
			}
		})
	}
}
