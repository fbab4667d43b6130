-- The summary's towns without activity and projects without visit leave
-- out the villages the caller's gap report suppresses (privacy rule 2), as
-- its diary totals do since 019.
--
-- coverage_active_towns called a town active when its members wrote any
-- entry in the window. A town whose members' only entries were in
-- suppressed villages then showed as active to a planner while every
-- village shown had no visit and the summary's totals (019) had none of
-- its entries: the list told that the suppressed villages had entries.
-- coverage_projects_visited likewise called a project visited by an entry
-- in a suppressed village, which the summary's enterprises_visited (019)
-- no longer counts. The caller passes the villages to leave out (ids; NULL
-- or empty: none), as for coverage_summary; an entry is in its own
-- village, else its household's.
DROP FUNCTION coverage_active_towns(date, date);

CREATE FUNCTION coverage_active_towns(from_day date, to_day date, leave_out int[])
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT town_id FROM coverage_visit_days
  WHERE lianxin_signed_in() AND day >= from_day AND day < to_day
    AND village_id <> ALL (coalesce(leave_out, '{}'))
$$;
ALTER FUNCTION coverage_active_towns(date, date, int[]) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_active_towns(date, date, int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_active_towns(date, date, int[]) TO lianxin_app;

DROP FUNCTION coverage_projects_visited(timestamptz, timestamptz);

CREATE FUNCTION coverage_projects_visited(from_at timestamptz, to_at timestamptz, leave_out int[])
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT v.project_id FROM visits v
  WHERE lianxin_signed_in() AND v.project_id IS NOT NULL AND v.occurred_at >= from_at AND v.occurred_at < to_at
    AND (coalesce(leave_out, '{}') = '{}'
         OR coalesce(v.village_id, (SELECT hd.village_id FROM coverage_household_days hd
                                    WHERE hd.household_id = v.household_id LIMIT 1), 0) <> ALL (leave_out))
$$;
ALTER FUNCTION coverage_projects_visited(timestamptz, timestamptz, int[]) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_projects_visited(timestamptz, timestamptz, int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_projects_visited(timestamptz, timestamptz, int[]) TO lianxin_app;

---- create above / drop below ----
DROP FUNCTION coverage_projects_visited(timestamptz, timestamptz, int[]);
-- 018's body:
CREATE FUNCTION coverage_projects_visited(from_at timestamptz, to_at timestamptz)
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT project_id FROM visits
  WHERE lianxin_signed_in() AND project_id IS NOT NULL AND occurred_at >= from_at AND occurred_at < to_at
$$;
ALTER FUNCTION coverage_projects_visited(timestamptz, timestamptz) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_projects_visited(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_projects_visited(timestamptz, timestamptz) TO lianxin_app;
DROP FUNCTION coverage_active_towns(date, date, int[]);
-- 009's body:
CREATE FUNCTION coverage_active_towns(from_day date, to_day date)
RETURNS SETOF int
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT town_id FROM coverage_visit_days
  WHERE lianxin_signed_in() AND day >= from_day AND day < to_day
$$;
ALTER FUNCTION coverage_active_towns(date, date) OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_active_towns(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_active_towns(date, date) TO lianxin_app;
