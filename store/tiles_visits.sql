-- One tile of the visits layer at its detail zooms: located diary entries
-- of the window, in the caller's towns. Notes are free text that may name
-- people, so they never go into a tile. Rows are found through the btree
-- on cell over the ranges of point cells covering the tile, as in
-- tiles_households.sql.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(v.location, 3857), b.tile, 4096, 64, true) AS geom,
         v.id AS fid, v.id, v.kind,
         to_char(v.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS occurred_on,
         v.member_id, v.household_id, v.village_id, v.town_id, v.participants,
         v.problems_collected, v.problems_resolved
  FROM bounds b
  CROSS JOIN unnest(@cell_lo::int8[], @cell_hi::int8[]) AS c(lo, hi)
  CROSS JOIN LATERAL (SELECT * FROM visits x WHERE x.cell BETWEEN c.lo AND c.hi OFFSET 0) v
  WHERE v.location && b.sel
    AND v.occurred_at >= coalesce(@from::timestamptz, '-infinity')
    AND v.occurred_at < coalesce(@to::timestamptz, 'infinity')
    AND (@all_towns::bool OR v.town_id = ANY (@towns::int[]))
    AND (@town_id::int IS NULL OR v.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'visits', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
