-- bump_layer_version (003) also announces the change on channel
-- lianxin_layers with the table's name as payload, so a tile server that
-- LISTENs keeps layer versions in memory instead of reading layer_versions
-- on every request. NOTIFY is transactional: listeners hear it only after
-- the writing transaction commits, when the new version is visible.
CREATE OR REPLACE FUNCTION bump_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO layer_versions AS lv (layer, version, changed_at)
  VALUES (TG_TABLE_NAME, 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = lv.version + 1, changed_at = now();
  PERFORM pg_notify('lianxin_layers', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

---- create above / drop below ----
CREATE OR REPLACE FUNCTION bump_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO layer_versions AS lv (layer, version, changed_at)
  VALUES (TG_TABLE_NAME, 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = lv.version + 1, changed_at = now();
  RETURN NULL;
END
$$;
