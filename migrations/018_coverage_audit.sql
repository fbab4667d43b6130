-- Two faults an audit of the coverage rules against the raw tables found.
--
-- 1. Aggregates are county-wide for a member too. 010's member_rows narrows
-- visits for a user whose only place-bound role is member. Being RESTRICTIVE
-- and for every role, it also narrowed the reads of the aggregate functions
-- (SECURITY DEFINER, owned by lianxin_coverage) that count visits directly:
-- a member's summary counted households assisted and enterprises visited
-- over their own entries only (37 households against the county's 4,305 in
-- the demo), and its list of key enterprises, projects and works sites
-- "without a visit" named every one that only a colleague had visited. The
-- aggregate role reads visits whole, as it already reads the coverage
-- tables: its functions return sums and codes, never a row of a visit or a
-- household, and a member's detail rows stay their own.
ALTER POLICY member_rows ON visits
  USING (current_user = 'lianxin_coverage'
         OR (SELECT lianxin_members()) = '{}' OR member_id = ANY ((SELECT lianxin_members())::int[]));

-- Projects (ids) with at least one diary entry linked to them in
-- [from_at, to_at): the summary's second full coverage judges every key
-- enterprise, project and works site the caller may see by these, whoever
-- wrote the entry.
CREATE FUNCTION coverage_projects_visited(from_at timestamptz, to_at timestamptz)
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT project_id FROM visits
  WHERE lianxin_signed_in() AND project_id IS NOT NULL AND occurred_at >= from_at AND occurred_at < to_at
$$;
ALTER FUNCTION coverage_projects_visited(timestamptz, timestamptz) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_projects_visited(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_projects_visited(timestamptz, timestamptz) TO lianxin_app;

-- 2. A diary entry without a village or a place of its own is counted in
-- coverage_visit_days at its household's village and cell (006). Moving the
-- household (an import correcting its village or location) refreshed the
-- household's visited rows but left those entries where the household had
-- been: the old village kept their visits, problems and last visit day,
-- the new one never got them. Move them with the household: subtract them at
-- the old place, add them at the new one.
CREATE FUNCTION coverage_household_visits_moved() RETURNS trigger
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
CREATE TRIGGER households_coverage_visits_update AFTER UPDATE ON households
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_household_visits_moved();

---- create above / drop below ----
DROP TRIGGER households_coverage_visits_update ON households;
DROP FUNCTION coverage_household_visits_moved();
DROP FUNCTION coverage_projects_visited(timestamptz, timestamptz);
ALTER POLICY member_rows ON visits
  USING ((SELECT lianxin_members()) = '{}' OR member_id = ANY ((SELECT lianxin_members())::int[]));
