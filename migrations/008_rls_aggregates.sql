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

-- Exports and imports keep their own records (007, 003); the audit log
-- admins read gets a line for each too, written by the same statement, so
-- no code path can export or import without leaving one.
CREATE FUNCTION audit_export() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log (at, actor, action, target, detail, rows)
  VALUES (NEW.at, NEW.actor, 'export', NEW.layer,
          jsonb_build_object('export_id', NEW.id, 'format', NEW.format, 'crs', NEW.crs, 'filter', NEW.filter,
                             'completed', NEW.completed),
          NEW.rows);
  RETURN NULL;
END
$$;
CREATE TRIGGER exports_audit AFTER INSERT ON exports FOR EACH ROW EXECUTE FUNCTION audit_export();

CREATE FUNCTION audit_import() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_log (actor, action, target, detail, rows)
  VALUES (coalesce(nullif(NEW.started_by, ''), 'unknown'), 'import', NEW.layer,
          jsonb_build_object('import_id', NEW.id, 'status', NEW.status, 'source', NEW.source,
                             'inserted', NEW.inserted, 'updated', NEW.updated, 'unchanged', NEW.unchanged,
                             'rejected', NEW.rejected),
          NEW.inserted + NEW.updated);
  RETURN NULL;
END
$$;
CREATE TRIGGER imports_audit AFTER UPDATE OF status ON imports
  FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status <> 'running') EXECUTE FUNCTION audit_import();

---- create above / drop below ----
DROP TRIGGER imports_audit ON imports;
DROP TRIGGER exports_audit ON exports;
DROP FUNCTION audit_import(), audit_export();
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
