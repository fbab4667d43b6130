-- One tile of the contact points layer, in the caller's towns. The member
-- is named by id and role only.
WITH bounds AS (
  SELECT ST_TileEnvelope(@z::int, @x::int, @y::int) AS tile,
         ST_Transform(ST_TileEnvelope(@z::int, @x::int, @y::int, margin => @margin::float8), 4326) AS sel
), r AS (
  SELECT ST_AsMVTGeom(ST_Transform(c.location, 3857), b.tile, 4096, 64, true) AS geom,
         c.id AS fid, c.id, c.code, c.member_id, m.role AS member_role, c.village_id, c.town_id,
         to_char(c.established_on, 'YYYY-MM-DD') AS established_on, c.cards_issued
  FROM contact_points c CROSS JOIN bounds b
  JOIN members m ON m.id = c.member_id
  WHERE c.location && b.sel
    AND (@all_towns::bool OR c.town_id = ANY (@towns::int[]))
    AND (@town_id::int IS NULL OR c.town_id = @town_id::int)
)
SELECT coalesce(ST_AsMVT(r, 'contact_points', 4096, 'geom', 'fid'), '') FROM r WHERE geom IS NOT NULL
