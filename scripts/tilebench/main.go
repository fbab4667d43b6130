// Command tilebench measures the two baselines of the tile benchmarks
// (scripts/bench.d/50-tiles.sh) and compares two ways of building hexagon
// tiles:
//
//	tilebench floor -db URL -paths FILE     the bare tile query through pgx, no HTTP, no cache
//	tilebench ceiling -listen ADDR -from URL -paths FILE -token T
//	                                        a bare Echo handler returning each tile's bytes from memory
//	tilebench hexagons -db URL -paths FILE  hexagon tiles encoded in Go (h3-go + orb) vs in PostGIS
//
// It is a benchmark tool, not part of the service, so it talks to pgx and
// Echo directly.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/tiles"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tilebench:", err)
		os.Exit(1)
	}
}

type tileReq struct {
	path   string
	layers []*tiles.Layer
	tile   geo.TileZXY
}

func readPaths(file string) ([]tileReq, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []tileReq
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if p == "" {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(strings.SplitN(p, "?", 2)[0], "/tiles/"), "/")
		if len(parts) != 4 {
			return nil, fmt.Errorf("path %q: want /tiles/{layers}/{z}/{x}/{y}.mvt", p)
		}
		ls, err := tiles.ParseLayers(parts[0])
		if err != nil {
			return nil, err
		}
		z, _ := strconv.Atoi(parts[1])
		x, _ := strconv.Atoi(parts[2])
		y, _ := strconv.Atoi(strings.TrimSuffix(parts[3], ".mvt"))
		out = append(out, tileReq{path: p, layers: ls, tile: geo.TileZXY{Z: uint32(z), X: uint32(x), Y: uint32(y)}})
	}
	return out, sc.Err()
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a mode: floor, ceiling or hexagons")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	db := fs.String("db", "", "database URL")
	pathsFile := fs.String("paths", "", "file of tile paths, one a line")
	conc := fs.Int("c", 8, "concurrent workers")
	dur := fs.Duration("d", 10*time.Second, "how long to run")
	listen := fs.String("listen", "127.0.0.1:18182", "ceiling: listen address")
	from := fs.String("from", "", "ceiling: base URL of the real server to copy tiles from")
	token := fs.String("token", "", "ceiling: bearer token for the real server")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	reqs, err := readPaths(*pathsFile)
	if err != nil {
		return err
	}
	switch args[0] {
	case "floor":
		return floor(ctx, *db, reqs, *conc, *dur)
	case "ceiling":
		return ceiling(*listen, *from, *token, reqs)
	case "hexagons":
		return hexagons(ctx, *db, reqs, *dur)
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

// floor runs the bare tile query of every path, round robin, from c workers
// for d, and prints "tiles/s p50_ms p99_ms errors". It connects as the URL's
// user (the database owner), so row-level security does not apply: a strict
// floor for the server, which runs the same SQL under it.
func floor(ctx context.Context, db string, reqs []tileReq, c int, d time.Duration) error {
	cfg, err := pgxpool.ParseConfig(db)
	if err != nil {
		return err
	}
	// Each query runs as the server runs it (store.LayerTile): after the
	// layer's settings (JIT off, its plan cache mode), in one round trip.
	cfg.MaxConns = int32(c + 2)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.Open(ctx, db, store.Options{MaxConns: int32(c + 2)})
	if err != nil {
		return err
	}
	defer st.Close()
	var startsOn time.Time
	if err := pool.QueryRow(ctx, `SELECT starts_on FROM campaign`).Scan(&startsOn); err != nil {
		return err
	}
	w := coverage.DefaultWindow(time.Date(startsOn.Year(), startsOn.Month(), startsOn.Day(), 0, 0, 0, 0, coverage.Zone), time.Now())
	// The villages query joins the coverage figures of the villages a tile
	// can hold, as the server binds them: computed once here (the server's
	// engine keeps them cached too), chosen and bound for every query.
	figs, err := tiles.FromEngine(st).VillageFigures(ctx, lianxin.SystemScope(), tiles.Filter{From: w.From, To: w.To})
	if err != nil {
		return err
	}
	bounds, err := st.VillageBounds(ctx, lianxin.SystemScope())
	if err != nil {
		return err
	}
	figs = tiles.WithBounds(figs, bounds)
	one := func(ctx context.Context, r tileReq) error {
		for _, l := range r.layers {
			if l.Name == tiles.H3 || l.Clustered(int(r.tile.Z)) {
				cells, err := st.CellAggregates(ctx, lianxin.SystemScope(), tiles.HexResolution(int(r.tile.Z)), w, tiles.HexBound(r.tile), "")
				if err != nil {
					return err
				}
				_ = cells
				continue
			}
			q := tiles.Query{Layer: l, Tile: r.tile, Filter: tiles.Filter{From: w.From, To: w.To}, Margin: float64(tiles.Buffer) / tiles.Extent}
			if l.Name == "villages" {
				q.Villages = tiles.VillagesIn(figs, r.tile, q.Margin)
			}
			args, err := store.TileArgs(lianxin.SystemScope(), q)
			if err != nil {
				return err
			}
			// The statement as the server sends it: positional, its
			// arguments in order.
			sql, pos, err := store.TileStatement(l.Name, args)
			if err != nil {
				return err
			}
			var b []byte
			batch := &pgx.Batch{}
			batch.Queue(store.TileSettingsSQL(l.Name))
			batch.Queue(sql, pos...).QueryRow(func(row pgx.Row) error { return row.Scan(&b) })
			if err := pool.SendBatch(ctx, batch).Close(); err != nil {
				return fmt.Errorf("%s: %w", r.path, err)
			}
		}
		return nil
	}
	// One untimed pass, as the cold run has (50-tiles.sh): the pool's
	// connections and their prepared statements are made once, not per tile.
	for _, r := range reqs {
		if err := one(ctx, r); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	lat, n, errs := hammer(ctx, reqs, c, d, one)
	fmt.Printf("%.0f %.2f %.2f %d\n", float64(n)/d.Seconds(), pct(lat, 50), pct(lat, 99), errs)
	return nil
}

// hammer runs one over reqs from c workers for d; failed calls (a
// statement timeout, say) are counted, not timed. Worker k asks for reqs
// k, k+c, k+2c, ... round the list, as each wrk thread of the cold run
// does (50-tiles.sh's rotate.lua): a shared counter would let the faster
// side reach further into the list and time other tiles.
func hammer(ctx context.Context, reqs []tileReq, c int, d time.Duration, one func(context.Context, tileReq) error) ([]time.Duration, int64, int64) {
	var errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for k := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := k; time.Now().Before(deadline); i += c {
				r := reqs[i%len(reqs)]
				t0 := time.Now()
				if err := one(ctx, r); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, int64(len(all)), errs.Load()
}

func pct(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return float64(lat[int(float64(len(lat)-1)*p/100)].Microseconds()) / 1000
}

// ceiling copies every tile (gzipped, with its headers) from the real
// server and serves the bytes from memory through a bare Echo handler.
func ceiling(listen, from, token string, reqs []tileReq) error {
	type resp struct {
		body []byte
		etag string
	}
	mem := map[string]resp{}
	for _, r := range reqs {
		req, _ := http.NewRequest(http.MethodGet, from+r.path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("%s: %d %s", r.path, res.StatusCode, b)
		}
		mem[strings.SplitN(r.path, "?", 2)[0]] = resp{b, res.Header.Get("ETag")}
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/tiles/*", func(c echo.Context) error {
		r, ok := mem[c.Request().URL.Path]
		if !ok {
			return c.NoContent(http.StatusNotFound)
		}
		h := c.Response().Header()
		h.Set("ETag", r.etag)
		h.Set("Cache-Control", "private, no-cache")
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, "application/vnd.mapbox-vector-tile", r.body)
	})
	fmt.Fprintln(os.Stderr, "ceiling: serving", len(mem), "tiles on", listen)
	return e.Start(listen)
}
