package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// layerChannel is the channel bump_layer_version (migration 011) notifies
// with the changed table's name.
const layerChannel = "lianxin_layers"

// writeHook is called after every committed read-write transaction of this
// process (see inScope), so a cache of layer versions learns of the
// process's own writes before the writer's caller does.
type writeHook = func()

// ListenLayers keeps one connection (outside the pool) LISTENing on
// lianxin_layers until ctx ends. It calls up(true) once the LISTEN is in
// place — every commit after that call is heard — and up(false) as soon as
// the connection is lost, then reconnects with a growing pause (at most 5 s).
// changed is called for every notification and, synchronously, right after
// each read-write transaction this store commits. Only one listener per
// Store: a second call replaces the first's write hook.
func (s *Store) ListenLayers(ctx context.Context, up func(bool), changed func()) {
	s.onWrite.Store(&changed)
	defer s.onWrite.Store(nil)
	pause := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, up, changed)
		up(false)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("layer version listener lost its connection; tiles read versions per request until it is back",
			"error", err, "retry_in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

func (s *Store) listenOnce(ctx context.Context, up func(bool), changed func()) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "lianxin-listen"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{layerChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	up(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("wait for notification: %w", err)
		}
		changed()
	}
}

// noteWrite runs the write hook, if a listener set one.
func (s *Store) noteWrite() {
	if f := s.onWrite.Load(); f != nil {
		(*f)()
	}
}
