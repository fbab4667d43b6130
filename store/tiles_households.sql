-- One tile of the households layer at its detail zooms. Only columns of the
-- spatial households row and counts of visits: household_personal (names,
-- phones, ID numbers) is never named here. Detail rows are limited to the
-- caller's towns. Rows are found through the btree on cell, over the ranges
-- of point cells covering the tile (@cell_lo, @cell_hi, from Go): under
-- row-level security the GiST index cannot be used (store/tiles.go).
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(h.location, 3857), b.tile, 4096, 64, true) AS geom,
         h.id AS fid, h.id, h.village_id, h.town_id, h.residents,
         coalesce(vi.visits, 0) AS visits, vi.last_visit,
         h.poor, h.seriously_ill, h.disabled, h.empty_nest, h.left_behind_children,
         h.community_correction, h.petition_case
  FROM bounds b
  CROSS JOIN unnest(@cell_lo::int8[], @cell_hi::int8[]) AS c(lo, hi)
  -- OFFSET 0 keeps one index scan per range (a join on the ranges is
  -- estimated as a scan of the whole table).
  CROSS JOIN LATERAL (SELECT * FROM households x WHERE x.cell BETWEEN c.lo AND c.hi OFFSET 0) h
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS visits,
           to_char(max(v.occurred_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS last_visit
    FROM visits v
    WHERE v.household_id = h.id
      AND v.occurred_at >= coalesce(@from::timestamptz, '-infinity')
      AND v.occurred_at < coalesce(@to::timestamptz, 'infinity')
  ) vi ON true
  WHERE h.location && b.sel
    AND (@all_towns::bool OR h.town_id = ANY (@towns::int[]))
    AND (@town_id::int IS NULL OR h.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'households', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
