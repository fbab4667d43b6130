-- Row-level security on the tables migrations 005-007 added: the coverage
-- aggregates carry town_id like the rows they summarise, so the same policy
-- holds them to the caller's scope (FORCEd: the owner too; superusers always
-- bypass it, and the server never connects as one). The server's role may
-- write the aggregates because the coverage triggers, which run as the
-- caller, keep them current when an import adds visits or households.
-- store.TestEveryTownTableHasForcedRLS fails for any future table with a
-- town_id and no forced policy.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['coverage_cells', 'coverage_village_households', 'coverage_household_days',
                           'coverage_visit_days', 'coverage_snapshots']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    -- coverage_snapshots.town_id NULL is the whole county: only an all-towns scope reads it.
    EXECUTE format('CREATE POLICY town_scope ON %I
                    USING ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]))
                    WITH CHECK ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]))', t);
  END LOOP;
END
$$;

GRANT INSERT, UPDATE, DELETE ON coverage_cells, coverage_village_households, coverage_household_days,
                                coverage_visit_days TO lianxin_app;
GRANT INSERT ON coverage_snapshots, import_rejects TO lianxin_app;
GRANT INSERT, UPDATE ON exports TO lianxin_app;

---- create above / drop below ----
REVOKE INSERT, UPDATE, DELETE ON coverage_cells, coverage_village_households, coverage_household_days,
                                 coverage_visit_days FROM lianxin_app;
REVOKE INSERT ON coverage_snapshots, import_rejects FROM lianxin_app;
REVOKE INSERT, UPDATE ON exports FROM lianxin_app;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['coverage_cells', 'coverage_village_households', 'coverage_household_days',
                           'coverage_visit_days', 'coverage_snapshots']
  LOOP
    EXECUTE format('DROP POLICY town_scope ON %I', t);
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
