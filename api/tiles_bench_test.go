package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb/maptile"

	"lianxin"
	"lianxin/api"
	"lianxin/auth"
	"lianxin/demo/demotest"
	"lianxin/tiles"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks
// time the handler chain, not a recorder's buffer.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkWarmTile times a cached tile through the whole middleware chain
// as `lianxin serve` runs it (bearer token, request log at a disabled level,
// metrics, versions followed in memory), and BenchmarkBareTile the same bytes
// from a bare Echo handler: the ceiling of the tile benchmarks in
// BENCHMARKS.md. Profile with -cpuprofile.
func BenchmarkWarmTile(b *testing.B) {
	srv, req := warmTileServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			srv.ServeHTTP(w, req)
		}
	})
}

// A cached tile is answered from memory through every middleware; what it
// allocates is what the warm tiles' throughput pays in garbage collection
// (64 allocations before the hot path was trimmed, 24 after, two of them
// the declared Content-Length, 18 once the tile route's middleware was
// composed once instead of per request; 7 once a tile request got a
// pooled context of its own holding its caller, the cache a pooled loader,
// and the cached tile its ETag and length as header values; 4 once the
// connection's memo answers for its token, as many as the bare handler).
func TestWarmTileAllocations(t *testing.T) {
	srv, req := warmTileServer(t)
	w := &discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		srv.ServeHTTP(w, req)
	})
	if allocs > maxWarmTileAllocs {
		t.Errorf("a warm tile allocates %.0f times, want at most %d", allocs, maxWarmTileAllocs)
	}
}

const maxWarmTileAllocs = 4

// warmTileServer serves a primed village tile as `lianxin serve` does.
func warmTileServer(tb testing.TB) (*api.Server, *http.Request) {
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	s, _, county := demotest.New(tb)
	svc, err := tiles.New(s, tiles.FromEngine(s), tiles.Options{CacheBytes: 4 << 20})
	if err != nil {
		tb.Fatal(err)
	}
	go svc.Follow(ctx, s)
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	as, err := auth.New(s, auth.Options{Params: cheap, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := as.AddUser(ctx, auth.NewUser{Username: "bench", Password: "bench-password-1",
		Roles: []auth.RoleGrant{{Role: lianxin.RoleGIS}, {Role: auth.GrantHouseholdPoints}}}, "test"); err != nil {
		tb.Fatal(err)
	}
	token, _, err := as.NewToken(ctx, "bench", "bench", 0, "test")
	if err != nil {
		tb.Fatal(err)
	}
	srv := api.NewServer(api.Config{}, api.Deps{Logger: log, Health: s, Tiles: svc, Auth: as})
	mt := maptile.At(county.Households[len(county.Households)/2].Location, 12)
	path := "/tiles/villages/12/" + strconv.FormatUint(uint64(mt.X), 10) + "/" + strconv.FormatUint(uint64(mt.Y), 10) + ".mvt"
	req := httptest.NewRequest(http.MethodGet, path, nil)
	// As on a keep-alive connection of `lianxin serve`: the request's
	// context holds the connection's memo of its token.
	req = req.WithContext(srv.ConnContext(req.Context(), nil))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		tb.Fatalf("GET %s = %d with %d bytes, want 200 with a tile", path, rec.Code, rec.Body.Len())
	}
	for deadline := time.Now().Add(5 * time.Second); !svc.VersionsLive(); {
		if time.Now().After(deadline) {
			tb.Fatal("layer versions never came from memory: is the LISTEN feed up?")
		}
		srv.ServeHTTP(httptest.NewRecorder(), req)
		time.Sleep(10 * time.Millisecond)
	}
	return srv, req
}

func BenchmarkBareTile(b *testing.B) {
	body := make([]byte, 20000)
	e := echo.New()
	e.GET("/tiles/*", func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("ETag", `"0123456789abcdef01234567"`)
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", body)
	})
	req := httptest.NewRequest(http.MethodGet, "/tiles/villages/12/3413/1660.mvt", nil)
	req.Header.Set("Authorization", "Bearer lx_x")
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			e.ServeHTTP(w, req)
		}
	})
}
