-- The campaign's last day (ends_on, migration 036) is written by the server's
-- own role, under the request's scope, like every other admin write: until
-- now the web map's admin view set it through the tables' owner.
--
-- The scope now carries its roles (lianxin.roles, set by store.InScope with
-- the others), so the database itself can tell an admin from a planner:
-- both work county-wide (lianxin_all_towns()), only an admin (or the system
-- scope of the command line) may move the campaign's end. A scope without
-- the setting holds no role.
CREATE FUNCTION lianxin_has_role(r text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT r = ANY (string_to_array(coalesce(current_setting('lianxin.roles', true), ''), ','))
$$;

-- One column, not the row: the name, start and synthetic flag stay the
-- loader's (the owner's).
GRANT UPDATE (ends_on) ON campaign TO lianxin_app;

-- Not FORCEd: the owner (migrations, the demo loader, `lianxin campaign`
-- run as the URL's user) writes the row as before. Everyone reads it as
-- before; an update by the server's role must leave the row written by an
-- admin or system scope. USING (true) with a failing WITH CHECK makes a
-- refused update an error (42501), not a silent update of no row.
ALTER TABLE campaign ENABLE ROW LEVEL SECURITY;
CREATE POLICY campaign_read ON campaign FOR SELECT USING (true);
CREATE POLICY campaign_admin_end ON campaign FOR UPDATE TO lianxin_app
  USING (true)
  WITH CHECK ((SELECT lianxin_has_role('admin')) OR (SELECT lianxin_has_role('system')));

---- create above / drop below ----

DROP POLICY campaign_admin_end ON campaign;
DROP POLICY campaign_read ON campaign;
ALTER TABLE campaign DISABLE ROW LEVEL SECURITY;
REVOKE UPDATE (ends_on) ON campaign FROM lianxin_app;
DROP FUNCTION lianxin_has_role(text);
