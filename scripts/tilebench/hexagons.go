package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/wkb"

	"lianxin"
	"lianxin/coverage"
	"lianxin/geo"
	"lianxin/store"
	"lianxin/tiles"
)

// hexSQL builds the hexagon layer in PostGIS from the same cells: outlines
// from h3-go passed in as WKB (PostgreSQL here has no H3 extension), then
// ST_AsMVTGeom and ST_AsMVT as for every other layer.
const hexSQL = `
WITH c AS (
  SELECT * FROM unnest($4::bytea[], $5::bigint[], $6::bigint[], $7::bigint[]) AS c(wkb, cell, households, residents)
)
SELECT coalesce(ST_AsMVT(r, 'h3', 4096, 'geom', 'fid'), '') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(ST_GeomFromWKB(c.wkb, 4326), 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom,
         c.cell AS fid, to_hex(c.cell) AS cell, c.households, c.residents
  FROM c
) r WHERE geom IS NOT NULL`

// hexagons times, per hexagon path, the engine's cells query and the two
// ways of turning the cells into a tile, and prints one Markdown row each.
func hexagons(ctx context.Context, db string, reqs []tileReq, d time.Duration) error {
	st, err := store.Open(ctx, db, store.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer st.Close()
	pool, err := pgxpool.New(ctx, db)
	if err != nil {
		return err
	}
	defer pool.Close()
	w := coverage.DefaultWindow(time.Date(2026, 3, 1, 0, 0, 0, 0, coverage.Zone), time.Now())
	for _, r := range reqs {
		if r.layers[0].Name != tiles.H3 {
			continue
		}
		res := tiles.HexResolution(int(r.tile.Z))
		t0 := time.Now()
		aggs, err := st.CellAggregates(ctx, lianxin.SystemScope(), res, w, tiles.HexBound(r.tile), "")
		if err != nil {
			return err
		}
		query := time.Since(t0)
		cells := make([]tiles.Cell, len(aggs))
		for i, a := range aggs {
			cells[i] = tiles.Cell{ID: a.Cell, Households: a.Households, Residents: a.Residents}
		}
		goPer, goBytes, err := timeIt(d/4, func() (int, error) {
			b, err := tiles.EncodeHexLayer(r.tile, cells)
			return len(b), err
		})
		if err != nil {
			return err
		}
		sqlPer, sqlBytes, err := timeIt(d/4, func() (int, error) {
			wkbs := make([][]byte, len(cells))
			ids, hh, rs := make([]int64, len(cells)), make([]int64, len(cells)), make([]int64, len(cells))
			for i, c := range cells {
				poly, err := geo.CellBoundary(c.ID)
				if err != nil {
					return 0, err
				}
				if wkbs[i], err = wkb.Marshal(poly); err != nil {
					return 0, err
				}
				ids[i], hh[i], rs[i] = c.ID, c.Households, c.Residents
			}
			var b []byte
			err := pool.QueryRow(ctx, hexSQL, int(r.tile.Z), int(r.tile.X), int(r.tile.Y), wkbs, ids, hh, rs).Scan(&b)
			return len(b), err
		})
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d | %d | %.1f | %.2f (%d B) | %.2f (%d B) |\n", r.tile, res, len(cells), ms(query), ms(goPer), goBytes, ms(sqlPer), sqlBytes)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func timeIt(budget time.Duration, f func() (int, error)) (time.Duration, int, error) {
	var n, size int
	t0 := time.Now()
	for time.Since(t0) < budget || n == 0 {
		s, err := f()
		if err != nil {
			return 0, 0, err
		}
		size = s
		n++
	}
	return time.Since(t0) / time.Duration(n), size, nil
}
