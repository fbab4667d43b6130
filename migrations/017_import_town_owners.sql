-- Imports by a town-scoped user (a team leader): rows in other towns are
-- rejected row by row in the staging phase (store/ingest_towns.go) instead
-- of failing the whole import late, in the upsert, with row-level security's
-- error (42501) or a unique violation (23505) that names no row.
--
-- Most of the check reads what the importer may read anyway: villages,
-- teams and towns are readable by every signed-in user, and say which town
-- a village_code, team_code or town_code is in. What the importer cannot
-- see is a row of another town holding a key the file names — household
-- H0004 already in town T02, a member code, a diary entry's id — which the
-- upsert then collides with. import_town_owners answers exactly that: for
-- the keys passed in, of one of six layers, the code of the town holding
-- each key that exists; nothing else (no id, no other column, no row of a
-- key not asked for). It is no new leak: the import it serves already
-- reveals that such a key exists (the unique violation, or row-level
-- security refusing the update), and a town's code is public (towns are
-- readable by every signed-in user). The store asks it only for the keys
-- of the file being imported that the importer cannot see.
--
-- It runs as lianxin_town_lookup, a NOLOGIN role that owns only this
-- function and may read only the key and town_id columns of those layers
-- (and towns' id and code, and what the member_rows policies read) through
-- policies of its own; it can write nothing. It answers nothing to a
-- connection with no signed-in user (lianxin.user unset). The server's
-- role, lianxin_app, may call it; nobody else but the owner and superusers.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lianxin_town_lookup') THEN
    CREATE ROLE lianxin_town_lookup NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  -- Owning the function below needs the migration user to be able to SET ROLE to it.
  IF NOT pg_has_role(current_user, 'lianxin_town_lookup', 'MEMBER') THEN
    EXECUTE format('GRANT lianxin_town_lookup TO %I', current_user);
  END IF;
END
$$;
GRANT USAGE, CREATE ON SCHEMA public TO lianxin_town_lookup;
GRANT SELECT (id, code) ON towns TO lianxin_town_lookup;
GRANT SELECT (external_id, town_id) ON households TO lianxin_town_lookup;
GRANT SELECT (external_id, town_id, member_id) ON visits TO lianxin_town_lookup;
GRANT SELECT (code, town_id) ON members, projects, river_works TO lianxin_town_lookup;
GRANT SELECT (code, town_id, member_id) ON contact_points TO lianxin_town_lookup;
-- The restrictive member_rows policies (010) on households, visits and
-- contact points call lianxin_members(), which reads these. They narrow
-- nothing for an importer (a team leader or a county-wide role is never
-- "member only"), and lianxin.user stays as the caller set it, which the
-- function's guard below reads.
GRANT SELECT (id, username, disabled) ON users TO lianxin_town_lookup;
GRANT SELECT (user_id, role, town_id, member_id) ON user_roles TO lianxin_town_lookup;
GRANT SELECT (household_id) ON visits TO lianxin_town_lookup;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'households', 'visits', 'members', 'contact_points', 'projects', 'river_works']
  LOOP
    EXECUTE format('CREATE POLICY town_lookup_read ON %I FOR SELECT TO lianxin_town_lookup USING (true)', t);
  END LOOP;
END
$$;

-- import_town_owners returns (key, town_code) for each of keys that layer
-- holds: households and visits by external_id, members, contact_points,
-- projects and river_works by code.
CREATE FUNCTION import_town_owners(layer text, keys text[]) RETURNS TABLE (key text, town_code text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF coalesce(current_setting('lianxin.user', true), '') = '' OR cardinality(keys) IS NULL OR cardinality(keys) = 0 THEN
    RETURN;
  END IF;
  CASE layer
  WHEN 'households' THEN
    RETURN QUERY SELECT r.external_id, t.code FROM households r JOIN towns t ON t.id = r.town_id WHERE r.external_id = ANY (keys);
  WHEN 'visits' THEN
    RETURN QUERY SELECT r.external_id, t.code FROM visits r JOIN towns t ON t.id = r.town_id WHERE r.external_id = ANY (keys);
  WHEN 'members' THEN
    RETURN QUERY SELECT r.code, t.code FROM members r JOIN towns t ON t.id = r.town_id WHERE r.code = ANY (keys);
  WHEN 'contact_points' THEN
    RETURN QUERY SELECT r.code, t.code FROM contact_points r JOIN towns t ON t.id = r.town_id WHERE r.code = ANY (keys);
  WHEN 'projects' THEN
    RETURN QUERY SELECT r.code, t.code FROM projects r JOIN towns t ON t.id = r.town_id WHERE r.code = ANY (keys);
  WHEN 'river_works' THEN
    RETURN QUERY SELECT r.code, t.code FROM river_works r JOIN towns t ON t.id = r.town_id WHERE r.code = ANY (keys);
  ELSE
    RAISE invalid_parameter_value USING MESSAGE = format('import_town_owners: no layer %L', layer);
  END CASE;
END
$$;
ALTER FUNCTION import_town_owners(text, text[]) OWNER TO lianxin_town_lookup;
REVOKE EXECUTE ON FUNCTION import_town_owners(text, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION import_town_owners(text, text[]) TO lianxin_app;

---- create above / drop below ----
DROP FUNCTION import_town_owners(text, text[]);
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'households', 'visits', 'members', 'contact_points', 'projects', 'river_works']
  LOOP
    EXECUTE format('DROP POLICY town_lookup_read ON %I', t);
  END LOOP;
END
$$;
REVOKE ALL ON towns, households, visits, members, contact_points, projects, river_works, users, user_roles
  FROM lianxin_town_lookup;
REVOKE ALL ON SCHEMA public FROM lianxin_town_lookup;
-- The role itself stays: other databases of the cluster may use it.
