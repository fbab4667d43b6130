-- One tile of the river works and roads layer, in the caller's towns.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(w.geom, 3857), b.tile, 4096, 64, true) AS geom,
         w.id AS fid, w.id, w.code, w.name, w.kind, w.status, w.town_id, w.length_metres,
         to_char(w.completed_on, 'YYYY-MM-DD') AS completed_on
  FROM river_works w CROSS JOIN bounds b
  WHERE w.geom && b.sel
    AND (@all_towns::bool OR w.town_id = ANY (@towns::int[]))
    AND (@town_id::int IS NULL OR w.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'river_works', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
