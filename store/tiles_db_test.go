package store_test

import (
	"context"
	"slices"
	"testing"

	"lianxin"
	"lianxin/store/storetest"
)

// The layer versions are read outside a scoped transaction (the one query
// of a warm tile), so they need the retry of their own: after every backend
// of the pool is terminated, the next reads still answer.
func TestLayerVersionsSurviveTerminatedBackends(t *testing.T) {
	ctx := context.Background()
	s, dbURL := storetest.New(t)
	for round := 0; round < 3; round++ {
		for i := 0; i < 4; i++ { // idle connections to kill
			if _, err := s.LayerVersions(ctx, lianxin.SystemScope()); err != nil {
				t.Fatalf("round %d: warm-up LayerVersions: %v", round, err)
			}
		}
		var killed int
		if err := queryRow(ctx, dbURL, `
			SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'lianxin') k`,
			nil, &killed); err != nil {
			t.Fatal(err)
		}
		if killed == 0 {
			t.Fatalf("round %d: no backend was terminated: the test proves nothing", round)
		}
		for i := 0; i < 4; i++ {
			v, err := s.LayerVersions(ctx, lianxin.SystemScope())
			if err != nil {
				t.Fatalf("round %d: LayerVersions %d after terminating %d backends: got %v, want the versions", round, i, killed, err)
			}
			if _, ok := v["households"]; !ok {
				t.Fatalf("round %d: LayerVersions = %v, want a households entry", round, v)
			}
		}
	}
}

// The hexagon tiles' cell query must be planned for each call's arguments:
// the generic plan PL/pgSQL switches to after five calls took 4.3 s instead
// of 16 ms for one tile (migration 012).
func TestCellSumsPlannedPerCall(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	var config []string
	if err := queryRow(ctx, dbURL, `SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE proname = 'coverage_cell_sums'`, nil, &config); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(config, "plan_cache_mode=force_custom_plan") {
		t.Errorf("coverage_cell_sums settings = %q, want plan_cache_mode=force_custom_plan among them", config)
	}
}
