package tiles

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"lianxin"
)

// CampaignTable is the layer_versions row of the campaign, whose first day
// starts every open window.
const CampaignTable = "campaign"

// campaignStart is the campaign's first day as read at a version of the
// campaign row.
type campaignStart struct {
	version int64
	start   time.Time
}

// campaignStart returns the campaign's first day, read from the database
// only when the campaign's version differs from the one last read. The
// version comes first, so a change racing with the read leaves an answer
// newer than its version, never older: the next version reads it again.
func (s *Service) campaignStart(ctx context.Context, scope lianxin.Scope, v Versions) (time.Time, error) {
	ver := v[CampaignTable]
	if c := s.startsOn.Load(); c != nil && c.version == ver {
		return c.start, nil
	}
	start, err := s.src.CampaignStartsOn(ctx, scope)
	if err != nil {
		return time.Time{}, err
	}
	s.startsOn.Store(&campaignStart{version: ver, start: start})
	return start, nil
}

// figureMemoSize bounds the memo: a few windows × towns × scopes at a time;
// at 349 villages an entry is about 20 KB.
const figureMemoSize = 64

// figureMemo keeps the villages layer's coverage figures by window, town,
// scope and the versions of the layer's tables. Every villages tile of one
// window needs the same figures: without the memo each cold tile asks the
// coverage engine again, a transaction to check its own cache's versions.
// The versions are those the tile's key was made of (read before the
// figures), so a memoised answer is never older than the key it serves.
// Concurrent misses of one key share one computation (at scale 10 it takes
// 0.4 s, and a cold map asks for a dozen tiles at once).
type figureMemo = sharedMemo[[]VillageFigures]

// sharedMemo keeps answers by key, at most size of them (0: figureMemoSize);
// concurrent misses of one key share one computation. Its keys name the data
// versions an answer was computed from, so no entry is ever stale: entries
// of older versions are simply never asked for again.
type sharedMemo[T any] struct {
	size     int
	mu       sync.Mutex
	entries  map[string]T
	inflight map[string]*memoCall[T]
}

type memoCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// get returns the answer of key, computing it with compute unless it is
// memoised or already being computed. compute runs detached from the
// caller's cancellation (other requests may be waiting on it) under a
// deadline of its own, timeout.
func (m *sharedMemo[T]) get(ctx context.Context, key string, timeout time.Duration, compute func(context.Context) (T, error)) (T, error) {
	m.mu.Lock()
	if f, ok := m.entries[key]; ok {
		m.mu.Unlock()
		return f, nil
	}
	call, running := m.inflight[key]
	if !running {
		call = &memoCall[T]{done: make(chan struct{})}
		if m.inflight == nil {
			m.inflight = map[string]*memoCall[T]{}
		}
		m.inflight[key] = call
	}
	m.mu.Unlock()
	if !running {
		go func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			defer cancel()
			call.val, call.err = compute(cctx)
			m.mu.Lock()
			delete(m.inflight, key)
			if call.err == nil {
				size := m.size
				if size <= 0 {
					size = figureMemoSize
				}
				if m.entries == nil || len(m.entries) >= size {
					// Entries of older versions are never asked for again;
					// dropping everything at the bound is simpler than
					// tracking age and costs one recomputation per live key.
					m.entries = make(map[string]T, size)
				}
				m.entries[key] = call.val
			}
			m.mu.Unlock()
			close(call.done)
		}()
	}
	select {
	case <-call.done:
		return call.val, call.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// villageFigures returns the coverage engine's figures for the villages
// layer l in filter f (its window resolved), with each village's box,
// memoised by f, scope and the versions v of l's tables (villages among
// them, so the boxes follow the outlines). The figures are shared: callers
// only read them.
func (s *Service) villageFigures(ctx context.Context, scope lianxin.Scope, l *Layer, f Filter, v Versions) ([]VillageFigures, error) {
	b := f.appendWindowKey(make([]byte, 0, 128), nil)
	b = append(b, '|')
	b = append(b, f.TownCode...)
	for _, t := range l.Tables {
		b = append(b, ':')
		b = append(b, t...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v[t], 10)
	}
	b = append(b, '|')
	b = appendScopeKey(b, scope)
	return s.figures.get(ctx, string(b), s.buildTimeout, func(ctx context.Context) ([]VillageFigures, error) {
		figs, err := s.cov.VillageFigures(ctx, scope, f)
		if err != nil {
			return nil, err
		}
		bounds, err := s.src.VillageBounds(ctx, scope)
		if err != nil {
			return nil, err
		}
		return WithBounds(figs, bounds), nil
	})
}

// Tiles are compressed with klauspost/compress's gzip: at the default level
// it took a quarter of the standard library's time on hexagon tiles (1.3 ms
// instead of 5.0 ms for a 124 KB z10 tile) for 4% more bytes, and a cold
// tile pays it on every build. Writers and readers hold about 800 KB and
// 40 KB of state; made anew for each tile, allocating and clearing them cost
// more than compressing a typical 10 KB tile, so they are pooled.
var (
	gzipWriters sync.Pool // *gzip.Writer
	gzipReaders sync.Pool // *gzip.Reader
)

// tileGzipLevel is klauspost's level 4, one below its default: on the
// bench's tiles (2026-11-28) it wrote 0.7% more bytes than the default for
// the scale-1 villages tiles, 1.2% for the scale-10 ones and 2.0% for z11-z12
// hexagons, in 17%, 30% and 25% less time (a scale-10 villages tile: 0.50 ms
// → 0.35 ms). Level 2 would save as much again for ten times the bytes, on
// every download over the towns' slow links: not taken.
const tileGzipLevel = 4

// gzipBytes compresses raw at tileGzipLevel.
func gzipBytes(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	zw, _ := gzipWriters.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(&buf, tileGzipLevel) // a valid level: no error
	} else {
		zw.Reset(&buf)
	}
	defer gzipWriters.Put(zw)
	if _, err := zw.Write(raw); err != nil {
		return nil, fmt.Errorf("gzip tile: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip tile: %w", err)
	}
	return buf.Bytes(), nil
}

// gunzipBytes decompresses gz, rawLen bytes long uncompressed.
func gunzipBytes(gz []byte, rawLen int) ([]byte, error) {
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(gz))
	} else {
		err = zr.Reset(bytes.NewReader(gz))
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(zr)
	out := bytes.NewBuffer(make([]byte, 0, rawLen))
	if _, err := io.Copy(out, zr); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
