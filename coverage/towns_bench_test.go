package coverage_test

import (
	"context"
	"os"
	"testing"
	"time"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/store"
)

// townsPerTown is the morning check built the plain way: one SummaryReport
// per town, one after another, each cut to its row. Towns must give the
// same rows (TestTownsReportSameAsSummaries); the benchmark compares the two.
func townsPerTown(ctx context.Context, r *coverage.Reports, src *store.Store, scope lianxin.Scope, q coverage.Query) ([]coverage.TownRow, coverage.Window, error) {
	var span coverage.Window
	towns, err := src.Towns(ctx, scope)
	if err != nil {
		return nil, span, err
	}
	teams, err := src.Teams(ctx, scope)
	if err != nil {
		return nil, span, err
	}
	teamOf := map[string]coverage.Team{}
	for _, t := range teams {
		if _, ok := teamOf[t.TownCode]; !ok {
			teamOf[t.TownCode] = t
		}
	}
	rows := make([]coverage.TownRow, 0, len(towns))
	for _, t := range towns {
		if q.Town != "" && t.Code != q.Town {
			continue
		}
		s, err := r.SummaryReport(ctx, scope, coverage.Query{Town: t.Code, From: q.From, To: q.To})
		if err != nil {
			return nil, span, err
		}
		rows = append(rows, coverage.TownRowOf(s, t, teamOf[t.Code]))
		sw := s.Window()
		if span.From.IsZero() || sw.From.Before(span.From) {
			span.From = sw.From
		}
		if sw.To.After(span.To) {
			span.To = sw.To
		}
	}
	coverage.SortTownsBehind(rows)
	return rows, span, nil
}

// The morning check (GET /api/v1/reports/towns) warm, as the server runs
// it (row-level security, the coverage cache on), built per town and by
// Towns, for a planner (the privacy rules apply), a team leader (their own
// town exact) and household access. The county is the database
// LIANXIN_BENCH_DATABASE_URL names (read only), else the small test county.
func BenchmarkTownsReport(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("LIANXIN_BENCH_DATABASE_URL")
	if url == "" {
		_, url, _ = demotest.New(b)
	}
	s, err := store.Open(ctx, url, store.Options{Role: store.AppRole})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	towns, err := s.Towns(ctx, lianxin.SystemScope())
	if err != nil || len(towns) == 0 {
		b.Fatalf("towns: %v (%d)", err, len(towns))
	}
	b.ReportMetric(float64(len(towns)), "towns")
	reports := coverage.NewReports(s, func() time.Time { return day("2026-11-27") })
	q := coverage.Query{From: day("2026-03-01"), To: day("2026-05-13")}
	for _, sc := range []struct {
		name  string
		scope lianxin.Scope
	}{
		{"planner", lianxin.Scope{User: "planner", Roles: []lianxin.Role{lianxin.RolePlanner}, AllTowns: true}},
		{"leader", lianxin.Scope{User: "leader", Roles: []lianxin.Role{lianxin.RoleTeamLeader}, Towns: []int32{towns[0].ID}, HouseholdPoints: true}},
		{"household-access", lianxin.SystemScope()},
	} {
		b.Run(sc.name+"/per-town", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := townsPerTown(ctx, reports, s, sc.scope, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(sc.name+"/towns", func(b *testing.B) {
			for b.Loop() {
				if _, _, err := reports.Towns(ctx, sc.scope, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
