-- One tile of the villages layer: outlines with the coverage engine's
-- figures for the window. The service names the villages the tile can show
-- (tiles.VillagesIn: those whose box meets the tile and its buffer) with
-- their figures, as arrays in step, -1 in a count and NaN in coverage where
-- the tile leaves a figure out (store.addVillageFigures), NULL here; reached
-- goes with visited. This query draws them, joined by primary key (an index
-- PostgreSQL uses under row-level security, unlike the outlines' GiST). A
-- village whose outline misses the tile's buffer clips to nothing and is
-- left out.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile
), cov AS (
  SELECT village_id, nullif(visited, -1) AS visited_residents, nullif(coverage, 'NaN') AS coverage,
         CASE WHEN visited <> -1 THEN reached END AS reached, nullif(needed, -1) AS residents_needed,
         nullif(special, -1) AS special_waiting, nullif(special_households, -1) AS special_waiting_households
  FROM unnest(@cov_village::int[], @cov_visited::bigint[], @cov_coverage::float8[], @cov_reached::bool[],
              @cov_needed::bigint[], @cov_special::bigint[], @cov_special_households::bigint[])
       AS c(village_id, visited, coverage, reached, needed, special, special_households)
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(v.boundary, 3857), b.tile, 4096, 64, true) AS geom,
         v.id AS fid, v.id, v.code, v.name, v.town_id, v.kind, v.resident_population, v.registered_households,
         v.rural, v.petition_case,
         c.visited_residents, c.coverage, c.reached, c.residents_needed, c.special_waiting,
         c.special_waiting_households
  FROM cov c JOIN villages v ON v.id = c.village_id CROSS JOIN bounds b
  WHERE (@town_id::int IS NULL OR v.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'villages', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
