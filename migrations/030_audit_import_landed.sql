-- The audit log says what an import wrote.
--
-- 008's audit_import() recorded every finished import as rows = inserted +
-- updated, with the counts the import made while checking: a dry run, or a
-- file refused for its rejects, read in the audit log as "imported 3 rows"
-- when nothing was written. An import lands only when it succeeded and was
-- not a dry run (imports.options.dry_run, migration 005). The line now
-- carries dry_run and landed; rows, inserted and updated count only rows
-- written (0 when nothing landed); a dry run keeps what it would have done
-- as would_insert and would_update.
CREATE OR REPLACE FUNCTION audit_import() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  dry boolean := coalesce((NEW.options ->> 'dry_run')::boolean, false);
  landed boolean := NEW.status = 'succeeded' AND NOT coalesce((NEW.options ->> 'dry_run')::boolean, false);
  detail jsonb;
BEGIN
  detail := jsonb_build_object('import_id', NEW.id, 'status', NEW.status, 'source', NEW.source,
                               'dry_run', dry, 'landed', landed,
                               'inserted', CASE WHEN landed THEN NEW.inserted ELSE 0 END,
                               'updated', CASE WHEN landed THEN NEW.updated ELSE 0 END,
                               'unchanged', CASE WHEN landed THEN NEW.unchanged ELSE 0 END,
                               'rejected', NEW.rejected);
  IF dry AND NEW.status = 'succeeded' THEN
    detail := detail || jsonb_build_object('would_insert', NEW.inserted, 'would_update', NEW.updated,
                                           'would_leave', NEW.unchanged);
  END IF;
  INSERT INTO audit_log (actor, action, target, detail, rows)
  VALUES (coalesce(nullif(NEW.started_by, ''), 'unknown'), 'import', NEW.layer, detail,
          CASE WHEN landed THEN NEW.inserted + NEW.updated ELSE 0 END);
  RETURN NULL;
END
$$;

---- create above / drop below ----
CREATE OR REPLACE FUNCTION audit_import() RETURNS trigger
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
