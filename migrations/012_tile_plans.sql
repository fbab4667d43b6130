-- Hexagon tiles (coverage_cell_sums, 009) got slow two ways; both are fixed
-- here without changing what the function returns.
--
-- 1. The bounded branch joined the tile's child ranges to the aggregate
--    tables with "cell BETWEEN r.lo AND r.hi". PostgreSQL estimates such a
--    join at thousands of rows per range, so on small tables it scanned each
--    table once per range (3,535 ranges × every row: 2.3 s for one z10 tile
--    of the scale-0.2 demo county, and the reliability test's hexagon reads
--    outlived the gap between two backend kills). A LATERAL subquery per
--    range (OFFSET 0 keeps it one) is always one index scan per range.
-- 2. PL/pgSQL plans RETURN QUERY once per session and, after five calls, may
--    keep a generic plan that knows neither the length of lo/hi nor whether
--    town is NULL: 4.3 s instead of 16 ms for tile 11/1706/830 at scale 1.
--    SET plan_cache_mode = force_custom_plan plans every call for its
--    arguments.
--
-- CREATE OR REPLACE keeps the owner (lianxin_coverage) and the grants of 009.
-- The H3 aggregate at resolution res over [from_day, to_day): every table
-- row, or (lo, hi not NULL) only the res-10 child ranges [lo[i], hi[i]]
-- through the btree on cell, one index scan per range. Each cell sums all
-- its children.
CREATE OR REPLACE FUNCTION coverage_cell_sums(res int, from_day date, to_day date, town int, lo bigint[], hi bigint[])
RETURNS TABLE (cell bigint, households bigint, residents bigint, visited_households bigint, visited_residents bigint,
               visits bigint, special bigint, special_visited bigint, problems_collected bigint, problems_resolved bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
BEGIN
  IF NOT lianxin_signed_in() THEN
    RETURN;
  END IF;
  IF lo IS NULL THEN
    RETURN QUERY
    WITH c AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.households)::bigint AS households,
             sum(x.residents)::bigint AS residents, sum(x.special)::bigint AS special
      FROM coverage_cells x WHERE town IS NULL OR x.town_id = town GROUP BY 1),
    hv AS (
      SELECT h3_parent(x.cell, res) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
             count(*) FILTER (WHERE x.flags <> 0) AS special
      FROM coverage_household_days x
      WHERE x.day >= from_day AND x.day < to_day AND (x.prev_day IS NULL OR x.prev_day < from_day)
        AND (town IS NULL OR x.town_id = town)
      GROUP BY 1),
    vd AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.visits)::bigint AS visits,
             sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
      FROM coverage_visit_days x
      WHERE x.day >= from_day AND x.day < to_day AND x.cell <> 0 AND (town IS NULL OR x.town_id = town)
      GROUP BY 1)
    SELECT k.cell, coalesce(c.households, 0), coalesce(c.residents, 0),
           coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
           coalesce(c.special, 0), coalesce(hv.special, 0), coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
    FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
    CROSS JOIN LATERAL (SELECT coalesce(c.cell, hv.cell, vd.cell) AS cell) k
    ORDER BY 1;
  ELSE
    RETURN QUERY
    WITH r AS (SELECT * FROM unnest(lo, hi) AS r(lo, hi)),
    c AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.households)::bigint AS households,
             sum(x.residents)::bigint AS residents, sum(x.special)::bigint AS special
      FROM r CROSS JOIN LATERAL (SELECT * FROM coverage_cells y WHERE y.cell BETWEEN r.lo AND r.hi OFFSET 0) x
      WHERE town IS NULL OR x.town_id = town GROUP BY 1),
    hv AS (
      SELECT h3_parent(x.cell, res) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
             count(*) FILTER (WHERE x.flags <> 0) AS special
      FROM r CROSS JOIN LATERAL (SELECT * FROM coverage_household_days y WHERE y.cell BETWEEN r.lo AND r.hi OFFSET 0) x
      WHERE x.day >= from_day AND x.day < to_day AND (x.prev_day IS NULL OR x.prev_day < from_day)
        AND (town IS NULL OR x.town_id = town)
      GROUP BY 1),
    vd AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.visits)::bigint AS visits,
             sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
      FROM r CROSS JOIN LATERAL (SELECT * FROM coverage_visit_days y WHERE y.cell BETWEEN r.lo AND r.hi OFFSET 0) x
      WHERE x.day >= from_day AND x.day < to_day AND x.cell <> 0 AND (town IS NULL OR x.town_id = town)
      GROUP BY 1)
    SELECT k.cell, coalesce(c.households, 0), coalesce(c.residents, 0),
           coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
           coalesce(c.special, 0), coalesce(hv.special, 0), coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
    FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
    CROSS JOIN LATERAL (SELECT coalesce(c.cell, hv.cell, vd.cell) AS cell) k
    ORDER BY 1;
  END IF;
END
$$;

---- create above / drop below ----
-- The H3 aggregate at resolution res over [from_day, to_day): every table
-- row, or (lo, hi not NULL) only the res-10 child ranges [lo[i], hi[i]]
-- through the btree on cell. Each cell sums all its children.
CREATE OR REPLACE FUNCTION coverage_cell_sums(res int, from_day date, to_day date, town int, lo bigint[], hi bigint[])
RETURNS TABLE (cell bigint, households bigint, residents bigint, visited_households bigint, visited_residents bigint,
               visits bigint, special bigint, special_visited bigint, problems_collected bigint, problems_resolved bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF NOT lianxin_signed_in() THEN
    RETURN;
  END IF;
  IF lo IS NULL THEN
    RETURN QUERY
    WITH c AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.households)::bigint AS households,
             sum(x.residents)::bigint AS residents, sum(x.special)::bigint AS special
      FROM coverage_cells x WHERE town IS NULL OR x.town_id = town GROUP BY 1),
    hv AS (
      SELECT h3_parent(x.cell, res) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
             count(*) FILTER (WHERE x.flags <> 0) AS special
      FROM coverage_household_days x
      WHERE x.day >= from_day AND x.day < to_day AND (x.prev_day IS NULL OR x.prev_day < from_day)
        AND (town IS NULL OR x.town_id = town)
      GROUP BY 1),
    vd AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.visits)::bigint AS visits,
             sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
      FROM coverage_visit_days x
      WHERE x.day >= from_day AND x.day < to_day AND x.cell <> 0 AND (town IS NULL OR x.town_id = town)
      GROUP BY 1)
    SELECT k.cell, coalesce(c.households, 0), coalesce(c.residents, 0),
           coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
           coalesce(c.special, 0), coalesce(hv.special, 0), coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
    FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
    CROSS JOIN LATERAL (SELECT coalesce(c.cell, hv.cell, vd.cell) AS cell) k
    ORDER BY 1;
  ELSE
    RETURN QUERY
    WITH r AS (SELECT * FROM unnest(lo, hi) AS r(lo, hi)),
    c AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.households)::bigint AS households,
             sum(x.residents)::bigint AS residents, sum(x.special)::bigint AS special
      FROM r JOIN coverage_cells x ON x.cell BETWEEN r.lo AND r.hi
      WHERE town IS NULL OR x.town_id = town GROUP BY 1),
    hv AS (
      SELECT h3_parent(x.cell, res) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
             count(*) FILTER (WHERE x.flags <> 0) AS special
      FROM r JOIN coverage_household_days x ON x.cell BETWEEN r.lo AND r.hi
      WHERE x.day >= from_day AND x.day < to_day AND (x.prev_day IS NULL OR x.prev_day < from_day)
        AND (town IS NULL OR x.town_id = town)
      GROUP BY 1),
    vd AS (
      SELECT h3_parent(x.cell, res) AS cell, sum(x.visits)::bigint AS visits,
             sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
      FROM r JOIN coverage_visit_days x ON x.cell BETWEEN r.lo AND r.hi
      WHERE x.day >= from_day AND x.day < to_day AND x.cell <> 0 AND (town IS NULL OR x.town_id = town)
      GROUP BY 1)
    SELECT k.cell, coalesce(c.households, 0), coalesce(c.residents, 0),
           coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
           coalesce(c.special, 0), coalesce(hv.special, 0), coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
    FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
    CROSS JOIN LATERAL (SELECT coalesce(c.cell, hv.cell, vd.cell) AS cell) k
    ORDER BY 1;
  END IF;
END
$$;
