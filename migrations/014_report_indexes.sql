-- The summary report at scale 10 (3.3 M households, 613 k visits) took about
-- 0.5 s per town even with the village coverage cached; three lookups were
-- most of it:
--
-- 1. "Key enterprises and projects with no visit" anti-joined projects to
--    every visit of the window (no index led with project_id): a parallel
--    scan of all visits, 270 ms. Only a few visits name a project, so a
--    partial index on them makes it an index scan: 1 ms.
-- 2. The summary's per-town sums read coverage_household_days and
--    coverage_visit_days whole and filtered the town afterwards (their keys
--    lead with household or day): indexes on (town_id, day) make the town's
--    rows a range (44 → 10 ms, 52 → 36 ms).
-- 3. PL/pgSQL keeps a generic plan for RETURN QUERY after five calls, one
--    that cannot know whether town is NULL (012 found the same in
--    coverage_cell_sums): the functions filtering by an optional town plan
--    every call for its arguments.
CREATE INDEX visits_project_idx ON visits (project_id, occurred_at) WHERE project_id IS NOT NULL;
CREATE INDEX coverage_visit_days_town_idx ON coverage_visit_days (town_id, day);
CREATE INDEX coverage_household_days_town_idx ON coverage_household_days (town_id, day);
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_village_visited(date, date, int) SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION coverage_village_visits(date, date, int) SET plan_cache_mode = force_custom_plan;

---- create above / drop below ----
ALTER FUNCTION coverage_village_visits(date, date, int) RESET plan_cache_mode;
ALTER FUNCTION coverage_village_visited(date, date, int) RESET plan_cache_mode;
ALTER FUNCTION coverage_summary(date, date, int, timestamptz, timestamptz) RESET plan_cache_mode;
DROP INDEX coverage_household_days_town_idx;
DROP INDEX coverage_visit_days_town_idx;
DROP INDEX visits_project_idx;
