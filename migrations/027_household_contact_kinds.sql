-- Which diary entries count as a visit to a household.
--
-- A diary entry may name a household whatever its kind. Until now every
-- entry that named one counted: household_visits went up and the
-- household's residents counted towards its village's one-third, so an
-- enterprise visit or a publicity event that happened to name a household
-- (its owner, a participant) made that household "visited". Household
-- coverage is about contact with the household itself; by the kinds'
-- meanings (002's CHECK on visits.kind):
--   household_visit      a visit to the household             counts
--   assistance_delivery  aid delivered to the household       counts
--   enterprise_visit     a visit to an enterprise             does not
--   project_site_visit   a visit to a project or works site   does not
--   village_meeting      a meeting of the village             does not
--   publicity_event      a publicity event (many people)      does not
-- household_contact is that one definition. Every aggregate of household
-- coverage reads it: coverage_household_days (visited households and their
-- residents: the gap report, the hexagons, the summary's households
-- visited), coverage_visit_days.household_visits, and the members'
-- ten-household rule (store/coverage_reports.go). Entries of the other
-- kinds still count as visits of their village (visits, problems, last
-- visit day) and in their own kind's totals.

-- Rows are recomputed below by the tables' owner, whom row-level security
-- holds too (FORCE): read every town for this transaction only.
SELECT set_config('lianxin.all_towns', 'true', true), set_config('lianxin.user', 'migration', true);
SET LOCAL statement_timeout = 0;

-- coverage_refresh_households, coverage_visits_changed (006) and
-- coverage_household_visits_moved (018) come back below with the rule.
CREATE FUNCTION household_contact(kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT kind IN ('household_visit', 'assistance_delivery')
$$;

CREATE OR REPLACE FUNCTION coverage_refresh_households(ids bigint[]) RETURNS void
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
                      FROM visits WHERE visits.household_id = u.id AND household_contact(visits.kind)
                      GROUP BY 1) d;
$$;

-- coverage_visits_changed adds the inserted visits to coverage_visit_days and
-- subtracts the deleted ones (an update is both), then recomputes the
-- household-day rows of every household the statement touched.
CREATE OR REPLACE FUNCTION coverage_visits_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO coverage_visit_days AS d
    SELECT campaign_day(v.occurred_at), v.town_id, coalesce(v.village_id, h.village_id, 0),
           coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0),
           -count(*), -count(*) FILTER (WHERE v.household_id IS NOT NULL AND household_contact(v.kind)),
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
           count(*), count(*) FILTER (WHERE v.household_id IS NOT NULL AND household_contact(v.kind)),
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

CREATE OR REPLACE FUNCTION coverage_household_visits_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT n.id, o.village_id AS old_village, n.village_id AS new_village, o.cell AS old_cell, n.cell AS new_cell
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.village_id IS DISTINCT FROM n.village_id OR h3_parent(o.cell, 10) IS DISTINCT FROM h3_parent(n.cell, 10)),
  delta AS (
    SELECT campaign_day(v.occurred_at) AS day, v.town_id, coalesce(v.village_id, s.village, 0) AS village_id,
           coalesce(h3_parent(coalesce(v.cell, s.cell), 10), 0) AS cell, s.sign, v.household_id, v.kind,
           v.participants, v.problems_collected, v.problems_resolved, v.petition_resolved, v.dispute_resolved
    FROM moved m
    JOIN visits v ON v.household_id = m.id AND (v.village_id IS NULL OR v.cell IS NULL)
    CROSS JOIN LATERAL (VALUES (-1, m.old_village, m.old_cell), (1, m.new_village, m.new_cell)) AS s(sign, village, cell))
  INSERT INTO coverage_visit_days AS d
  SELECT d0.day, d0.town_id, d0.village_id, d0.cell,
         sum(d0.sign), coalesce(sum(d0.sign) FILTER (WHERE d0.household_id IS NOT NULL AND household_contact(d0.kind)), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'enterprise_visit'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'project_site_visit'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'village_meeting'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'publicity_event'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'assistance_delivery'), 0),
         sum(d0.sign * d0.participants), coalesce(sum(d0.sign * d0.participants) FILTER (WHERE d0.kind = 'publicity_event'), 0),
         sum(d0.sign * d0.problems_collected), sum(d0.sign * d0.problems_resolved),
         coalesce(sum(d0.sign) FILTER (WHERE d0.petition_resolved), 0), coalesce(sum(d0.sign) FILTER (WHERE d0.dispute_resolved), 0)
  FROM delta d0
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
  RETURN NULL;
END
$$;
-- CREATE OR REPLACE resets a function's SET clauses: keep 020's.
ALTER FUNCTION coverage_visits_changed() SET "lianxin.user" = '';

-- Bring the tables in line with the rule for the entries already written.
WITH wrong AS (
  SELECT campaign_day(v.occurred_at) AS day, v.town_id, coalesce(v.village_id, h.village_id, 0) AS village_id,
         coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0) AS cell, count(*)::int AS n
  FROM visits v JOIN households h ON h.id = v.household_id
  WHERE NOT household_contact(v.kind)
  GROUP BY 1, 2, 3, 4)
UPDATE coverage_visit_days d SET household_visits = d.household_visits - w.n
FROM wrong w
WHERE d.day = w.day AND d.town_id = w.town_id AND d.village_id = w.village_id AND d.cell = w.cell;
SELECT coverage_refresh_households(ARRAY(
  SELECT DISTINCT household_id FROM visits WHERE household_id IS NOT NULL AND NOT household_contact(kind)));

---- create above / drop below ----
SELECT set_config('lianxin.all_towns', 'true', true), set_config('lianxin.user', 'migration', true);
SET LOCAL statement_timeout = 0;
CREATE OR REPLACE FUNCTION coverage_refresh_households(ids bigint[]) RETURNS void
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
CREATE OR REPLACE FUNCTION coverage_visits_changed() RETURNS trigger
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

CREATE OR REPLACE FUNCTION coverage_household_visits_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT n.id, o.village_id AS old_village, n.village_id AS new_village, o.cell AS old_cell, n.cell AS new_cell
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.village_id IS DISTINCT FROM n.village_id OR h3_parent(o.cell, 10) IS DISTINCT FROM h3_parent(n.cell, 10)),
  delta AS (
    SELECT campaign_day(v.occurred_at) AS day, v.town_id, coalesce(v.village_id, s.village, 0) AS village_id,
           coalesce(h3_parent(coalesce(v.cell, s.cell), 10), 0) AS cell, s.sign, v.household_id, v.kind,
           v.participants, v.problems_collected, v.problems_resolved, v.petition_resolved, v.dispute_resolved
    FROM moved m
    JOIN visits v ON v.household_id = m.id AND (v.village_id IS NULL OR v.cell IS NULL)
    CROSS JOIN LATERAL (VALUES (-1, m.old_village, m.old_cell), (1, m.new_village, m.new_cell)) AS s(sign, village, cell))
  INSERT INTO coverage_visit_days AS d
  SELECT d0.day, d0.town_id, d0.village_id, d0.cell,
         sum(d0.sign), sum(d0.sign) FILTER (WHERE d0.household_id IS NOT NULL),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'enterprise_visit'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'project_site_visit'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'village_meeting'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'publicity_event'), 0),
         coalesce(sum(d0.sign) FILTER (WHERE d0.kind = 'assistance_delivery'), 0),
         sum(d0.sign * d0.participants), coalesce(sum(d0.sign * d0.participants) FILTER (WHERE d0.kind = 'publicity_event'), 0),
         sum(d0.sign * d0.problems_collected), sum(d0.sign * d0.problems_resolved),
         coalesce(sum(d0.sign) FILTER (WHERE d0.petition_resolved), 0), coalesce(sum(d0.sign) FILTER (WHERE d0.dispute_resolved), 0)
  FROM delta d0
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
  RETURN NULL;
END
$$;
-- CREATE OR REPLACE resets a function's SET clauses: keep 020's.
ALTER FUNCTION coverage_visits_changed() SET "lianxin.user" = '';
WITH wrong AS (
  SELECT campaign_day(v.occurred_at) AS day, v.town_id, coalesce(v.village_id, h.village_id, 0) AS village_id,
         coalesce(h3_parent(coalesce(v.cell, h.cell), 10), 0) AS cell, count(*)::int AS n
  FROM visits v JOIN households h ON h.id = v.household_id
  WHERE NOT household_contact(v.kind)
  GROUP BY 1, 2, 3, 4)
UPDATE coverage_visit_days d SET household_visits = d.household_visits + w.n
FROM wrong w
WHERE d.day = w.day AND d.town_id = w.town_id AND d.village_id = w.village_id AND d.cell = w.cell;
SELECT coverage_refresh_households(ARRAY(
  SELECT DISTINCT household_id FROM visits WHERE household_id IS NOT NULL AND NOT household_contact(kind)));
DROP FUNCTION household_contact(text);
