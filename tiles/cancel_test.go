package tiles_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lianxin"
	"lianxin/demo/demotest"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// A request that goes away cancels its tile's query: the query, stuck
// behind a lock another session holds, is gone from the server as soon as
// the request's context ends, with the lock still held. The failure is not
// cached: once the lock is released the same tile is built.
func TestCancelledTileCancelsItsQuery(t *testing.T) {
	s, url, county := demotest.New(t)
	svc := newService(t, s)
	ctx := context.Background()
	locker, watcher := storetest.Connect(t, url), storetest.Connect(t, url)
	lock, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `LOCK TABLE contact_points IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	ls, _ := tiles.ParseLayers("contact_points")
	req := tiles.Request{Layers: ls, Tile: tileAt(county.Households[len(county.Households)/2].Location, 10)}
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := svc.Tile(reqCtx, lianxin.SystemScope(), req, "")
		done <- err
	}()

	const waiting = `SELECT count(*) FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%contact_points%'`
	waitFor := func(what string, want int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var n int
			if err := watcher.QueryRow(ctx, waiting).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d tile queries wait on the lock after 20 s, want %d", what, n, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("tile requested", 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("tile %s cancelled while its query waits: err %v, want context.Canceled", req.Tile, err)
	}
	waitFor("request cancelled, lock still held", 0)

	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.Tile(ctx, lianxin.SystemScope(), req, "")
	if err != nil || len(got.Gzip) == 0 {
		t.Fatalf("tile %s after the lock is released: %d bytes, err %v; want the tile", req.Tile, len(got.Gzip), err)
	}
}
