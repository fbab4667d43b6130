-- The special-group households of each village counted once each, kept by
-- the households trigger instead of summed per report.
--
-- The gap report's special_waiting_households (032) is a village's
-- households in at least one special group less those of them visited in
-- the window. The visited part depends on the window and already comes
-- from the window's scan of coverage_household_days
-- (coverage_village_visited_special). The other part does not depend on
-- the window or on any visit: it is the households whose flags are not all
-- false, by village. 032 summed coverage_cells' special column per village
-- for it, a fifth query that read every resolution-10 cell of the county
-- (62,700 rows at scale 1, 151,600 at scale 10) on every report after a
-- write. coverage_village_households, the size histogram the report reads
-- anyway (one row per village and household size, 2,400 at scale 1), now
-- holds the same count beside the per-group ones, kept by the same
-- statement trigger under the same rules: a household counts once however
-- many groups it is in; a change of its flags, size, village, town or cell
-- moves it out of its old row and into its new one (009's "moved"); a
-- delete takes it out. Visits never touch it. Every window reads the
-- maintained count, so the report makes four queries, not five.
--
-- coverage_village_sizes returns the new column (its result type changes,
-- so it is dropped and made again, with 009's owner and grants), and
-- coverage_village_special, which nothing reads any more, goes.
SET LOCAL statement_timeout = 0;

ALTER TABLE coverage_village_households ADD COLUMN special int NOT NULL DEFAULT 0;
UPDATE coverage_village_households c SET special = h.special
FROM (SELECT village_id, residents,
             count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children
                                    OR community_correction)::int AS special
      FROM households GROUP BY 1, 2) h
WHERE h.village_id = c.village_id AND h.residents = c.residents AND h.special <> 0;
-- The trigger always says; a row written without it would be a wrong zero.
ALTER TABLE coverage_village_households ALTER COLUMN special DROP DEFAULT;

-- 009's body with the special column in both upserts of
-- coverage_village_households (the column lists are written out: the
-- column was added last).
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
      (village_id, residents, town_id, households, special, poor, seriously_ill, disabled, empty_nest,
       left_behind_children, community_correction)
    SELECT village_id, residents, min(town_id), -count(*),
           -count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           -count(*) FILTER (WHERE poor), -count(*) FILTER (WHERE seriously_ill), -count(*) FILTER (WHERE disabled),
           -count(*) FILTER (WHERE empty_nest), -count(*) FILTER (WHERE left_behind_children),
           -count(*) FILTER (WHERE community_correction)
    FROM old_rows WHERE TG_OP = 'DELETE' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households, special = c.special + EXCLUDED.special,
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
      (village_id, residents, town_id, households, special, poor, seriously_ill, disabled, empty_nest,
       left_behind_children, community_correction)
    SELECT village_id, residents, min(town_id), count(*),
           count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
           count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
           count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
           count(*) FILTER (WHERE community_correction)
    FROM new_rows WHERE TG_OP = 'INSERT' OR id = ANY (moved) GROUP BY 1, 2
    ON CONFLICT (village_id, residents) DO UPDATE SET
      households = c.households + EXCLUDED.households, special = c.special + EXCLUDED.special,
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

-- 009's function with the households in at least one special group
-- (special) after the six groups. (SELECT lianxin_signed_in()) is
-- evaluated once per query, not per row (032).
DROP FUNCTION coverage_village_sizes(int);
CREATE FUNCTION coverage_village_sizes(town int)
RETURNS TABLE (village_id int, residents int, households int, poor int, seriously_ill int, disabled int,
               empty_nest int, left_behind_children int, community_correction int, special int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT village_id, residents, households, poor, seriously_ill, disabled, empty_nest, left_behind_children,
         community_correction, special
  FROM coverage_village_households
  WHERE (SELECT lianxin_signed_in()) AND (town IS NULL OR town_id = town)
$$;
ALTER FUNCTION coverage_village_sizes(int) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_village_sizes(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_village_sizes(int) TO lianxin_app;

DROP FUNCTION coverage_village_special(int);

ANALYZE coverage_village_households;

---- create above / drop below ----
-- 032's function back.
CREATE FUNCTION coverage_village_special(town int)
RETURNS TABLE (village_id int, special bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT village_id, sum(special)::bigint
  FROM coverage_cells
  WHERE (SELECT lianxin_signed_in()) AND (town IS NULL OR town_id = town)
  GROUP BY village_id
$$;
ALTER FUNCTION coverage_village_special(int) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_village_special(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_village_special(int) TO lianxin_app;

-- 009's function back.
DROP FUNCTION coverage_village_sizes(int);
CREATE FUNCTION coverage_village_sizes(town int)
RETURNS TABLE (village_id int, residents int, households int, poor int, seriously_ill int, disabled int,
               empty_nest int, left_behind_children int, community_correction int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT village_id, residents, households, poor, seriously_ill, disabled, empty_nest, left_behind_children,
         community_correction
  FROM coverage_village_households
  WHERE lianxin_signed_in() AND (town IS NULL OR town_id = town)
$$;
ALTER FUNCTION coverage_village_sizes(int) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_village_sizes(int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_village_sizes(int) TO lianxin_app;

-- 009's trigger body back: the same but for the special column.
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

ALTER TABLE coverage_village_households DROP COLUMN special;
