-- One tile of the villages layer: outlines with the coverage engine's
-- figures for the window, passed in as arrays by village id (the engine
-- computes them from its precomputed aggregates; this query only joins).
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), cov AS (
  SELECT * FROM unnest(@cov_village::int[], @cov_visited::bigint[], @cov_coverage::float8[], @cov_reached::bool[],
                       @cov_needed::bigint[], @cov_special::bigint[])
         AS c(village_id, visited_residents, coverage, reached, residents_needed, special_waiting)
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(v.boundary, 3857), b.tile, 4096, 64, true) AS geom,
         v.id AS fid, v.id, v.code, v.name, v.town_id, v.kind, v.resident_population, v.registered_households,
         v.rural, v.petition_case,
         c.visited_residents, c.coverage, c.reached, c.residents_needed, c.special_waiting
  FROM villages v CROSS JOIN bounds b
  LEFT JOIN cov c ON c.village_id = v.id
  WHERE v.boundary && b.sel
    AND (@town_id::int IS NULL OR v.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'villages', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
