-- One row per layer export (API, command line or OGC API download), kept for
-- the audit view access control will show: who, when, which layer, with which
-- filter, in which format and coordinate system, and how many rows went out.
-- Access control (issue 8) may fold these into its audit log later.
CREATE TABLE exports (
  id           bigserial PRIMARY KEY,
  actor        text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  layer        text NOT NULL,
  format       text NOT NULL,
  crs          text NOT NULL,
  filter       jsonb NOT NULL DEFAULT '{}',
  rows         bigint NOT NULL DEFAULT 0 CHECK (rows >= 0),
  completed    boolean NOT NULL DEFAULT true
);
CREATE INDEX exports_at_idx ON exports (at);

---- create above / drop below ----
DROP TABLE exports;
