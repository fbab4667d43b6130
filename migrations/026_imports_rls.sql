-- Row-level security on the import records (003; imports.towns since 021):
-- who ran which import, of which file, what it counted and why it failed.
-- They carry no town_id, so which a town-scoped reader may read was the
-- store's query alone (store.importVisibleSQL). This holds the same rule in
-- PostgreSQL, as 024 did for the rejects files: county-wide scopes read every
-- record; a town-scoped one (a team leader) the imports run within its own
-- towns, or its own upload that had no town. A county-wide import (towns
-- NULL) is read county-wide only.
--
-- Writes follow what the store does. An import is recorded under its
-- scope (store.StartImport): a town-scoped importer records it in its own
-- name and within its own towns, never county-wide (towns NULL). It is
-- finished under the same scope (store.FinishImport), which may change only
-- its own records and keep them within its towns; county-wide scopes (the
-- reaper of dead imports, store.ReapImports, the command line) change any.
-- The server's role holds no DELETE on imports; the owner, county-wide,
-- may delete. The rejects files' policy (024) reads imports in a subquery,
-- now under this policy too: the same rule, so nothing changes there. No
-- SECURITY DEFINER function reads imports; the audit trigger (008) reads
-- only the row it fires for.
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;

CREATE POLICY import_scope_read ON imports FOR SELECT USING (
  (SELECT lianxin_all_towns())
  OR (towns <@ (SELECT lianxin_towns())
      AND (cardinality(towns) > 0 OR started_by = current_setting('lianxin.user', true))));
CREATE POLICY import_record ON imports FOR INSERT WITH CHECK (
  (SELECT lianxin_all_towns())
  OR (towns <@ (SELECT lianxin_towns()) AND started_by = current_setting('lianxin.user', true)));
CREATE POLICY import_finish ON imports FOR UPDATE
  USING ((SELECT lianxin_all_towns())
         OR (towns <@ (SELECT lianxin_towns()) AND started_by = current_setting('lianxin.user', true)))
  WITH CHECK ((SELECT lianxin_all_towns())
              OR (towns <@ (SELECT lianxin_towns()) AND started_by = current_setting('lianxin.user', true)));
CREATE POLICY import_delete ON imports FOR DELETE USING ((SELECT lianxin_all_towns()));

---- create above / drop below ----
DROP POLICY import_delete ON imports;
DROP POLICY import_finish ON imports;
DROP POLICY import_record ON imports;
DROP POLICY import_scope_read ON imports;
ALTER TABLE imports NO FORCE ROW LEVEL SECURITY;
ALTER TABLE imports DISABLE ROW LEVEL SECURITY;
