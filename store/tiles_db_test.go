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
		killed := terminateServerBackends(t, ctx, dbURL, round)
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
