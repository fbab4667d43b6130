-- Places and people: the county's towns and villages, the corps' teams and
-- members. Every row that belongs to a place carries town_id so that access
-- scopes and row-level security can filter on one column everywhere.
CREATE EXTENSION IF NOT EXISTS postgis;

-- h3_parent derives the H3 cell at a coarser resolution from a finer one by
-- bit arithmetic: set the resolution field (bits 52-55) and fill the digits
-- of the finer resolutions with 7. Mirrors geo.ParentCellBits, tested against
-- h3-go, so aggregates at resolutions 6..10 need no H3 extension.
CREATE FUNCTION h3_parent(cell bigint, res int) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (cell & ~(15::bigint << 52)) | (res::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)
$$;

CREATE TABLE campaign (
  id         int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  name       text NOT NULL,
  starts_on  date NOT NULL,
  synthetic  boolean NOT NULL DEFAULT false
);

CREATE TABLE towns (
  id        serial PRIMARY KEY,
  code      text NOT NULL UNIQUE CHECK (code <> ''),
  name      text NOT NULL CHECK (name <> ''),
  kind      text NOT NULL DEFAULT 'town' CHECK (kind IN ('town', 'subdistrict', 'park')),
  boundary  geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(boundary))
);
CREATE INDEX towns_boundary_gix ON towns USING gist (boundary);

CREATE TABLE villages (
  id                     serial PRIMARY KEY,
  code                   text NOT NULL UNIQUE CHECK (code <> ''),
  name                   text NOT NULL CHECK (name <> ''),
  town_id                int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  kind                   text NOT NULL CHECK (kind IN ('village', 'community')),
  boundary               geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(boundary)),
  resident_population    int NOT NULL CHECK (resident_population >= 0),
  registered_households  int NOT NULL CHECK (registered_households >= 0),
  rural                  boolean NOT NULL DEFAULT true,
  petition_case          boolean NOT NULL DEFAULT false
);
CREATE INDEX villages_town_idx ON villages (town_id);
CREATE INDEX villages_boundary_gix ON villages USING gist (boundary);

CREATE TABLE teams (
  id       serial PRIMARY KEY,
  code     text NOT NULL UNIQUE CHECK (code <> ''),
  name     text NOT NULL CHECK (name <> ''),
  town_id  int NOT NULL UNIQUE REFERENCES towns (id) ON DELETE RESTRICT,
  base     geometry(Point, 4326) NOT NULL
           CHECK (ST_X(base) BETWEEN -180 AND 180 AND ST_Y(base) BETWEEN -90 AND 90)
);

CREATE TABLE members (
  id       serial PRIMARY KEY,
  code     text NOT NULL UNIQUE CHECK (code <> ''),
  name     text NOT NULL CHECK (name <> ''),
  team_id  int NOT NULL REFERENCES teams (id) ON DELETE RESTRICT,
  town_id  int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  role     text NOT NULL CHECK (role IN ('leader', 'senior_adviser', 'cadre', 'village_official'))
);
CREATE INDEX members_team_idx ON members (team_id);

---- create above / drop below ----
DROP TABLE members, teams, villages, towns, campaign;
DROP FUNCTION h3_parent(bigint, int);
