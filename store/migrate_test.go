package store_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"lianxin/geo"
	"lianxin/store"
	"lianxin/store/storetest"
)

func TestMigrateFromEmpty(t *testing.T) {
	ctx := context.Background()
	s, _ := storetest.New(t)
	want, err := store.LatestVersion()
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || want < 3 {
		t.Fatalf("schema version = %d, want %d (and at least 3)", got, want)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("Ready on a migrated database: %v", err)
	}
	// Migrating again changes nothing.
	again, err := s.Migrate(ctx)
	if err != nil || again != want {
		t.Fatalf("second Migrate = %d, %v; want %d, nil", again, err, want)
	}
	counts, err := s.TableCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts {
		if n != 0 {
			t.Errorf("fresh database: %s has %d rows, want 0", table, n)
		}
	}
}

func TestReadyFailsOnUnmigratedDatabase(t *testing.T) {
	ctx := context.Background()
	s, dbURL := storetest.New(t)
	if _, err := exec(ctx, dbURL, `UPDATE schema_version SET version = version - 1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err == nil {
		t.Fatal("Ready with an old schema version = nil, want an error")
	}
}

// The SQL h3_parent must agree with h3-go for every resolution we aggregate at.
func TestH3ParentSQLMatchesH3Go(t *testing.T) {
	ctx := context.Background()
	_, dbURL := storetest.New(t)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 50; i++ {
		p := [2]float64{119.9 + rng.Float64()*0.45, 31.95 + rng.Float64()*0.45}
		cell, err := geo.CellIDOf(p, geo.FineResolution)
		if err != nil {
			t.Fatal(err)
		}
		for res := 6; res <= 10; res++ {
			want, err := geo.ParentCell(cell, res)
			if err != nil {
				t.Fatal(err)
			}
			var got int64
			if err := queryRow(ctx, dbURL, `SELECT h3_parent($1, $2)`, []any{cell, res}, &got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("h3_parent(%x, %d) = %x, want %x", cell, res, got, want)
			}
		}
	}
}
