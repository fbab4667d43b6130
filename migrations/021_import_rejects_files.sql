-- The rejects file of an upload (POST /api/v1/imports/{layer} with
-- skip_invalid): the rejected rows themselves, as `lianxin ingest
-- --skip-invalid` writes them beside the file (a CSV with the upload's
-- header plus reject_line and reject_reason, UTF-8 with a BOM; a GeoJSON
-- FeatureCollection with those two properties), for the clerk to download
-- (GET /api/v1/imports/{id}/rejects), fix and upload again as it is. The
-- uploaded file itself is deleted when the import ends, and the server may
-- be one of several or restart, so the file is kept here, one row per
-- import, bounded by the importer (ingest.MaxRejectsFileBytes): beyond the
-- bound it holds the first rejected rows that fit, whole, and says so
-- (complete = false; rows counts those it holds).
CREATE TABLE import_rejects_files (
  import_id  bigint PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
  file_name  text NOT NULL,
  format     text NOT NULL CHECK (format IN ('csv', 'geojson')),
  rows       bigint NOT NULL,
  complete   boolean NOT NULL,
  -- The file holds household personal columns (户主, 电话, 身份证号):
  -- only the uploader, or a reader with the personal_fields grant, gets it.
  personal   boolean NOT NULL DEFAULT false,
  content    bytea NOT NULL
);
GRANT SELECT, INSERT ON import_rejects_files TO lianxin_app;

-- The towns of the scope an import ran under: NULL for a county-wide one
-- (admin, gis, the command line, the demo). A town-scoped reader (a team
-- leader) sees only the imports run within their own towns: a county-wide
-- import's record, and above all its rejects file, holds rows of every town.
ALTER TABLE imports ADD COLUMN towns int[];

---- create above / drop below ----
ALTER TABLE imports DROP COLUMN towns;
DROP TABLE import_rejects_files;
