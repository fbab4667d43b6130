package store_test

import (
	"context"
	"fmt"
	"testing"

	"lianxin/demo/demotest"
)

// BenchmarkImportChangedAudit measures what naming the changed rows in the
// audit log (import_changed) adds to an import's UPDATE of households:
// 5,000 households changed (a town's register re-sent with new figures:
// the ids only), and a correction of 50 (before and after kept). plain is
// the UPDATE alone; audited adds the RETURNING, the first 100 ids, the
// rows before and after and the audit line. Three rounds each in one run,
// in the order A B B A A B: the rolled-back updates bloat the table, so
// every round is slower than the one before, whichever it measures.
func BenchmarkImportChangedAudit(b *testing.B) {
	st, _, _ := demotest.New(b)
	ctx := context.Background()
	for _, n := range []int{5000, 50} {
		for _, audited := range []bool{true, false, false, true, true, false} {
			name := "plain"
			if audited {
				name = "audited"
			}
			b.Run(fmt.Sprintf("%d/%s", n, name), func(b *testing.B) {
				for b.Loop() {
					changed, err := st.BenchUpdateHouseholds(ctx, audited, n)
					if err != nil {
						b.Fatal(err)
					}
					if changed != int64(n) {
						b.Fatalf("%d rows changed, want %d", changed, n)
					}
				}
			})
		}
	}
}
