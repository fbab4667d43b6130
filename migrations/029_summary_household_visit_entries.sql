-- The summary counts household visits as entries, like every other kind.
--
-- coverage_summary's household_visits is coverage_visit_days.household_visits:
-- entries that reached a household (027's household_contact: a household
-- visit or an assistance delivery that names its household). The web map
-- showed household_visits - assistance_deliveries as the household visits
-- card, which is wrong when an entry names no household (the visits import
-- leaves household_id optional for every kind): a delivery with no
-- household made the card too low, even negative, and a household visit
-- with no household was counted in visits but in no kind. The new column
-- household_visit_entries counts entries of kind household_visit, with or
-- without a household, as enterprise_visits ... assistance_deliveries count
-- theirs, so that the six kinds add up to visits. It is read from visits in
-- the same pass as households_assisted, under the same rules (the window,
-- the town, the villages left out: an entry is in its own village, else its
-- household's). household_visits keeps its meaning.
SET LOCAL statement_timeout = 0;

DROP FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]);

CREATE FUNCTION coverage_summary(from_day date, to_day date, town int, from_at timestamptz, to_at timestamptz,
                                 leave_out int[])
RETURNS TABLE (visits bigint, household_visits bigint, enterprise_visits bigint, project_site_visits bigint,
               village_meetings bigint, publicity_events bigint, publicity_participants bigint,
               assistance_deliveries bigint, problems_collected bigint, problems_resolved bigint,
               petitions_resolved bigint, disputes_resolved bigint,
               households_visited bigint, households_assisted bigint, enterprises_visited bigint,
               household_visit_entries bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  out_ int[] := coalesce(leave_out, '{}');
  assisted bigint;
  hv_entries bigint;
BEGIN
  -- One pass over the window's entries of the two kinds for both figures.
  SELECT count(DISTINCT v.household_id) FILTER (WHERE v.kind = 'assistance_delivery' AND v.household_id IS NOT NULL),
         count(*) FILTER (WHERE v.kind = 'household_visit')
  INTO assisted, hv_entries
  FROM visits v
  WHERE v.kind IN ('assistance_delivery', 'household_visit')
    AND v.occurred_at >= from_at AND v.occurred_at < to_at AND (town IS NULL OR v.town_id = town)
    AND (out_ = '{}' OR coalesce(v.village_id, (SELECT hd.village_id FROM coverage_household_days hd
                                                 WHERE hd.household_id = v.household_id LIMIT 1), 0)
                       <> ALL (out_));
  RETURN QUERY
  SELECT coalesce(sum(d.visits), 0)::bigint, coalesce(sum(d.household_visits), 0)::bigint,
         coalesce(sum(d.enterprise_visits), 0)::bigint, coalesce(sum(d.project_site_visits), 0)::bigint,
         coalesce(sum(d.village_meetings), 0)::bigint, coalesce(sum(d.publicity_events), 0)::bigint,
         coalesce(sum(d.publicity_participants), 0)::bigint, coalesce(sum(d.assistance_deliveries), 0)::bigint,
         coalesce(sum(d.problems_collected), 0)::bigint, coalesce(sum(d.problems_resolved), 0)::bigint,
         coalesce(sum(d.petitions_resolved), 0)::bigint, coalesce(sum(d.disputes_resolved), 0)::bigint,
         (SELECT count(*) FROM coverage_household_days
          WHERE day >= from_day AND day < to_day AND (prev_day IS NULL OR prev_day < from_day)
            AND (town IS NULL OR town_id = town) AND village_id <> ALL (out_)),
         assisted,
         (SELECT count(DISTINCT v.project_id) FROM visits v
          WHERE v.kind = 'enterprise_visit' AND v.project_id IS NOT NULL
            AND v.occurred_at >= from_at AND v.occurred_at < to_at AND (town IS NULL OR v.town_id = town)
            AND (out_ = '{}' OR coalesce(v.village_id, (SELECT hd.village_id FROM coverage_household_days hd
                                                         WHERE hd.household_id = v.household_id LIMIT 1), 0)
                               <> ALL (out_))),
         hv_entries
  FROM coverage_visit_days d
  WHERE d.day >= from_day AND d.day < to_day AND (town IS NULL OR d.town_id = town) AND d.village_id <> ALL (out_)
  -- HAVING, not WHERE: an aggregate without GROUP BY answers one row (and its
  -- subqueries) even when WHERE matches nothing.
  HAVING lianxin_signed_in();
END
$$;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) TO lianxin_app;

---- create above / drop below ----
DROP FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]);
-- 019's body:
CREATE FUNCTION coverage_summary(from_day date, to_day date, town int, from_at timestamptz, to_at timestamptz,
                                 leave_out int[])
RETURNS TABLE (visits bigint, household_visits bigint, enterprise_visits bigint, project_site_visits bigint,
               village_meetings bigint, publicity_events bigint, publicity_participants bigint,
               assistance_deliveries bigint, problems_collected bigint, problems_resolved bigint,
               petitions_resolved bigint, disputes_resolved bigint,
               households_visited bigint, households_assisted bigint, enterprises_visited bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  out_ int[] := coalesce(leave_out, '{}');
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
            AND (town IS NULL OR town_id = town) AND village_id <> ALL (out_)),
         (SELECT count(DISTINCT v.household_id) FROM visits v
          WHERE v.kind = 'assistance_delivery' AND v.household_id IS NOT NULL
            AND v.occurred_at >= from_at AND v.occurred_at < to_at AND (town IS NULL OR v.town_id = town)
            AND (out_ = '{}' OR coalesce(v.village_id, (SELECT hd.village_id FROM coverage_household_days hd
                                                         WHERE hd.household_id = v.household_id LIMIT 1), 0)
                               <> ALL (out_))),
         (SELECT count(DISTINCT v.project_id) FROM visits v
          WHERE v.kind = 'enterprise_visit' AND v.project_id IS NOT NULL
            AND v.occurred_at >= from_at AND v.occurred_at < to_at AND (town IS NULL OR v.town_id = town)
            AND (out_ = '{}' OR coalesce(v.village_id, (SELECT hd.village_id FROM coverage_household_days hd
                                                         WHERE hd.household_id = v.household_id LIMIT 1), 0)
                               <> ALL (out_)))
  FROM coverage_visit_days d
  WHERE d.day >= from_day AND d.day < to_day AND (town IS NULL OR d.town_id = town) AND d.village_id <> ALL (out_)
  -- HAVING, not WHERE: an aggregate without GROUP BY answers one row (and its
  -- subqueries) even when WHERE matches nothing.
  HAVING lianxin_signed_in();
END
$$;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]) TO lianxin_app;
