package coverage_test

import (
	"context"
	"os"
	"testing"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// The village rules over a whole county without the memo: what the first
// report of a role without household access costs after a write (the
// margins rule runs in every round of ProtectVillages). The county is the
// database LIANXIN_BENCH_DATABASE_URL names, else the small test county.
func BenchmarkProtectVillages(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("LIANXIN_BENCH_DATABASE_URL")
	if url == "" {
		_, url, _ = demotest.New(b)
	}
	s, err := store.Open(ctx, url, store.Options{MaxConns: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	all, err := s.VillageCoverage(ctx, lianxin.SystemScope(), w, coverage.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(all)), "villages")
	for b.Loop() {
		coverage.ProtectVillages(all)
	}
}
