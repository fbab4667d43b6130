package tiles

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent misses of one key share one computation; a waiter that goes
// away does not cancel it for the others; a failure is not memoised.
func TestFigureMemo(t *testing.T) {
	var m figureMemo
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(ctx context.Context) ([]VillageFigures, error) {
		calls.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return []VillageFigures{{VillageID: 7}}, nil
	}
	gone, leave := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() { // the first caller starts the computation, then leaves
		_, err := m.get(gone, "k", time.Minute, compute)
		firstErr <- err
	}()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	got := make([][]VillageFigures, 8)
	errs := make([]error, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = m.get(context.Background(), "k", time.Minute, compute)
		}()
	}
	leave()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Errorf("the caller that left got %v, want context.Canceled", err)
	}
	time.Sleep(10 * time.Millisecond) // the waiters are queued on the call
	close(release)
	wg.Wait()
	for i := range got {
		if errs[i] != nil || len(got[i]) != 1 || got[i][0].VillageID != 7 {
			t.Errorf("waiter %d got %v, %v; want village 7", i, got[i], errs[i])
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("computed %d times for one key, want once", n)
	}
	if _, err := m.get(context.Background(), "k", time.Minute, compute); err != nil || calls.Load() != 1 {
		t.Errorf("memoised key: err %v after %d computations, want none and 1", err, calls.Load())
	}

	boom := errors.New("boom")
	fail := func(context.Context) ([]VillageFigures, error) { calls.Add(1); return nil, boom }
	for range 2 {
		if _, err := m.get(context.Background(), "bad", time.Minute, fail); !errors.Is(err, boom) {
			t.Errorf("failing key: err %v, want boom", err)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("a failure was memoised: %d computations, want 3", n)
	}
}
