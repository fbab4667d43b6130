-- Two counts the coverage engine could not make for every role.
--
-- 1. Five full coverages #3, the households with a standing petition case
-- (信访) not visited in a window, per town. The summary counted them through
-- households, under row-level security: a team leader asking about the
-- county or another town, and a member (whose households are only those
-- they visited, 010's member_rows), got null. The other special-group
-- figures reach those roles as published aggregates (package privacy), and
-- so may this one: coverage_petition_unvisited counts without the caller's
-- row-level security and returns one count per town, never a row or an id
-- of a household; coverage.Reports then publishes the counts under the
-- privacy rules (a town's 1 to 10 hidden, complements under the county).
--
-- It is SECURITY DEFINER and owned by lianxin_coverage (009), like every
-- aggregate function, not by the tables' owner: households' row-level
-- security is FORCEd, which holds the owner too, so a function owned by the
-- owner would count only the caller's towns again. lianxin_coverage gets
-- the four columns of households the count reads (not the household's
-- residents, location, groups or anything personal) through a SELECT policy
-- of its own, and households' restrictive member_rows policy lets it
-- through as 018 did for visits. search_path is pinned, EXECUTE is the
-- server role's only, and a connection without a signed-in user gets
-- nothing (lianxin_signed_in()).
--
-- 2. The gap report's special-group households waiting, counted once per
-- household (special_waiting sums the six groups, so a household in two
-- counts twice). coverage_cells already holds the distinct special
-- households per cell and village (006); coverage_village_visited_special is
-- 009's coverage_village_visited with one more column, the visited
-- households in at least one group, in the same scan of the window.
-- (SELECT lianxin_signed_in()) is evaluated once per query, not per row: a
-- bare call in the WHERE clause cost 7 ms of the 8 ms a county's cells take
-- at scale 0.2.
GRANT SELECT (id, town_id, village_id, petition_case) ON households TO lianxin_coverage;
CREATE POLICY coverage_petition ON households FOR SELECT TO lianxin_coverage USING (true);
ALTER POLICY member_rows ON households
  USING (current_user = 'lianxin_coverage'
         OR (SELECT lianxin_members()) = '{}'
         OR EXISTS (SELECT 1 FROM visits v
                    WHERE v.household_id = households.id AND v.member_id = ANY ((SELECT lianxin_members())::int[])));

-- Households with petition_case and no diary entry in [from_day, to_day)
-- (coverage_household_days: the visited households every village figure
-- counts, kept by the household's town), per town holding any, leaving out
-- the households of the villages leave_out names (those the caller's gap
-- report suppresses).
CREATE FUNCTION coverage_petition_unvisited(from_day date, to_day date, leave_out int[])
RETURNS TABLE (town_id int, households bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT h.town_id, count(*)
  FROM households h
  WHERE (SELECT lianxin_signed_in()) AND h.petition_case
    AND h.village_id <> ALL (coalesce(leave_out, '{}'))
    AND NOT EXISTS (SELECT 1 FROM coverage_household_days d
                    WHERE d.household_id = h.id AND d.day >= from_day AND d.day < to_day)
  GROUP BY h.town_id
$$;

-- Households in at least one special group per village (of the town).
CREATE FUNCTION coverage_village_special(town int)
RETURNS TABLE (village_id int, special bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT village_id, sum(special)::bigint
  FROM coverage_cells
  WHERE (SELECT lianxin_signed_in()) AND (town IS NULL OR town_id = town)
  GROUP BY village_id
$$;

-- coverage_village_visited, and the visited households in at least one
-- special group (special).
CREATE FUNCTION coverage_village_visited_special(from_day date, to_day date, town int)
RETURNS TABLE (village_id int, residents int, households bigint, poor bigint, seriously_ill bigint, disabled bigint,
               empty_nest bigint, left_behind_children bigint, community_correction bigint, special bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET plan_cache_mode = force_custom_plan AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT village_id, residents, count(*),
         count(*) FILTER (WHERE flags & 1 <> 0), count(*) FILTER (WHERE flags & 2 <> 0),
         count(*) FILTER (WHERE flags & 4 <> 0), count(*) FILTER (WHERE flags & 8 <> 0),
         count(*) FILTER (WHERE flags & 16 <> 0), count(*) FILTER (WHERE flags & 32 <> 0),
         count(*) FILTER (WHERE flags <> 0)
  FROM coverage_household_days
  WHERE (SELECT lianxin_signed_in()) AND day >= from_day AND day < to_day AND (prev_day IS NULL OR prev_day < from_day)
    AND (town IS NULL OR town_id = town)
  GROUP BY village_id, residents;
END
$$;

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['coverage_petition_unvisited(date, date, int[])', 'coverage_village_special(int)',
                           'coverage_village_visited_special(date, date, int)']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO lianxin_coverage', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO lianxin_app', f);
  END LOOP;
END
$$;

---- create above / drop below ----
DROP FUNCTION coverage_village_visited_special(date, date, int);
DROP FUNCTION coverage_village_special(int);
DROP FUNCTION coverage_petition_unvisited(date, date, int[]);
ALTER POLICY member_rows ON households
  USING ((SELECT lianxin_members()) = '{}'
         OR EXISTS (SELECT 1 FROM visits v
                    WHERE v.household_id = households.id AND v.member_id = ANY ((SELECT lianxin_members())::int[])));
DROP POLICY coverage_petition ON households;
REVOKE SELECT (id, town_id, village_id, petition_case) ON households FROM lianxin_coverage;
