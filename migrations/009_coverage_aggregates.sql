-- Coverage, second pass (issue 4 speed, issue 8 semantics).
--
-- 1. County-wide aggregates for every signed-in scope, detail rows still
--    protected. Migration 008 put the coverage tables under the town_scope
--    policy, so a team leader's report of ANOTHER town summed nothing; issue 8
--    wants a leader to see everything in their town and aggregates elsewhere,
--    and a planner county-wide aggregates. The aggregate queries therefore run
--    inside SECURITY DEFINER functions owned by lianxin_coverage, a NOLOGIN role
--    that owns nothing but these functions and may only READ the coverage tables
--    (and visits) through a SELECT policy of its own. Why this design:
--      - the policies stay as they are for everyone else: lianxin_app reading
--        coverage_household_days (one row per household and day, with its
--        flags) or visits directly still sees only its towns;
--      - the functions return sums grouped by village, household size, cell,
--        week or town, never a household id or a row of one household, and
--        their SQL is fixed (parameters are values, search_path is pinned to
--        public, pg_temp so no object of the caller's can be substituted);
--      - they answer only a signed-in scope (lianxin.user set by
--        store.InScope), like every other read: a connection that never set a
--        scope gets no row;
--      - FORCE ROW LEVEL SECURITY holds table owners too, so a definer owned by
--        the migration user would still be filtered (unless that user is a
--        superuser, which production should not be): a dedicated role with an
--        explicit policy works the same for every owner and says what it may do.
--    Suppressing small numbers (cells and villages under 5 households, special
--    groups 1..10) for roles without household access stays the privacy
--    layer's job, on the values these functions return.
--
-- 2. Cheaper triggers. The coverage rows are counters updated in place; with a
--    full page every update was a new tuple plus three index entries.
--    Fillfactor leaves room on each page so updates are HOT (no index work):
--    100,000 households into existing cells went from ~0.9 s of upserts to
--    ~0.13 s. An UPDATE of households now only moves the rows whose village,
--    cell, size or flags changed (an import that re-sends unchanged rows used to
--    subtract and re-add all of them and recompute all their visit days).
--
-- 3. Village centres stored (coverage_village_centres), kept by a trigger on
--    villages, instead of ST_PointOnSurface of every boundary per report.
SET LOCAL statement_timeout = 0;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lianxin_coverage') THEN
    CREATE ROLE lianxin_coverage NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  -- Owning the functions below needs the migration user to be able to SET ROLE to it.
  IF NOT pg_has_role(current_user, 'lianxin_coverage', 'MEMBER') THEN
    EXECUTE format('GRANT lianxin_coverage TO %I', current_user);
  END IF;
END
$$;
GRANT USAGE, CREATE ON SCHEMA public TO lianxin_coverage;
GRANT SELECT ON coverage_cells, coverage_village_households, coverage_household_days, coverage_visit_days,
                visits, villages TO lianxin_coverage;
-- Policies on visits may consult the signed-in user's roles (010's
-- member_rows does, and applies to every role): the aggregate role may read who
-- holds which role, never a secret (no password hash, no token).
GRANT SELECT (id, username, disabled) ON users TO lianxin_coverage;
GRANT SELECT (user_id, role, town_id, member_id) ON user_roles TO lianxin_coverage;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['coverage_cells', 'coverage_village_households', 'coverage_household_days',
                           'coverage_visit_days', 'visits']
  LOOP
    EXECUTE format('CREATE POLICY coverage_aggregates ON %I FOR SELECT TO lianxin_coverage USING (true)', t);
  END LOOP;
END
$$;

-- 2. Room on every page for in-place (HOT) counter updates; CLUSTER rewrites
-- the existing rows with it (and in cell order, which the bounded H3 ranges read).
ALTER TABLE coverage_cells SET (fillfactor = 60);
ALTER TABLE coverage_village_households SET (fillfactor = 60);
ALTER TABLE coverage_visit_days SET (fillfactor = 80);
CLUSTER coverage_cells USING coverage_cells_pkey;
CLUSTER coverage_village_households USING coverage_village_households_pkey;

-- 3. Village centres.
CREATE TABLE coverage_village_centres (
  village_id  int PRIMARY KEY,
  lon         double precision NOT NULL,
  lat         double precision NOT NULL
);
ALTER TABLE coverage_village_centres ENABLE ROW LEVEL SECURITY;
ALTER TABLE coverage_village_centres FORCE ROW LEVEL SECURITY;
-- A centre is a point of a village outline, which every signed-in scope reads.
CREATE POLICY signed_in_read ON coverage_village_centres FOR SELECT USING ((SELECT lianxin_signed_in()));
CREATE POLICY coverage_write ON coverage_village_centres FOR ALL TO lianxin_coverage USING (true) WITH CHECK (true);
GRANT SELECT ON coverage_village_centres TO lianxin_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON coverage_village_centres TO lianxin_coverage;

INSERT INTO coverage_village_centres
SELECT id, ST_X(p), ST_Y(p) FROM villages CROSS JOIN LATERAL ST_PointOnSurface(boundary) p;

-- Runs as lianxin_coverage so whoever may write a village (checked by the
-- villages policies) keeps its centre current without write access to the table.
CREATE FUNCTION coverage_villages_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM coverage_village_centres;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    DELETE FROM coverage_village_centres c USING old_rows o WHERE c.village_id = o.id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO coverage_village_centres
    SELECT n.id, ST_X(p), ST_Y(p) FROM new_rows n CROSS JOIN LATERAL ST_PointOnSurface(n.boundary) p
    ON CONFLICT (village_id) DO UPDATE SET lon = EXCLUDED.lon, lat = EXCLUDED.lat;
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION coverage_villages_changed() OWNER TO lianxin_coverage;
CREATE TRIGGER villages_coverage_insert AFTER INSERT ON villages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_villages_changed();
CREATE TRIGGER villages_coverage_update AFTER UPDATE ON villages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_villages_changed();
CREATE TRIGGER villages_coverage_delete AFTER DELETE ON villages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_villages_changed();
CREATE TRIGGER villages_coverage_truncate AFTER TRUNCATE ON villages
  FOR EACH STATEMENT EXECUTE FUNCTION coverage_villages_changed();

-- Households: an UPDATE moves only the households whose coverage inputs
-- changed; INSERT and DELETE are as in 006.
CREATE OR REPLACE FUNCTION coverage_households_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  moved bigint[];
BEGIN
  IF TG_OP = 'UPDATE' THEN
    moved := ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE (n.village_id, n.town_id, h3_parent(n.cell, 10), n.residents,
             special_flags(n.poor, n.seriously_ill, n.disabled, n.empty_nest, n.left_behind_children, n.community_correction))
            IS DISTINCT FROM
            (o.village_id, o.town_id, h3_parent(o.cell, 10), o.residents,
             special_flags(o.poor, o.seriously_ill, o.disabled, o.empty_nest, o.left_behind_children, o.community_correction)));
    IF cardinality(moved) = 0 THEN
      RETURN NULL;
    END IF;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO coverage_cells AS c
    SELECT h3_parent(cell, 10), village_id, min(town_id), -count(*), -sum(residents),
           -count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           -count(*) FILTER (WHERE poor), -count(*) FILTER (WHERE seriously_ill), -count(*) FILTER (WHERE disabled),
           -count(*) FILTER (WHERE empty_nest), -count(*) FILTER (WHERE left_behind_children),
           -count(*) FILTER (WHERE community_correction)
    FROM old_rows WHERE TG_OP = 'DELETE' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (cell, village_id) DO UPDATE SET
      households = c.households + EXCLUDED.households, residents = c.residents + EXCLUDED.residents,
      special = c.special + EXCLUDED.special,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    DELETE FROM coverage_cells WHERE households <= 0;
    INSERT INTO coverage_village_households AS c
    SELECT village_id, residents, min(town_id), -count(*),
           -count(*) FILTER (WHERE poor), -count(*) FILTER (WHERE seriously_ill), -count(*) FILTER (WHERE disabled),
           -count(*) FILTER (WHERE empty_nest), -count(*) FILTER (WHERE left_behind_children),
           -count(*) FILTER (WHERE community_correction)
    FROM old_rows WHERE TG_OP = 'DELETE' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    DELETE FROM coverage_village_households WHERE households <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO coverage_cells AS c
    SELECT h3_parent(cell, 10), village_id, min(town_id), count(*), sum(residents),
           count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
           count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
           count(*) FILTER (WHERE community_correction)
    FROM new_rows WHERE TG_OP = 'INSERT' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (cell, village_id) DO UPDATE SET
      households = c.households + EXCLUDED.households, residents = c.residents + EXCLUDED.residents,
      special = c.special + EXCLUDED.special,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    INSERT INTO coverage_village_households AS c
    SELECT village_id, residents, min(town_id), count(*),
           count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
           count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
           count(*) FILTER (WHERE community_correction)
    FROM new_rows WHERE TG_OP = 'INSERT' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    -- visited rows copy village, town, cell, size and flags: recompute the moved households'.
    PERFORM coverage_refresh_households(moved);
  END IF;
  RETURN NULL;
END
$$;

-- 1. The aggregate functions. Each answers a signed-in scope only, and sums;
-- town (an id, NULL for the county) narrows what is summed.

-- Households per village and size, with special groups (the size histogram
-- the gap report's "households still needed" works from).
CREATE FUNCTION coverage_village_sizes(town int)
RETURNS TABLE (village_id int, residents int, households int, poor int, seriously_ill int, disabled int,
               empty_nest int, left_behind_children int, community_correction int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT village_id, residents, households, poor, seriously_ill, disabled, empty_nest, left_behind_children,
         community_correction
  FROM coverage_village_households
  WHERE lianxin_signed_in() AND (town IS NULL OR town_id = town)
$$;

-- The functions that scan a whole window are PL/pgSQL: RETURN QUERY may
-- run its query in parallel (PostgreSQL 14+), a SQL function's query may not,
-- and a scan of half a million household-days is three times faster with the
-- workers.

-- Households visited in [from_day, to_day) per village and size, each once.
CREATE FUNCTION coverage_village_visited(from_day date, to_day date, town int)
RETURNS TABLE (village_id int, residents int, households bigint, poor bigint, seriously_ill bigint, disabled bigint,
               empty_nest bigint, left_behind_children bigint, community_correction bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT village_id, residents, count(*),
         count(*) FILTER (WHERE flags & 1 <> 0), count(*) FILTER (WHERE flags & 2 <> 0),
         count(*) FILTER (WHERE flags & 4 <> 0), count(*) FILTER (WHERE flags & 8 <> 0),
         count(*) FILTER (WHERE flags & 16 <> 0), count(*) FILTER (WHERE flags & 32 <> 0)
  FROM coverage_household_days
  WHERE lianxin_signed_in() AND day >= from_day AND day < to_day AND (prev_day IS NULL OR prev_day < from_day)
    AND (town IS NULL OR town_id = town)
  GROUP BY village_id, residents;
END
$$;

-- Visits, problems and the last visit day per village (of the town's villages).
CREATE FUNCTION coverage_village_visits(from_day date, to_day date, town int)
RETURNS TABLE (village_id int, visits bigint, problems_collected bigint, problems_resolved bigint, last_day date)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT d.village_id, sum(d.visits)::bigint, sum(d.problems_collected)::bigint, sum(d.problems_resolved)::bigint, max(d.day)
  FROM coverage_visit_days d
  WHERE lianxin_signed_in() AND d.day >= from_day AND d.day < to_day AND d.village_id <> 0
    AND (town IS NULL OR d.village_id IN (SELECT id FROM villages WHERE town_id = town))
  GROUP BY d.village_id;
END
$$;

-- A village's visits per week (week 0 starts on from_day).
CREATE FUNCTION coverage_village_weeks(village int, from_day date, to_day date)
RETURNS TABLE (week int, visits bigint, problems_collected bigint, problems_resolved bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT ((day - from_day) / 7)::int, sum(visits)::bigint, sum(problems_collected)::bigint, sum(problems_resolved)::bigint
  FROM coverage_visit_days
  WHERE lianxin_signed_in() AND village_id = village AND day >= from_day AND day < to_day
  GROUP BY 1
$$;

-- Towns (of the visiting members) with at least one entry in the window.
CREATE FUNCTION coverage_active_towns(from_day date, to_day date)
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT town_id FROM coverage_visit_days
  WHERE lianxin_signed_in() AND day >= from_day AND day < to_day
$$;

-- The summary's numbers: entries by kind and outcomes (town = the visiting
-- members' town), distinct households visited (households of the town),
-- households assisted and enterprises visited.
CREATE FUNCTION coverage_summary(from_day date, to_day date, town int, from_at timestamptz, to_at timestamptz)
RETURNS TABLE (visits bigint, household_visits bigint, enterprise_visits bigint, project_site_visits bigint,
               village_meetings bigint, publicity_events bigint, publicity_participants bigint,
               assistance_deliveries bigint, problems_collected bigint, problems_resolved bigint,
               petitions_resolved bigint, disputes_resolved bigint,
               households_visited bigint, households_assisted bigint, enterprises_visited bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT coalesce(sum(d.visits), 0)::bigint, coalesce(sum(d.household_visits), 0)::bigint,
         coalesce(sum(d.enterprise_visits), 0)::bigint, coalesce(sum(d.project_site_visits), 0)::bigint,
         coalesce(sum(d.village_meetings), 0)::bigint, coalesce(sum(d.publicity_events), 0)::bigint,
         coalesce(sum(d.publicity_participants), 0)::bigint, coalesce(sum(d.assistance_deliveries), 0)::bigint,
         coalesce(sum(d.problems_collected), 0)::bigint, coalesce(sum(d.problems_resolved), 0)::bigint,
         coalesce(sum(d.petitions_resolved), 0)::bigint, coalesce(sum(d.disputes_resolved), 0)::bigint,
         (SELECT count(*) FROM coverage_household_days
          WHERE day >= from_day AND day < to_day AND (prev_day IS NULL OR prev_day < from_day)
            AND (town IS NULL OR town_id = town)),
         (SELECT count(DISTINCT household_id) FROM visits
          WHERE kind = 'assistance_delivery' AND household_id IS NOT NULL AND occurred_at >= from_at AND occurred_at < to_at
            AND (town IS NULL OR town_id = town)),
         (SELECT count(DISTINCT project_id) FROM visits
          WHERE kind = 'enterprise_visit' AND project_id IS NOT NULL AND occurred_at >= from_at AND occurred_at < to_at
            AND (town IS NULL OR town_id = town))
  FROM coverage_visit_days d
  WHERE d.day >= from_day AND d.day < to_day AND (town IS NULL OR d.town_id = town)
  -- HAVING, not WHERE: an aggregate without GROUP BY answers one row (and its
  -- subqueries) even when WHERE matches nothing.
  HAVING lianxin_signed_in();
END
$$;

-- The H3 aggregate at resolution res over [from_day, to_day): every table
-- row, or (lo, hi not NULL) only the res-10 child ranges [lo[i], hi[i]]
-- through the btree on cell. Each cell sums all its children.
CREATE FUNCTION coverage_cell_sums(res int, from_day date, to_day date, town int, lo bigint[], hi bigint[])
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

DO $$
DECLARE f text;
BEGIN
  FOREACH f IN ARRAY ARRAY['coverage_village_sizes(int)', 'coverage_village_visited(date, date, int)',
                           'coverage_village_visits(date, date, int)', 'coverage_village_weeks(int, date, date)',
                           'coverage_active_towns(date, date)',
                           'coverage_summary(date, date, int, timestamptz, timestamptz)',
                           'coverage_cell_sums(int, date, date, int, bigint[], bigint[])']
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO lianxin_coverage', f);
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO lianxin_app', f);
  END LOOP;
END
$$;

ANALYZE coverage_cells;
ANALYZE coverage_village_households;
ANALYZE coverage_village_centres;

---- create above / drop below ----
DROP FUNCTION coverage_cell_sums(int, date, date, int, bigint[], bigint[]);
DROP FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz);
DROP FUNCTION coverage_active_towns(date, date);
DROP FUNCTION coverage_village_weeks(int, date, date);
DROP FUNCTION coverage_village_visits(date, date, int);
DROP FUNCTION coverage_village_visited(date, date, int);
DROP FUNCTION coverage_village_sizes(int);
DROP TRIGGER villages_coverage_truncate ON villages;
DROP TRIGGER villages_coverage_delete ON villages;
DROP TRIGGER villages_coverage_update ON villages;
DROP TRIGGER villages_coverage_insert ON villages;
DROP FUNCTION coverage_villages_changed();
DROP TABLE coverage_village_centres;
ALTER TABLE coverage_cells RESET (fillfactor);
ALTER TABLE coverage_village_households RESET (fillfactor);
ALTER TABLE coverage_visit_days RESET (fillfactor);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['coverage_cells', 'coverage_village_households', 'coverage_household_days',
                           'coverage_visit_days', 'visits']
  LOOP
    EXECUTE format('DROP POLICY coverage_aggregates ON %I', t);
  END LOOP;
END
$$;
REVOKE SELECT ON coverage_cells, coverage_village_households, coverage_household_days, coverage_visit_days,
                 visits, villages FROM lianxin_coverage;
REVOKE SELECT (id, username, disabled) ON users FROM lianxin_coverage;
REVOKE SELECT (user_id, role, town_id, member_id) ON user_roles FROM lianxin_coverage;
REVOKE USAGE, CREATE ON SCHEMA public FROM lianxin_coverage;
-- The role stays: roles are cluster-wide and other databases may use it.
-- 006's coverage_households_changed comes back with 006's body:
CREATE OR REPLACE FUNCTION coverage_households_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO coverage_cells AS c
    SELECT h3_parent(cell, 10), village_id, min(town_id), -count(*), -sum(residents),
           -count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           -count(*) FILTER (WHERE poor), -count(*) FILTER (WHERE seriously_ill), -count(*) FILTER (WHERE disabled),
           -count(*) FILTER (WHERE empty_nest), -count(*) FILTER (WHERE left_behind_children),
           -count(*) FILTER (WHERE community_correction)
    FROM old_rows GROUP BY 1, 2
    ON CONFLICT (cell, village_id) DO UPDATE SET
      households = c.households + EXCLUDED.households, residents = c.residents + EXCLUDED.residents,
      special = c.special + EXCLUDED.special,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    DELETE FROM coverage_cells WHERE households <= 0;
    INSERT INTO coverage_village_households AS c
    SELECT village_id, residents, min(town_id), -count(*),
           -count(*) FILTER (WHERE poor), -count(*) FILTER (WHERE seriously_ill), -count(*) FILTER (WHERE disabled),
           -count(*) FILTER (WHERE empty_nest), -count(*) FILTER (WHERE left_behind_children),
           -count(*) FILTER (WHERE community_correction)
    FROM old_rows GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    DELETE FROM coverage_village_households WHERE households <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO coverage_cells AS c
    SELECT h3_parent(cell, 10), village_id, min(town_id), count(*), sum(residents),
       count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
           count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
           count(*) FILTER (WHERE community_correction)
    FROM new_rows GROUP BY 1, 2
    ON CONFLICT (cell, village_id) DO UPDATE SET
      households = c.households + EXCLUDED.households, residents = c.residents + EXCLUDED.residents,
      special = c.special + EXCLUDED.special,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
    INSERT INTO coverage_village_households AS c
    SELECT village_id, residents, min(town_id), count(*),
           count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
           count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
           count(*) FILTER (WHERE community_correction)
    FROM new_rows GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households,
      poor = c.poor + EXCLUDED.poor, seriously_ill = c.seriously_ill + EXCLUDED.seriously_ill,
      disabled = c.disabled + EXCLUDED.disabled, empty_nest = c.empty_nest + EXCLUDED.empty_nest,
      left_behind_children = c.left_behind_children + EXCLUDED.left_behind_children,
      community_correction = c.community_correction + EXCLUDED.community_correction;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    PERFORM coverage_refresh_households(ARRAY(SELECT id FROM new_rows));
  END IF;
  RETURN NULL;
END
$$;
