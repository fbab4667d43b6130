-- Row-level security on the rejects files kept with uploads (021). They
-- hold rows as uploaded — names, phones, ID numbers, other towns' rows among
-- them — and carry no town_id, so which a town-scoped reader may read was
-- the store's query alone (store.importVisibleSQL). This holds the same rule
-- again in PostgreSQL: a file is readable where its import is — county-wide
-- scopes every one; a town-scoped one (a team leader) the imports run within
-- its own towns, or its own upload that had no town. Whether the reader's
-- grants suffice for the rows inside (household_points, personal_fields)
-- stays ingest.MayReadRejects's question. The server's role inserts a file
-- when it records how its import ended; only the owner deletes (`lianxin
-- imports prune`, county-wide).
ALTER TABLE import_rejects_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE import_rejects_files FORCE ROW LEVEL SECURITY;

CREATE POLICY import_scope_read ON import_rejects_files FOR SELECT USING (
  EXISTS (SELECT 1 FROM imports i
          WHERE i.id = import_rejects_files.import_id
            AND ((SELECT lianxin_all_towns())
                 OR (i.towns <@ (SELECT lianxin_towns())
                     AND (cardinality(i.towns) > 0 OR i.started_by = current_setting('lianxin.user', true))))));
CREATE POLICY import_write ON import_rejects_files FOR INSERT WITH CHECK (true);
CREATE POLICY import_prune ON import_rejects_files FOR DELETE USING ((SELECT lianxin_all_towns()));

---- create above / drop below ----
DROP POLICY import_prune ON import_rejects_files;
DROP POLICY import_write ON import_rejects_files;
DROP POLICY import_scope_read ON import_rejects_files;
ALTER TABLE import_rejects_files NO FORCE ROW LEVEL SECURITY;
ALTER TABLE import_rejects_files DISABLE ROW LEVEL SECURITY;
