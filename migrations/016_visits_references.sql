-- Import speed (issue 3): the diary's five references checked per statement
-- instead of per row, and the point layers' spatial indexes as SP-GiST.
--
-- 1. visits refers to members, households, villages, projects and towns. A
-- foreign key checks each written row on its own (one SELECT ... FOR KEY
-- SHARE per reference and row): 3.9 s of CPU for a 300,000-row diary import.
-- As migration 013 did for households, triggers with transition tables keep
-- the same guarantees once per statement:
--
--   - after an INSERT or UPDATE of visits, every distinct member_id,
--     household_id, village_id, project_id and town_id of the written rows
--     must exist; those parent rows are locked FOR KEY SHARE (in id order,
--     table by table in the columns' order), the lock a foreign key takes,
--     so a concurrent DELETE of such a parent waits for the writer and then
--     sees its visits. household_id, village_id and project_id may be NULL,
--     as before;
--   - after a DELETE or an UPDATE of id of a parent, a removed id may not be
--     referenced by any visit (ON DELETE RESTRICT), and TRUNCATE of a parent
--     is refused while visits exist unless visits is truncated by the same
--     command (a foreign key refuses a TRUNCATE of the referenced table alone;
--     TRUNCATE ... CASCADE no longer reaches visits, it is refused instead).
--
-- Violations raise foreign_key_violation (SQLSTATE 23503) naming the
-- constraint they replace, as a foreign key would. The functions run as
-- lianxin_integrity (013): under FORCEd row-level security it reads and locks
-- the parents through policies of its own, can never change a row (WITH CHECK
-- false), and both sides clear lianxin.user so the restrictive member_rows
-- policies (010) on visits and households hide nothing from it. Exact at READ
-- COMMITTED and SERIALIZABLE; the parent side refuses REPEATABLE READ, where
-- its snapshot could miss a visit inserted concurrently.
--
-- 2. households.location and visits.location: SP-GiST instead of GiST. No
-- query of the server can use either index: it runs as lianxin_app under
-- row-level security, where && (not leakproof) is never an index condition,
-- and the point tiles find their rows through the btree on cell
-- (store/tiles.go). The index serves roles that bypass row-level security
-- (a superuser's bounding-box export, desktop GIS): there SP-GiST answers
-- the same box queries about as fast or faster (scale 10, warm: 3.27 M
-- households, a 0.01° box 25 → 13 ms, a 0.1° box 285 → 148 ms, a z14 tile
-- 1.6 → 1.8 ms; 0.6 M visits, 0.51 → 0.43, 113 → 110 and 0.64 → 0.63 ms),
-- and each inserted point costs less: 4.6 → 2.9 s of CPU for 1 M households.
SET LOCAL statement_timeout = 0;

GRANT SELECT ON members, projects, visits TO lianxin_integrity;
GRANT UPDATE (id) ON members, projects, households TO lianxin_integrity;
CREATE POLICY integrity_read ON members FOR SELECT TO lianxin_integrity USING (true);
CREATE POLICY integrity_lock ON members FOR UPDATE TO lianxin_integrity USING (true) WITH CHECK (false);
CREATE POLICY integrity_read ON projects FOR SELECT TO lianxin_integrity USING (true);
CREATE POLICY integrity_lock ON projects FOR UPDATE TO lianxin_integrity USING (true) WITH CHECK (false);
CREATE POLICY integrity_lock ON households FOR UPDATE TO lianxin_integrity USING (true) WITH CHECK (false);
CREATE POLICY integrity_read ON visits FOR SELECT TO lianxin_integrity USING (true);

-- visits_lock_parents locks, FOR KEY SHARE and in id order, the rows of
-- parent whose id is in ids (distinct, no NULL), and raises the foreign key's
-- error for the smallest id that is missing. parent and col come from the
-- trigger below, never from input.
CREATE FUNCTION visits_lock_parents(parent text, col text, ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
  locked bigint;
  missing bigint;
BEGIN
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  EXECUTE format('SELECT count(*) FROM (SELECT id FROM %I WHERE id = ANY ($1) ORDER BY id FOR KEY SHARE) l', parent)
    INTO locked USING ids;
  IF locked < cardinality(ids) THEN
    EXECUTE format('SELECT i FROM unnest($1) i WHERE NOT EXISTS (SELECT 1 FROM %I p WHERE p.id = i) ORDER BY i LIMIT 1', parent)
      INTO missing USING ids;
    RAISE foreign_key_violation USING
      MESSAGE = format('insert or update on table "visits" violates foreign key constraint "visits_%s_fkey": %s %s is not present in table "%s"',
                       col, col, missing, parent),
      TABLE = 'visits', COLUMN = col, CONSTRAINT = format('visits_%s_fkey', col);
  END IF;
END
$$;
ALTER FUNCTION visits_lock_parents(text, text, bigint[]) OWNER TO lianxin_integrity;
REVOKE EXECUTE ON FUNCTION visits_lock_parents(text, text, bigint[]) FROM PUBLIC;

-- Child side: the written visits' parents exist; lock them.
CREATE FUNCTION visits_references_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET "lianxin.user" = '' AS $$
DECLARE
  members_ids bigint[];
  household_ids bigint[];
  village_ids bigint[];
  project_ids bigint[];
  town_ids bigint[];
BEGIN
  -- One pass over the written rows.
  SELECT coalesce(array_agg(DISTINCT member_id) FILTER (WHERE member_id IS NOT NULL), '{}'),
         coalesce(array_agg(DISTINCT household_id) FILTER (WHERE household_id IS NOT NULL), '{}'),
         coalesce(array_agg(DISTINCT village_id) FILTER (WHERE village_id IS NOT NULL), '{}'),
         coalesce(array_agg(DISTINCT project_id) FILTER (WHERE project_id IS NOT NULL), '{}'),
         coalesce(array_agg(DISTINCT town_id) FILTER (WHERE town_id IS NOT NULL), '{}')
  INTO members_ids, household_ids, village_ids, project_ids, town_ids FROM new_rows;
  PERFORM visits_lock_parents('members', 'member_id', members_ids);
  PERFORM visits_lock_parents('households', 'household_id', household_ids);
  PERFORM visits_lock_parents('villages', 'village_id', village_ids);
  PERFORM visits_lock_parents('projects', 'project_id', project_ids);
  PERFORM visits_lock_parents('towns', 'town_id', town_ids);
  RETURN NULL;
END
$$;
ALTER FUNCTION visits_references_check() OWNER TO lianxin_integrity;

-- At REPEATABLE READ a parent's delete could miss a visit inserted by a
-- transaction that committed after its snapshot: refuse there.
CREATE FUNCTION visits_parent_isolation(parent text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE object_not_in_prerequisite_state USING
      MESSAGE = format('deleting, renumbering or truncating %s needs READ COMMITTED or SERIALIZABLE isolation (visits refer to it)', parent);
  END IF;
END
$$;

-- Parent side: an id that a statement removed (DELETE, or an UPDATE of id)
-- from members, households, villages, projects or towns (TG_TABLE_NAME) is
-- referenced by no visit. A delete of a million households is one join of
-- the removed ids against visits' index, not a query per row.
CREATE FUNCTION visits_parent_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET "lianxin.user" = '' AS $$
DECLARE
  col text := CASE TG_TABLE_NAME WHEN 'members' THEN 'member_id' WHEN 'households' THEN 'household_id'
                                 WHEN 'villages' THEN 'village_id' WHEN 'projects' THEN 'project_id' ELSE 'town_id' END;
  gone bigint[];
  orphaned bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM visits_parent_isolation(TG_TABLE_NAME);
    IF EXISTS (SELECT 1 FROM visits) THEN
      RAISE foreign_key_violation USING
        MESSAGE = format('cannot truncate table "%s": table "visits" refers to it (constraint "visits_%s_fkey")', TG_TABLE_NAME, col),
        TABLE = 'visits', COLUMN = col, CONSTRAINT = format('visits_%s_fkey', col);
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
  PERFORM visits_parent_isolation(TG_TABLE_NAME);
  CASE TG_TABLE_NAME
    WHEN 'members' THEN
      SELECT g INTO orphaned FROM unnest(gone) g WHERE EXISTS (SELECT 1 FROM visits v WHERE v.member_id = g) LIMIT 1;
    WHEN 'households' THEN
      SELECT g INTO orphaned FROM unnest(gone) g WHERE EXISTS (SELECT 1 FROM visits v WHERE v.household_id = g) LIMIT 1;
    WHEN 'villages' THEN
      SELECT g INTO orphaned FROM unnest(gone) g WHERE EXISTS (SELECT 1 FROM visits v WHERE v.village_id = g) LIMIT 1;
    WHEN 'projects' THEN
      SELECT g INTO orphaned FROM unnest(gone) g WHERE EXISTS (SELECT 1 FROM visits v WHERE v.project_id = g) LIMIT 1;
    ELSE
      SELECT g INTO orphaned FROM unnest(gone) g WHERE EXISTS (SELECT 1 FROM visits v WHERE v.town_id = g) LIMIT 1;
  END CASE;
  IF orphaned IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('update or delete on table "%s" violates foreign key constraint "visits_%s_fkey" on table "visits": key (id)=(%s) is still referenced from table "visits"',
                       TG_TABLE_NAME, col, orphaned),
      TABLE = TG_TABLE_NAME, COLUMN = 'id', CONSTRAINT = format('visits_%s_fkey', col);
  END IF;
  RETURN NULL;
END
$$;
ALTER FUNCTION visits_parent_check() OWNER TO lianxin_integrity;

ALTER TABLE visits DROP CONSTRAINT visits_member_id_fkey, DROP CONSTRAINT visits_household_id_fkey,
  DROP CONSTRAINT visits_village_id_fkey, DROP CONSTRAINT visits_project_id_fkey, DROP CONSTRAINT visits_town_id_fkey;
CREATE TRIGGER visits_references_insert AFTER INSERT ON visits
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visits_references_check();
CREATE TRIGGER visits_references_update AFTER UPDATE ON visits
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visits_references_check();
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['members', 'households', 'villages', 'projects', 'towns']
  LOOP
    EXECUTE format('CREATE TRIGGER visits_references_delete AFTER DELETE ON %I
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION visits_parent_check()', t);
    EXECUTE format('CREATE TRIGGER visits_references_update AFTER UPDATE ON %I
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION visits_parent_check()', t);
    EXECUTE format('CREATE TRIGGER visits_references_truncate AFTER TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION visits_parent_check()', t);
  END LOOP;
END
$$;

DROP INDEX households_location_gix;
CREATE INDEX households_location_spx ON households USING spgist (location);
DROP INDEX visits_location_gix;
CREATE INDEX visits_location_spx ON visits USING spgist (location);

---- create above / drop below ----
SET LOCAL statement_timeout = 0;
DROP INDEX visits_location_spx;
CREATE INDEX visits_location_gix ON visits USING gist (location);
DROP INDEX households_location_spx;
CREATE INDEX households_location_gix ON households USING gist (location);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['members', 'households', 'villages', 'projects', 'towns']
  LOOP
    EXECUTE format('DROP TRIGGER visits_references_truncate ON %I', t);
    EXECUTE format('DROP TRIGGER visits_references_update ON %I', t);
    EXECUTE format('DROP TRIGGER visits_references_delete ON %I', t);
  END LOOP;
END
$$;
DROP TRIGGER visits_references_update ON visits;
DROP TRIGGER visits_references_insert ON visits;
ALTER TABLE visits
  ADD CONSTRAINT visits_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT,
  ADD CONSTRAINT visits_household_id_fkey FOREIGN KEY (household_id) REFERENCES households (id) ON DELETE RESTRICT,
  ADD CONSTRAINT visits_village_id_fkey FOREIGN KEY (village_id) REFERENCES villages (id) ON DELETE RESTRICT,
  ADD CONSTRAINT visits_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE RESTRICT,
  ADD CONSTRAINT visits_town_id_fkey FOREIGN KEY (town_id) REFERENCES towns (id) ON DELETE RESTRICT;
DROP FUNCTION visits_parent_check();
DROP FUNCTION visits_parent_isolation(text);
DROP FUNCTION visits_references_check();
DROP FUNCTION visits_lock_parents(text, text, bigint[]);
DROP POLICY integrity_read ON visits;
DROP POLICY integrity_lock ON households;
DROP POLICY integrity_lock ON projects;
DROP POLICY integrity_read ON projects;
DROP POLICY integrity_lock ON members;
DROP POLICY integrity_read ON members;
REVOKE UPDATE (id) ON members, projects, households FROM lianxin_integrity;
REVOKE SELECT ON members, projects, visits FROM lianxin_integrity;
-- 013's column grants on visits (household_id, member_id) for households'
-- member_rows policy.
GRANT SELECT (household_id, member_id) ON visits TO lianxin_integrity;
