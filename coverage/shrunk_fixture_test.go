package coverage_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
	"lianxin/store/storetest"
)

// shrunkCounty is a demo county with one village of each town cut down to
// three households over the campaign's whole weeks to 2026-09-27 (w), so
// that a role without household access finds it suppressed, and its
// reports as of 2026-11-27: the privacy tests look for what the cut-down
// villages (small, by town code) hold in every answer.
type shrunkCounty struct {
	s       *store.Store
	conn    *pgx.Conn
	w       coverage.Window
	small   map[string]string
	reports *coverage.Reports
}

func newShrunkCounty(t *testing.T) shrunkCounty {
	t.Helper()
	s, url, _ := demotest.New(t)
	conn := storetest.Connect(t, url)
	w := coverage.Window{From: day("2026-03-01"), To: day("2026-09-27")}
	small := demotest.ShrinkOneVillagePerTown(t, conn, w.From, w.To)
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	return shrunkCounty{s: s, conn: conn, w: w, small: small, reports: reports}
}
