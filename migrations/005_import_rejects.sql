-- The rows an import rejected, with where they were and why, so that
-- GET /api/v1/imports/{id} can show them after the import's own transaction
-- rolled back. Only the first rows are kept (the importer caps them); the
-- count of all rejects is imports.rejected.
ALTER TABLE imports ADD COLUMN file_name text NOT NULL DEFAULT '',
                    ADD COLUMN options jsonb NOT NULL DEFAULT '{}';

CREATE TABLE import_rejects (
  import_id  bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  ordinal    int NOT NULL,
  line       bigint NOT NULL,
  field      text NOT NULL DEFAULT '',
  reason     text NOT NULL,
  PRIMARY KEY (import_id, ordinal)
);

---- create above / drop below ----
DROP TABLE import_rejects;
ALTER TABLE imports DROP COLUMN file_name, DROP COLUMN options;
