-- What the corps serves and builds: households (spatial row apart from the
-- personal fields), contact points, the people's diary, projects and works.
-- Point rows store their H3 cell at resolution 11 (computed in Go on write);
-- coarser cells come from h3_parent.

CREATE TABLE households (
  id                    bigserial PRIMARY KEY,
  external_id           text NOT NULL UNIQUE CHECK (external_id <> ''),
  village_id            int NOT NULL REFERENCES villages (id) ON DELETE RESTRICT,
  town_id               int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  location              geometry(Point, 4326) NOT NULL
                        CHECK (ST_X(location) BETWEEN -180 AND 180 AND ST_Y(location) BETWEEN -90 AND 90),
  cell                  bigint NOT NULL,
  residents             int NOT NULL CHECK (residents >= 1),
  poor                  boolean NOT NULL DEFAULT false,
  seriously_ill         boolean NOT NULL DEFAULT false,
  disabled              boolean NOT NULL DEFAULT false,
  empty_nest            boolean NOT NULL DEFAULT false,
  left_behind_children  boolean NOT NULL DEFAULT false,
  community_correction  boolean NOT NULL DEFAULT false,
  petition_case         boolean NOT NULL DEFAULT false
);
CREATE INDEX households_village_idx ON households (village_id);
CREATE INDEX households_town_idx ON households (town_id);
CREATE INDEX households_cell_idx ON households (cell);
CREATE INDEX households_location_gix ON households USING gist (location);

-- Personal fields live apart from the spatial row: no tile, aggregate or
-- export query that reads households can reach them without naming this table.
CREATE TABLE household_personal (
  household_id  bigint PRIMARY KEY REFERENCES households (id) ON DELETE RESTRICT,
  town_id       int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  head_name     text NOT NULL DEFAULT '',
  phone         text NOT NULL DEFAULT '',
  id_number     text NOT NULL DEFAULT ''
);

CREATE TABLE contact_points (
  id              serial PRIMARY KEY,
  code            text NOT NULL UNIQUE CHECK (code <> ''),
  member_id       int NOT NULL UNIQUE REFERENCES members (id) ON DELETE RESTRICT,
  village_id      int NOT NULL REFERENCES villages (id) ON DELETE RESTRICT,
  town_id         int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  location        geometry(Point, 4326) NOT NULL
                  CHECK (ST_X(location) BETWEEN -180 AND 180 AND ST_Y(location) BETWEEN -90 AND 90),
  cell            bigint NOT NULL,
  established_on  date NOT NULL,
  cards_issued    int NOT NULL DEFAULT 0 CHECK (cards_issued >= 0)
);
CREATE INDEX contact_points_location_gix ON contact_points USING gist (location);

CREATE TABLE projects (
  id               serial PRIMARY KEY,
  code             text NOT NULL UNIQUE CHECK (code <> ''),
  name             text NOT NULL CHECK (name <> ''),
  kind             text NOT NULL CHECK (kind IN ('key_enterprise', 'investment_project', 'key_works', 'bridge', 'refuse_station', 'other')),
  status           text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'under_way', 'completed', 'suspended')),
  town_id          int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  village_id       int REFERENCES villages (id) ON DELETE RESTRICT,
  geom             geometry(Geometry, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  cell             bigint NOT NULL,
  investment_yuan  bigint NOT NULL DEFAULT 0 CHECK (investment_yuan >= 0),
  dispute          boolean NOT NULL DEFAULT false
);
CREATE INDEX projects_geom_gix ON projects USING gist (geom);
CREATE INDEX projects_town_idx ON projects (town_id);

CREATE TABLE river_works (
  id             serial PRIMARY KEY,
  code           text NOT NULL UNIQUE CHECK (code <> ''),
  name           text NOT NULL CHECK (name <> ''),
  kind           text NOT NULL CHECK (kind IN ('river_dredging', 'road')),
  status         text NOT NULL DEFAULT 'completed' CHECK (status IN ('planned', 'under_way', 'completed', 'suspended')),
  town_id        int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  geom           geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  length_metres  double precision GENERATED ALWAYS AS (ST_Length(geom::geography)) STORED,
  completed_on   date
);
CREATE INDEX river_works_geom_gix ON river_works USING gist (geom);

-- The people's diary. household_id and village_id may be empty: a village
-- meeting has no household, and a visit can happen outside every village.
-- town_id is the visiting member's town, so a diary entry always has a scope.
CREATE TABLE visits (
  id                  bigserial PRIMARY KEY,
  external_id         text NOT NULL UNIQUE CHECK (external_id <> ''),
  member_id           int NOT NULL REFERENCES members (id) ON DELETE RESTRICT,
  household_id        bigint REFERENCES households (id) ON DELETE RESTRICT,
  village_id          int REFERENCES villages (id) ON DELETE RESTRICT,
  project_id          int REFERENCES projects (id) ON DELETE RESTRICT,
  town_id             int NOT NULL REFERENCES towns (id) ON DELETE RESTRICT,
  occurred_at         timestamptz NOT NULL,
  recorded_at         timestamptz NOT NULL DEFAULT now(),
  location            geometry(Point, 4326)
                      CHECK (location IS NULL OR (ST_X(location) BETWEEN -180 AND 180 AND ST_Y(location) BETWEEN -90 AND 90)),
  cell                bigint,
  kind                text NOT NULL CHECK (kind IN ('household_visit', 'enterprise_visit', 'project_site_visit',
                                                    'village_meeting', 'publicity_event', 'assistance_delivery')),
  participants        int NOT NULL DEFAULT 0 CHECK (participants >= 0),
  notes               text NOT NULL DEFAULT '',
  problems_collected  int NOT NULL DEFAULT 0 CHECK (problems_collected >= 0),
  problems_resolved   int NOT NULL DEFAULT 0 CHECK (problems_resolved >= 0),
  petition_resolved   boolean NOT NULL DEFAULT false,
  dispute_resolved    boolean NOT NULL DEFAULT false,
  CHECK ((location IS NULL) = (cell IS NULL))
);
CREATE INDEX visits_household_idx ON visits (household_id, occurred_at);
CREATE INDEX visits_village_idx ON visits (village_id, occurred_at);
CREATE INDEX visits_member_idx ON visits (member_id, occurred_at);
CREATE INDEX visits_town_time_idx ON visits (town_id, occurred_at);
CREATE INDEX visits_occurred_idx ON visits (occurred_at);
CREATE INDEX visits_cell_idx ON visits (cell);
CREATE INDEX visits_location_gix ON visits USING gist (location);

---- create above / drop below ----
DROP TABLE visits, river_works, projects, contact_points, household_personal, households;
