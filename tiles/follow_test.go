package tiles_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/coverage"
	"lianxin/demo/demotest"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/tiles"
)

// TestFollowedVersionsNeverStale: with the LISTEN feed up, warm tiles take
// versions from memory, yet a write shows on the next request — this
// process's own writes at once, another connection's once its notification
// arrives — and while the feed is down every request reads the versions.
func TestFollowedVersionsNeverStale(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Follow(ctx, s); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	other, err := store.Open(context.Background(), url, store.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)

	hh := county.Households[len(county.Households)/3]
	tile := tileAt(hh.Location, 13)
	count := func() int {
		l := layerOf(fetch(t, svc, lianxin.SystemScope(), "visits", tile, tiles.Filter{}), "visits")
		if l == nil {
			return 0
		}
		return len(l.Features)
	}
	cell, err := geo.CellIDOf(hh.Location, geo.FineResolution)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	addVisit := func(st *store.Store) {
		t.Helper()
		n++
		err := st.InScope(context.Background(), lianxin.SystemScope(), func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(), `INSERT INTO visits (external_id, member_id, household_id, village_id, town_id, occurred_at, location, cell, kind)
				VALUES ($1, $2, $3, $4, $5, $6, ST_SetSRID(ST_MakePoint($7, $8), 4326), $9, 'household_visit')`,
				fmt.Sprintf("follow-test-%d", n), county.Members[0].ID, hh.ID, hh.VillageID, hh.TownID,
				time.Date(2026, 9, 1, 10, 0, 0, 0, coverage.Zone), hh.Location.Lon(), hh.Location.Lat(), int64(cell))
			return err
		})
		if err != nil {
			t.Fatalf("insert visit: %v", err)
		}
	}
	// waitFor polls cond: the feed connects, and notifications arrive,
	// asynchronously. The wait is bounded and is the only timing here.
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); {
			if time.Now().After(deadline) {
				t.Fatalf("waited 5s for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	before := count()
	waitFor("the feed to connect", func() bool { count(); return svc.VersionsLive() })

	// This process's write: seen by the very next request.
	addVisit(s)
	if got := count(); got != before+1 {
		t.Fatalf("after a visit written by this process: %d visits in tile %s, want %d", got, tile, before+1)
	}
	waitFor("versions back in memory", func() bool { count(); return svc.VersionsLive() })

	// Another connection's write: seen once the notification arrives.
	addVisit(other)
	waitFor("another connection's visit to show", func() bool { return count() == before+2 })

	// The feed down: every request reads the versions, so another
	// connection's write shows on the next request without any wait.
	admin, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed int
	if err := admin.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'lianxin-listen' AND datname = current_database()`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminate the listener: %d terminated, err %v; want 1", killed, err)
	}
	waitFor("the feed to notice it is down", func() bool { count(); return !svc.VersionsLive() })
	addVisit(other)
	if got := count(); got != before+3 {
		t.Fatalf("feed down, after another connection's visit: %d visits, want %d", got, before+3)
	}
}
