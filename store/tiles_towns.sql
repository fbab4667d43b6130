-- One tile of the towns layer (tiles.Layer "towns"): the pg_tileserv
-- function-layer pattern. The tile's envelope is built in web mercator for
-- ST_AsMVTGeom and transformed to the table's SRID (4326), widened by the
-- MVT buffer, for the && test that uses the GiST index.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(t.boundary, 3857), b.tile, 4096, 64, true) AS geom,
         t.id AS fid, t.id, t.code, t.name, t.kind
  FROM towns t CROSS JOIN bounds b
  WHERE t.boundary && b.sel
    AND (@town_id::int IS NULL OR t.id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'towns', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
