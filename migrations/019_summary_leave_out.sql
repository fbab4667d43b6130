-- The summary's diary totals leave out the villages the caller's gap report
-- suppresses (privacy rule 2: villages of 1 to 4 households, and those
-- suppressed to protect them).
--
-- The summary's per-village figures already left these villages out, but
-- its diary totals (entries by kind, participants, problems collected and
-- resolved, petitions and disputes resolved, households assisted,
-- enterprises visited) summed every village of the area. The gap report
-- shows visits and problems per village, so for a role without household
-- access a town's total less the villages shown gave the suppressed
-- villages' visits and problems back. Which villages are suppressed is the
-- privacy package's decision (complementary suppression is not a property
-- of one village), so the caller passes them: leave_out, village ids, NULL
-- or empty for the exact totals (household access). An entry is in a
-- village as coverage_visit_days files it: its own village, else its
-- household's.
SET LOCAL statement_timeout = 0;

DROP FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz);

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

---- create above / drop below ----
DROP FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz, int[]);
-- 009's body, with 014's plan setting:
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
  HAVING lianxin_signed_in();
END
$$;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) TO lianxin_app;
