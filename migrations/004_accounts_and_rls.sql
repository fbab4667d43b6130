-- Accounts and access: users and their roles, web sessions, API tokens, the
-- audit log; the database role the server runs as; and row-level security on
-- every table that belongs to a place, so that a query which forgets its
-- scope filter still cannot read another town's rows.
--
-- Secrets are never stored: sessions and API tokens keep a SHA-256 of the
-- token, passwords an argon2id hash (PHC string).

CREATE TABLE users (
  id             bigserial PRIMARY KEY,
  username       text NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  password_hash  text NOT NULL DEFAULT '',  -- '' signs in with tokens only
  disabled       boolean NOT NULL DEFAULT false,
  failed_logins  int NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  created_by     text NOT NULL DEFAULT '',
  last_login_at  timestamptz
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- A role held by a user. team_leader names a town; member names a member and
-- that member's town (kept here so that resolving a request's scope reads no
-- table under row-level security). household_points and personal_fields are
-- the explicit grants a gis user needs for household detail.
CREATE TABLE user_roles (
  id          bigserial PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin', 'planner', 'team_leader', 'member', 'gis',
                                            'household_points', 'personal_fields')),
  town_id     int REFERENCES towns (id) ON DELETE CASCADE,
  member_id   int REFERENCES members (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text NOT NULL DEFAULT '',
  CHECK (CASE role WHEN 'team_leader' THEN town_id IS NOT NULL AND member_id IS NULL
                   WHEN 'member' THEN town_id IS NOT NULL AND member_id IS NOT NULL
                   ELSE town_id IS NULL AND member_id IS NULL END)
);
CREATE UNIQUE INDEX user_roles_key ON user_roles (user_id, role, coalesce(town_id, 0), coalesce(member_id, 0));

CREATE TABLE sessions (
  token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ip            text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
  id            bigserial PRIMARY KEY,
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Append-only: the server's role may insert and read, never change or delete.
CREATE TABLE audit_log (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  actor   text NOT NULL,
  action  text NOT NULL,
  target  text NOT NULL DEFAULT '',
  detail  jsonb NOT NULL DEFAULT '{}',
  rows    bigint,
  ip      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);

-- The scope a transaction runs under, as store.InScope sets it with
-- set_config(..., true). Missing settings mean "nothing": a connection that
-- never set a scope sees no row of any place.
CREATE FUNCTION lianxin_all_towns() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('lianxin.all_towns', true), '') = 'true'
$$;

CREATE FUNCTION lianxin_towns() RETURNS int[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_to_array(nullif(current_setting('lianxin.towns', true), ''), ',')::int[], '{}'::int[])
$$;

CREATE FUNCTION lianxin_signed_in() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('lianxin.user', true), '') <> ''
$$;

CREATE FUNCTION lianxin_personal_fields() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('lianxin.personal_fields', true), '') = 'true'
$$;

-- The role the server logs in as (store.Options.Role; `lianxin serve
-- --db-role`): it owns nothing, cannot bypass row-level security, reads
-- everything its policies allow and writes only where the server must
-- (imports, sign-in state, the audit log). It has no password: where the
-- server's pg_hba.conf asks for one, set it (ALTER ROLE lianxin_app PASSWORD
-- ...) and pass it as --db-role-password. Roles are cluster-wide, so create
-- it only once.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lianxin_app') THEN
    CREATE ROLE lianxin_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  ALTER ROLE lianxin_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  IF NOT pg_has_role(current_user, 'lianxin_app', 'MEMBER') THEN
    EXECUTE format('GRANT lianxin_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO lianxin_app;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO lianxin_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO lianxin_app;
GRANT INSERT, UPDATE ON towns, villages, teams, members, households, household_personal, contact_points,
                        projects, river_works, visits, imports, layer_versions TO lianxin_app;
GRANT INSERT, UPDATE, DELETE ON users, user_roles, sessions, api_tokens TO lianxin_app;
GRANT INSERT ON audit_log TO lianxin_app;
-- Tables later migrations create are readable by the server; writes are granted one by one.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO lianxin_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO lianxin_app;

-- Row-level security, FORCEd so the tables' owner is held to it too
-- (superusers always bypass it; the server never connects as one).
-- Detail tables: only the scope's towns, or all of them.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['members', 'households', 'contact_points', 'projects', 'river_works', 'visits']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY town_scope ON %I
                    USING ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]))
                    WITH CHECK ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]))', t);
  END LOOP;
END
$$;

-- Personal fields: the town must be in scope AND the scope must carry the
-- personal-fields grant.
ALTER TABLE household_personal ENABLE ROW LEVEL SECURITY;
ALTER TABLE household_personal FORCE ROW LEVEL SECURITY;
CREATE POLICY town_scope ON household_personal
  USING ((SELECT lianxin_personal_fields())
         AND ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[])))
  WITH CHECK ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]));

-- Places are the map's context (outlines, names, populations): every signed-in
-- scope reads all of them; writes need the town in scope.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'villages', 'teams']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY signed_in_read ON %I FOR SELECT USING ((SELECT lianxin_signed_in()))', t);
    EXECUTE format('CREATE POLICY town_scope_write ON %I FOR ALL
                    USING ((SELECT lianxin_all_towns()) OR %I = ANY ((SELECT lianxin_towns())::int[]))
                    WITH CHECK ((SELECT lianxin_all_towns()) OR %I = ANY ((SELECT lianxin_towns())::int[]))',
                   t, CASE t WHEN 'towns' THEN 'id' ELSE 'town_id' END, CASE t WHEN 'towns' THEN 'id' ELSE 'town_id' END);
  END LOOP;
END
$$;

---- create above / drop below ----
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'villages', 'teams']
  LOOP
    EXECUTE format('DROP POLICY signed_in_read ON %I', t);
    EXECUTE format('DROP POLICY town_scope_write ON %I', t);
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['members', 'households', 'household_personal', 'contact_points', 'projects', 'river_works', 'visits']
  LOOP
    EXECUTE format('DROP POLICY town_scope ON %I', t);
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM lianxin_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM lianxin_app;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM lianxin_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM lianxin_app;
REVOKE USAGE ON SCHEMA public FROM lianxin_app;
-- The role itself stays: other databases of the cluster may use it.
DROP FUNCTION lianxin_personal_fields(), lianxin_signed_in(), lianxin_towns(), lianxin_all_towns();
DROP TABLE audit_log, api_tokens, sessions, user_roles, users;
