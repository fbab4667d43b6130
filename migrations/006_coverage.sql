-- Coverage aggregates, kept current by statement-level triggers so reports
-- and hexagon tiles never scan the whole diary per request.
--
-- Three tables, all at H3 resolution 10 (coarser cells come from h3_parent)
-- and at day granularity in campaign time (UTC+8), so any window of whole
-- days is a sum over precomputed rows:
--   coverage_cells           households, residents and special-group
--                            households per cell and village (no time);
--   coverage_household_days  one row per household per day it was visited,
--                            with the household's previous visit day, so a
--                            window counts each household once, on its first
--                            visit inside the window (prev_day < from);
--   coverage_visit_days      visits, problems and outcomes per day, town,
--                            village and cell.
-- Triggers with transition tables on households and visits maintain them
-- inside the writing transaction, whatever wrote (import, demo, psql): an
-- import's visits show in reports the moment it commits.

-- Filling the tables from rows already loaded takes minutes on a large
-- county (scale 10: 3 million households): lift the session's statement
-- timeout for this migration's transaction only.
SET LOCAL statement_timeout = 0;

-- campaign_day is the calendar day of an instant in campaign time (UTC+8).
CREATE FUNCTION campaign_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (t AT TIME ZONE 'Asia/Shanghai')::date
$$;

-- special_flags packs a household's special groups into bits, in the order
-- of coverage.Groups: poor 1, seriously ill 2, disabled 4, empty-nest 8,
-- left-behind children 16, community correction 32.
CREATE FUNCTION special_flags(poor boolean, seriously_ill boolean, disabled boolean, empty_nest boolean,
                              left_behind_children boolean, community_correction boolean) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  -- | and << share one precedence in PostgreSQL: every shift is bracketed.
  SELECT (poor::int | (seriously_ill::int << 1) | (disabled::int << 2) | (empty_nest::int << 3)
          | (left_behind_children::int << 4) | (community_correction::int << 5))::smallint
$$;

CREATE TABLE coverage_cells (
  cell                  bigint NOT NULL,   -- H3 resolution 10
  village_id            int NOT NULL,
  town_id               int NOT NULL,
  households            int NOT NULL,
  residents             bigint NOT NULL,
  special               int NOT NULL,      -- households in at least one special group
  poor                  int NOT NULL,
  seriously_ill         int NOT NULL,
  disabled              int NOT NULL,
  empty_nest            int NOT NULL,
  left_behind_children  int NOT NULL,
  community_correction  int NOT NULL,
  PRIMARY KEY (cell, village_id)
);
CREATE INDEX coverage_cells_village_idx ON coverage_cells (village_id);
CREATE INDEX coverage_cells_town_idx ON coverage_cells (town_id);

-- Households per village and household size, with their special groups: the
-- gap report's greedy "households still needed" works from these histograms.
CREATE TABLE coverage_village_households (
  village_id            int NOT NULL,
  residents             int NOT NULL,      -- household size
  town_id               int NOT NULL,
  households            int NOT NULL,
  poor                  int NOT NULL,
  seriously_ill         int NOT NULL,
  disabled              int NOT NULL,
  empty_nest            int NOT NULL,
  left_behind_children  int NOT NULL,
  community_correction  int NOT NULL,
  PRIMARY KEY (village_id, residents)
);

CREATE TABLE coverage_household_days (
  household_id  bigint NOT NULL,
  day           date NOT NULL,
  prev_day      date,                      -- previous visit day of this household; NULL for its first
  village_id    int NOT NULL,
  town_id       int NOT NULL,
  cell          bigint NOT NULL,           -- the household's cell, H3 resolution 10
  residents     int NOT NULL,
  flags         smallint NOT NULL,         -- special_flags of the household
  visits        int NOT NULL,
  PRIMARY KEY (household_id, day)
);
CREATE INDEX coverage_household_days_day_idx ON coverage_household_days (day);
CREATE INDEX coverage_household_days_cell_idx ON coverage_household_days (cell);

CREATE TABLE coverage_visit_days (
  day                  date NOT NULL,
  town_id              int NOT NULL,      -- the visiting member's town
  village_id           int NOT NULL,      -- the visit's village, else its household's; 0: outside every village
  cell                 bigint NOT NULL,   -- the visit's location, else its household's, at resolution 10; 0: unknown
  visits               int NOT NULL,
  household_visits     int NOT NULL,
  enterprise_visits    int NOT NULL,
  project_site_visits  int NOT NULL,
  village_meetings     int NOT NULL,
  publicity_events     int NOT NULL,
  assistance_deliveries int NOT NULL,
  participants         bigint NOT NULL,   -- at publicity events and meetings
  publicity_participants bigint NOT NULL,
  problems_collected   bigint NOT NULL,
  problems_resolved    bigint NOT NULL,
  petitions_resolved   int NOT NULL,
  disputes_resolved    int NOT NULL,
  PRIMARY KEY (day, town_id, village_id, cell)
);
CREATE INDEX coverage_visit_days_village_idx ON coverage_visit_days (village_id, day);
CREATE INDEX coverage_visit_days_cell_idx ON coverage_visit_days (cell);

-- coverage_refresh_households recomputes the household-day rows of the given
-- households from the diary: cheap per household, and right whatever changed
-- (a visit added before an earlier one shifts prev_day of the next).
CREATE FUNCTION coverage_refresh_households(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM coverage_household_days WHERE household_id = ANY (ids);
  INSERT INTO coverage_household_days (household_id, day, prev_day, village_id, town_id, cell, residents, flags, visits)
  SELECT h.id, d.day, lag(d.day) OVER (PARTITION BY h.id ORDER BY d.day),
         h.village_id, h.town_id, h3_parent(h.cell, 10), h.residents,
         special_flags(h.poor, h.seriously_ill, h.disabled, h.empty_nest, h.left_behind_children, h.community_correction),
         d.visits
  FROM unnest(ids) AS u(id)
  -- LATERAL keeps both lookups on their indexes: an import touches thousands
  -- of households out of millions, and a hash join would scan them all
  -- (LIMIT 1 keeps the planner from flattening the subquery back into one).
  CROSS JOIN LATERAL (SELECT * FROM households WHERE households.id = u.id LIMIT 1) h
  CROSS JOIN LATERAL (SELECT campaign_day(occurred_at) AS day, count(*)::int AS visits
                      FROM visits WHERE visits.household_id = u.id
                      GROUP BY 1) d;
$$;

-- coverage_visits_changed adds the inserted visits to coverage_visit_days and
-- subtracts the deleted ones (an update is both), then recomputes the
-- household-day rows of every household the statement touched.
CREATE FUNCTION coverage_visits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO coverage_visit_days AS d
    SELECT campaign_day(v.occurred_at), v.town_id, coalesce(v.village_id, h.village_id, 0),
           coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0),
           -count(*), -count(v.household_id),
           -count(*) FILTER (WHERE v.kind = 'enterprise_visit'), -count(*) FILTER (WHERE v.kind = 'project_site_visit'),
           -count(*) FILTER (WHERE v.kind = 'village_meeting'), -count(*) FILTER (WHERE v.kind = 'publicity_event'),
           -count(*) FILTER (WHERE v.kind = 'assistance_delivery'),
           -sum(v.participants), -coalesce(sum(v.participants) FILTER (WHERE v.kind = 'publicity_event'), 0),
           -sum(v.problems_collected), -sum(v.problems_resolved),
           -count(*) FILTER (WHERE v.petition_resolved), -count(*) FILTER (WHERE v.dispute_resolved)
    FROM old_rows v LEFT JOIN LATERAL (SELECT village_id, cell FROM households WHERE households.id = v.household_id LIMIT 1) h ON true
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (day, town_id, village_id, cell) DO UPDATE SET
      visits = d.visits + EXCLUDED.visits,
      household_visits = d.household_visits + EXCLUDED.household_visits,
      enterprise_visits = d.enterprise_visits + EXCLUDED.enterprise_visits,
      project_site_visits = d.project_site_visits + EXCLUDED.project_site_visits,
      village_meetings = d.village_meetings + EXCLUDED.village_meetings,
      publicity_events = d.publicity_events + EXCLUDED.publicity_events,
      assistance_deliveries = d.assistance_deliveries + EXCLUDED.assistance_deliveries,
      participants = d.participants + EXCLUDED.participants,
      publicity_participants = d.publicity_participants + EXCLUDED.publicity_participants,
      problems_collected = d.problems_collected + EXCLUDED.problems_collected,
      problems_resolved = d.problems_resolved + EXCLUDED.problems_resolved,
      petitions_resolved = d.petitions_resolved + EXCLUDED.petitions_resolved,
      disputes_resolved = d.disputes_resolved + EXCLUDED.disputes_resolved;
    DELETE FROM coverage_visit_days WHERE visits <= 0;
    ids := ARRAY(SELECT DISTINCT household_id FROM old_rows WHERE household_id IS NOT NULL);
    PERFORM coverage_refresh_households(ids);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO coverage_visit_days AS d
    SELECT campaign_day(v.occurred_at), v.town_id, coalesce(v.village_id, h.village_id, 0),
           coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0),
           count(*), count(v.household_id),
           count(*) FILTER (WHERE v.kind = 'enterprise_visit'), count(*) FILTER (WHERE v.kind = 'project_site_visit'),
           count(*) FILTER (WHERE v.kind = 'village_meeting'), count(*) FILTER (WHERE v.kind = 'publicity_event'),
           count(*) FILTER (WHERE v.kind = 'assistance_delivery'),
           sum(v.participants), coalesce(sum(v.participants) FILTER (WHERE v.kind = 'publicity_event'), 0),
           sum(v.problems_collected), sum(v.problems_resolved),
           count(*) FILTER (WHERE v.petition_resolved), count(*) FILTER (WHERE v.dispute_resolved)
    FROM new_rows v LEFT JOIN LATERAL (SELECT village_id, cell FROM households WHERE households.id = v.household_id LIMIT 1) h ON true
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (day, town_id, village_id, cell) DO UPDATE SET
      visits = d.visits + EXCLUDED.visits,
      household_visits = d.household_visits + EXCLUDED.household_visits,
      enterprise_visits = d.enterprise_visits + EXCLUDED.enterprise_visits,
      project_site_visits = d.project_site_visits + EXCLUDED.project_site_visits,
      village_meetings = d.village_meetings + EXCLUDED.village_meetings,
      publicity_events = d.publicity_events + EXCLUDED.publicity_events,
      assistance_deliveries = d.assistance_deliveries + EXCLUDED.assistance_deliveries,
      participants = d.participants + EXCLUDED.participants,
      publicity_participants = d.publicity_participants + EXCLUDED.publicity_participants,
      problems_collected = d.problems_collected + EXCLUDED.problems_collected,
      problems_resolved = d.problems_resolved + EXCLUDED.problems_resolved,
      petitions_resolved = d.petitions_resolved + EXCLUDED.petitions_resolved,
      disputes_resolved = d.disputes_resolved + EXCLUDED.disputes_resolved;
    ids := ARRAY(SELECT DISTINCT household_id FROM new_rows WHERE household_id IS NOT NULL);
    PERFORM coverage_refresh_households(ids);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER visits_coverage_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();
CREATE TRIGGER visits_coverage_update AFTER UPDATE ON visits
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();
CREATE TRIGGER visits_coverage_delete AFTER DELETE ON visits
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_visits_changed();

CREATE FUNCTION coverage_households_changed() RETURNS trigger
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
    -- residents, flags, village or cell may have changed: visited rows copy them.
    PERFORM coverage_refresh_households(ARRAY(SELECT id FROM new_rows));
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER households_coverage_insert AFTER INSERT ON households
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_households_changed();
CREATE TRIGGER households_coverage_update AFTER UPDATE ON households
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_households_changed();
CREATE TRIGGER households_coverage_delete AFTER DELETE ON households
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_households_changed();

-- TRUNCATE has no transition table: empty what depends on the table.
CREATE FUNCTION coverage_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'visits' THEN
    TRUNCATE coverage_visit_days, coverage_household_days;
  ELSE
    TRUNCATE coverage_cells, coverage_village_households, coverage_household_days;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER visits_coverage_truncate AFTER TRUNCATE ON visits FOR EACH STATEMENT EXECUTE FUNCTION coverage_truncated();
CREATE TRIGGER households_coverage_truncate AFTER TRUNCATE ON households FOR EACH STATEMENT EXECUTE FUNCTION coverage_truncated();

-- Snapshots freeze the gap report and the summary as of a date, with the
-- layer versions of their inputs, so week-over-week diffs compare like with like.
CREATE TABLE coverage_snapshots (
  id           bigserial PRIMARY KEY,
  as_of        date NOT NULL,
  window_from  date NOT NULL,
  town_id      int REFERENCES towns (id) ON DELETE CASCADE,   -- NULL: the whole county
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text NOT NULL DEFAULT '',
  versions     jsonb NOT NULL,
  gaps         jsonb NOT NULL,
  summary      jsonb NOT NULL
);

-- Fill from rows already loaded (a database migrated after its data).
INSERT INTO coverage_cells
SELECT h3_parent(cell, 10), village_id, min(town_id), count(*), sum(residents),
       count(*) FILTER (WHERE poor OR seriously_ill OR disabled OR empty_nest OR left_behind_children OR community_correction),
       count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
       count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
       count(*) FILTER (WHERE community_correction)
FROM households GROUP BY 1, 2;

INSERT INTO coverage_village_households
SELECT village_id, residents, min(town_id), count(*),
       count(*) FILTER (WHERE poor), count(*) FILTER (WHERE seriously_ill), count(*) FILTER (WHERE disabled),
       count(*) FILTER (WHERE empty_nest), count(*) FILTER (WHERE left_behind_children),
       count(*) FILTER (WHERE community_correction)
FROM households GROUP BY 1, 2;

INSERT INTO coverage_visit_days
SELECT campaign_day(v.occurred_at), v.town_id, coalesce(v.village_id, h.village_id, 0),
       coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0),
       count(*), count(v.household_id),
       count(*) FILTER (WHERE v.kind = 'enterprise_visit'), count(*) FILTER (WHERE v.kind = 'project_site_visit'),
       count(*) FILTER (WHERE v.kind = 'village_meeting'), count(*) FILTER (WHERE v.kind = 'publicity_event'),
       count(*) FILTER (WHERE v.kind = 'assistance_delivery'),
       sum(v.participants), coalesce(sum(v.participants) FILTER (WHERE v.kind = 'publicity_event'), 0),
       sum(v.problems_collected), sum(v.problems_resolved),
       count(*) FILTER (WHERE v.petition_resolved), count(*) FILTER (WHERE v.dispute_resolved)
FROM visits v LEFT JOIN households h ON h.id = v.household_id
GROUP BY 1, 2, 3, 4;

INSERT INTO coverage_household_days (household_id, day, prev_day, village_id, town_id, cell, residents, flags, visits)
SELECT d.household_id, d.day, lag(d.day) OVER (PARTITION BY d.household_id ORDER BY d.day),
       h.village_id, h.town_id, h3_parent(h.cell, 10), h.residents,
       special_flags(h.poor, h.seriously_ill, h.disabled, h.empty_nest, h.left_behind_children, h.community_correction),
       d.visits
FROM (SELECT household_id, campaign_day(occurred_at) AS day, count(*)::int AS visits
      FROM visits WHERE household_id IS NOT NULL GROUP BY 1, 2) d
JOIN households h ON h.id = d.household_id;

ANALYZE coverage_cells;
ANALYZE coverage_village_households;
ANALYZE coverage_visit_days;
ANALYZE coverage_household_days;

---- create above / drop below ----
DROP TABLE coverage_snapshots;
DROP TRIGGER households_coverage_truncate ON households;
DROP TRIGGER visits_coverage_truncate ON visits;
DROP FUNCTION coverage_truncated();
DROP TRIGGER households_coverage_delete ON households;
DROP TRIGGER households_coverage_update ON households;
DROP TRIGGER households_coverage_insert ON households;
DROP FUNCTION coverage_households_changed();
DROP TRIGGER visits_coverage_delete ON visits;
DROP TRIGGER visits_coverage_update ON visits;
DROP TRIGGER visits_coverage_insert ON visits;
DROP FUNCTION coverage_visits_changed();
DROP FUNCTION coverage_refresh_households(bigint[]);
DROP TABLE coverage_visit_days, coverage_household_days, coverage_village_households, coverage_cells;
DROP FUNCTION special_flags(boolean, boolean, boolean, boolean, boolean, boolean);
DROP FUNCTION campaign_day(timestamptz);
