-- One tile of the projects layer (points and site outlines), in the
-- caller's towns.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  -- A site smaller than a tile unit collapses to nothing at low zooms
  -- (ST_AsMVTGeom gives NULL): it is drawn as a point instead.
  SELECT coalesce(ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.tile, 4096, 64, true),
                  ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(p.geom), 3857), b.tile, 4096, 64, true)) AS geom,
         p.id AS fid, p.id, p.code, p.name, p.kind, p.status, p.town_id, p.village_id,
         p.investment_yuan, p.dispute
  FROM projects p CROSS JOIN bounds b
  WHERE p.geom && b.sel
    AND (@all_towns::bool OR p.town_id = ANY (@towns::int[]))
    AND (@town_id::int IS NULL OR p.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'projects', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
