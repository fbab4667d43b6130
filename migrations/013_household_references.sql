-- Households' references to villages and towns, checked per statement
-- instead of per row (issue 3 speed).
--
-- A foreign key checks each inserted row on its own: one
-- SELECT ... FOR KEY SHARE on villages and one on towns per household, about
-- 13 µs a row together, 13 s of a 1,000,000-row import. Imports write
-- households a million at a time, from a few hundred villages, so the same
-- guarantees are kept here set-based, by triggers with transition tables:
--
--   - after an INSERT or UPDATE of households, every distinct village_id and
--     town_id of the written rows must exist; those parent rows are locked
--     FOR KEY SHARE (in id order, so two imports cannot deadlock), exactly
--     the lock a foreign key takes, so a concurrent DELETE of such a village
--     waits for the writer and then sees its households;
--   - after a DELETE or UPDATE of villages or towns, an id that is gone may
--     not be referenced by any household (ON DELETE RESTRICT), and TRUNCATE
--     of a parent is refused while households exist (a foreign key refuses
--     TRUNCATE of the referenced table alone).
--
-- Violations raise foreign_key_violation (SQLSTATE 23503) naming the table,
-- column, key and the constraint they replace, as a foreign key would.
-- households.village_id and town_id stay NOT NULL.
--
-- The checks run as lianxin_integrity, a NOLOGIN role owning only these
-- functions (like lianxin_coverage in 009): FORCEd row-level security would
-- otherwise hide another town's village from a town-scoped importer (which
-- the foreign key, running as the table owner outside RLS, did not), and
-- hide a household from a parent's delete. The role reads the three tables
-- through policies of its own, may lock villages and towns FOR KEY SHARE
-- (which needs UPDATE privilege and an UPDATE policy) but can never change a
-- row (WITH CHECK false), and the parent-side function clears lianxin.user so
-- households' restrictive member_rows policy (010) hides nothing from it.
--
-- Exact at READ COMMITTED (the server's level, and SERIALIZABLE detects the
-- conflict itself). At REPEATABLE READ a parent delete whose snapshot predates
-- a concurrent household insert could miss it, so the parent-side check
-- refuses to run there.
SET LOCAL statement_timeout = 0;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lianxin_integrity') THEN
    CREATE ROLE lianxin_integrity NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  -- Owning the functions below needs the migration user to be able to SET ROLE to it.
  IF NOT pg_has_role(current_user, 'lianxin_integrity', 'MEMBER') THEN
    EXECUTE format('GRANT lianxin_integrity TO %I', current_user);
  END IF;
END
$$;
GRANT USAGE, CREATE ON SCHEMA public TO lianxin_integrity;
GRANT SELECT ON villages, towns, households TO lianxin_integrity;
GRANT UPDATE (id) ON villages, towns TO lianxin_integrity;
-- households' member_rows policy calls lianxin_members(), which reads these.
GRANT SELECT (id, username, disabled) ON users TO lianxin_integrity;
GRANT SELECT (user_id, role, town_id, member_id) ON user_roles TO lianxin_integrity;
GRANT SELECT (household_id, member_id) ON visits TO lianxin_integrity;
CREATE POLICY integrity_read ON villages FOR SELECT TO lianxin_integrity USING (true);
CREATE POLICY integrity_lock ON villages FOR UPDATE TO lianxin_integrity USING (true) WITH CHECK (false);
CREATE POLICY integrity_read ON towns FOR SELECT TO lianxin_integrity USING (true);
CREATE POLICY integrity_lock ON towns FOR UPDATE TO lianxin_integrity USING (true) WITH CHECK (false);
CREATE POLICY integrity_read ON households FOR SELECT TO lianxin_integrity USING (true);

-- Child side: the written households' villages and towns exist; lock them.
CREATE FUNCTION households_references_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ids int[];
  town_ids int[];
  locked int;
  missing int;
BEGIN
  -- One pass over the written rows (a million, from a few hundred villages).
  SELECT coalesce(array_agg(DISTINCT village_id) FILTER (WHERE village_id IS NOT NULL), '{}'),
         coalesce(array_agg(DISTINCT town_id) FILTER (WHERE town_id IS NOT NULL), '{}')
  INTO ids, town_ids FROM new_rows;
  SELECT count(*) INTO locked FROM (SELECT id FROM villages WHERE id = ANY (ids) ORDER BY id FOR KEY SHARE) l;
  IF locked < cardinality(ids) THEN
    SELECT i INTO missing FROM unnest(ids) i WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = i) ORDER BY i LIMIT 1;
    RAISE foreign_key_violation USING
      MESSAGE = format('insert or update on table "households" violates foreign key constraint "households_village_id_fkey": village_id %s is not present in table "villages"', missing),
      TABLE = 'households', COLUMN = 'village_id', CONSTRAINT = 'households_village_id_fkey';
  END IF;
  ids := town_ids;
  SELECT count(*) INTO locked FROM (SELECT id FROM towns WHERE id = ANY (ids) ORDER BY id FOR KEY SHARE) l;
  IF locked < cardinality(ids) THEN
    SELECT i INTO missing FROM unnest(ids) i WHERE NOT EXISTS (SELECT 1 FROM towns t WHERE t.id = i) ORDER BY i LIMIT 1;
    RAISE foreign_key_violation USING
      MESSAGE = format('insert or update on table "households" violates foreign key constraint "households_town_id_fkey": town_id %s is not present in table "towns"', missing),
      TABLE = 'households', COLUMN = 'town_id', CONSTRAINT = 'households_town_id_fkey';
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION households_references_check() OWNER TO lianxin_integrity;

-- At REPEATABLE READ a parent's delete could miss a household inserted by a
-- transaction that committed after its snapshot: refuse there.
CREATE FUNCTION households_parent_isolation(parent text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE object_not_in_prerequisite_state USING
      MESSAGE = format('deleting, renumbering or truncating %s needs READ COMMITTED or SERIALIZABLE isolation (households refer to it)', parent);
  END IF;
END
$$;

-- Parent side: a village or town id that a statement removed (DELETE, or an
-- UPDATE of id) is referenced by no household. TG_TABLE_NAME is villages or
-- towns; the column of households that refers to it follows from it.
CREATE FUNCTION households_parent_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET "lianxin.user" = '' AS $$
DECLARE
  gone int[];
  orphaned int;
  col text := CASE TG_TABLE_NAME WHEN 'villages' THEN 'village_id' ELSE 'town_id' END;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM households_parent_isolation(TG_TABLE_NAME);
    IF EXISTS (SELECT 1 FROM households) THEN
      RAISE foreign_key_violation USING
        MESSAGE = format('cannot truncate table "%s": table "households" refers to it (constraint "households_%s_fkey")', TG_TABLE_NAME, col),
        TABLE = 'households', COLUMN = col, CONSTRAINT = format('households_%s_fkey', col);
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    gone := ARRAY(SELECT id FROM old_rows);
  ELSE
    gone := ARRAY(SELECT id FROM old_rows EXCEPT SELECT id FROM new_rows);
  END IF;
  IF cardinality(gone) = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM households_parent_isolation(TG_TABLE_NAME);
  IF TG_TABLE_NAME = 'villages' THEN
    SELECT village_id INTO orphaned FROM households WHERE village_id = ANY (gone) LIMIT 1;
  ELSE
    SELECT town_id INTO orphaned FROM households WHERE town_id = ANY (gone) LIMIT 1;
  END IF;
  IF orphaned IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('update or delete on table "%s" violates foreign key constraint "households_%s_fkey" on table "households": key (id)=(%s) is still referenced from table "households"',
                       TG_TABLE_NAME, col, orphaned),
      TABLE = TG_TABLE_NAME, COLUMN = 'id', CONSTRAINT = format('households_%s_fkey', col);
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION households_parent_check() OWNER TO lianxin_integrity;

ALTER TABLE households DROP CONSTRAINT households_village_id_fkey, DROP CONSTRAINT households_town_id_fkey;
CREATE TRIGGER households_references_insert AFTER INSERT ON households
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_references_check();
CREATE TRIGGER households_references_update AFTER UPDATE ON households
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_references_check();
CREATE TRIGGER households_references_delete AFTER DELETE ON villages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();
CREATE TRIGGER households_references_update AFTER UPDATE ON villages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();
CREATE TRIGGER households_references_truncate AFTER TRUNCATE ON villages
  FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();
CREATE TRIGGER households_references_delete AFTER DELETE ON towns
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();
CREATE TRIGGER households_references_update AFTER UPDATE ON towns
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();
CREATE TRIGGER households_references_truncate AFTER TRUNCATE ON towns
  FOR EACH STATEMENT EXECUTE FUNCTION households_parent_check();

---- create above / drop below ----
DROP TRIGGER households_references_truncate ON towns;
DROP TRIGGER households_references_update ON towns;
DROP TRIGGER households_references_delete ON towns;
DROP TRIGGER households_references_truncate ON villages;
DROP TRIGGER households_references_update ON villages;
DROP TRIGGER households_references_delete ON villages;
DROP TRIGGER households_references_update ON households;
DROP TRIGGER households_references_insert ON households;
ALTER TABLE households
  ADD CONSTRAINT households_village_id_fkey FOREIGN KEY (village_id) REFERENCES villages (id) ON DELETE RESTRICT,
  ADD CONSTRAINT households_town_id_fkey FOREIGN KEY (town_id) REFERENCES towns (id) ON DELETE RESTRICT;
DROP FUNCTION households_parent_check();
DROP FUNCTION households_parent_isolation(text);
DROP FUNCTION households_references_check();
DROP POLICY integrity_read ON households;
DROP POLICY integrity_lock ON towns;
DROP POLICY integrity_read ON towns;
DROP POLICY integrity_lock ON villages;
DROP POLICY integrity_read ON villages;
REVOKE ALL ON villages, towns, households, users, user_roles, visits FROM lianxin_integrity;
REVOKE ALL ON SCHEMA public FROM lianxin_integrity;
-- The role itself stays: other databases of the cluster may use it.
