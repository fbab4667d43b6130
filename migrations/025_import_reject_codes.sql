-- Each kept reject's machine-readable code, its parameters and the column
-- header as the file spelled it (经度/纬度, 户编号), so that the web map can
-- word the reject in the clerk's language and name the column they typed.
-- Rows kept before this migration read as code 'other' with the English
-- reason.
ALTER TABLE import_rejects ADD COLUMN code text NOT NULL DEFAULT 'other',
                           ADD COLUMN params jsonb NOT NULL DEFAULT '{}',
                           ADD COLUMN header text NOT NULL DEFAULT '';

---- create above / drop below ----
ALTER TABLE import_rejects DROP COLUMN code, DROP COLUMN params, DROP COLUMN header;
