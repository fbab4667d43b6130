-- layer_versions counts changes per layer. A statement-level trigger bumps a
-- layer's version on every write, whatever wrote it (import, demo, psql), so
-- caches keyed by version never serve stale data.
CREATE TABLE layer_versions (
  layer       text PRIMARY KEY,
  version     bigint NOT NULL DEFAULT 0,
  changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION bump_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO layer_versions AS lv (layer, version, changed_at)
  VALUES (TG_TABLE_NAME, 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = lv.version + 1, changed_at = now();
  RETURN NULL;
END
$$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'villages', 'teams', 'members', 'households', 'household_personal',
                           'contact_points', 'projects', 'river_works', 'visits']
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version()', t || '_version', t);
    EXECUTE format('INSERT INTO layer_versions (layer) VALUES (%L)', t);
  END LOOP;
END
$$;

-- One row per import, whether from the command line, the API or the demo.
CREATE TABLE imports (
  id           bigserial PRIMARY KEY,
  layer        text NOT NULL,
  source       text NOT NULL,
  started_by   text NOT NULL DEFAULT '',
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'rejected')),
  inserted     bigint NOT NULL DEFAULT 0,
  updated      bigint NOT NULL DEFAULT 0,
  unchanged    bigint NOT NULL DEFAULT 0,
  rejected     bigint NOT NULL DEFAULT 0,
  message      text NOT NULL DEFAULT ''
);

---- create above / drop below ----
DROP TABLE imports;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['towns', 'villages', 'teams', 'members', 'households', 'household_personal',
                           'contact_points', 'projects', 'river_works', 'visits']
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', t || '_version', t);
  END LOOP;
END
$$;
DROP FUNCTION bump_layer_version();
DROP TABLE layer_versions;
