-- The hexagons of a role without household access leave out the villages
-- its gap report suppresses (privacy rule 1: villages of 1 to 4
-- households, and those suppressed to protect them), as its summary does
-- (migration 019).
--
-- Cells count entries where they were made and households where they live,
-- the summary by the writer's town over the villages shown. Before, the
-- county's resolution-6 cells (which hold nearly every household and entry)
-- less the planner's county summary gave the suppressed villages' visits
-- and visited households together — one village's in a county where only
-- one suppressed village had entries in the window. With the same villages
-- left out of both, the difference holds only entries outside every
-- village and those in cells too small to publish, none of a suppressed
-- village.
--
-- coverage_cell_sums_leaving_out is coverage_cell_sums (migration 012) over
-- the whole county, without the households (coverage_cells,
-- coverage_household_days) and entries (coverage_visit_days, filed in their
-- own village, else their household's) of the villages leave_out names.
-- The caller decides which (complementary suppression is not a property of
-- one village) and caches the answer by the inputs' versions.
SET LOCAL statement_timeout = 0;

CREATE FUNCTION coverage_cell_sums_leaving_out(res int, from_day date, to_day date, leave_out int[])
RETURNS TABLE (cell bigint, households bigint, residents bigint, visited_households bigint, visited_residents bigint,
               visits bigint, special bigint, special_visited bigint, problems_collected bigint, problems_resolved bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  out_ int[] := coalesce(leave_out, '{}');
BEGIN
  IF NOT lianxin_signed_in() THEN
    RETURN;
  END IF;
  RETURN QUERY
  WITH c AS (
    SELECT h3_parent(x.cell, res) AS cell, sum(x.households)::bigint AS households,
           sum(x.residents)::bigint AS residents, sum(x.special)::bigint AS special
    FROM coverage_cells x WHERE x.village_id <> ALL (out_) GROUP BY 1),
  hv AS (
    SELECT h3_parent(x.cell, res) AS cell, count(*) AS households, sum(x.residents)::bigint AS residents,
           count(*) FILTER (WHERE x.flags <> 0) AS special
    FROM coverage_household_days x
    WHERE x.day >= from_day AND x.day < to_day AND (x.prev_day IS NULL OR x.prev_day < from_day)
      AND x.village_id <> ALL (out_)
    GROUP BY 1),
  vd AS (
    SELECT h3_parent(x.cell, res) AS cell, sum(x.visits)::bigint AS visits,
           sum(x.problems_collected)::bigint AS collected, sum(x.problems_resolved)::bigint AS resolved
    FROM coverage_visit_days x
    WHERE x.day >= from_day AND x.day < to_day AND x.cell <> 0 AND x.village_id <> ALL (out_)
    GROUP BY 1)
  SELECT k.cell, coalesce(c.households, 0), coalesce(c.residents, 0),
         coalesce(hv.households, 0), coalesce(hv.residents, 0), coalesce(vd.visits, 0),
         coalesce(c.special, 0), coalesce(hv.special, 0), coalesce(vd.collected, 0), coalesce(vd.resolved, 0)
  FROM c FULL JOIN hv USING (cell) FULL JOIN vd USING (cell)
  CROSS JOIN LATERAL (SELECT coalesce(c.cell, hv.cell, vd.cell) AS cell) k
  ORDER BY 1;
END
$$;
REVOKE ALL ON FUNCTION coverage_cell_sums_leaving_out(int, date, date, int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_cell_sums_leaving_out(int, date, date, int[]) TO lianxin_app;

---- create above / drop below ----
DROP FUNCTION coverage_cell_sums_leaving_out(int, date, date, int[]);
