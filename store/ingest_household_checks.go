package store

import (
	"fmt"

	"lianxin/ingest"
)

// householdVillageToleranceMetres is how far outside its village's
// boundary a household's point may lie: boundaries are drawn from maps of
// their own precision, and a household on the edge of a road between two
// villages may be taken by either. Measured on the demo county (scale 1,
// 345,880 households): none lies outside its village at all, so none is
// refused; 200 m is about a lane's worth of houses.
const householdVillageToleranceMetres = 200

// householdOutsideVillageCheck (one of ingestSpecs["households"].checks)
// refuses a household whose point lies outside its village (beyond the
// tolerance): stored, it would count in one village's coverage while it
// shows in another on the map. It names the village the point lies in, if
// any. The plain point-in-polygon test is cheap and passes nearly every
// row (PostGIS keeps the polygon prepared across consecutive rows of one
// village, and a register comes village by village); only the rows it
// fails are measured on the sphere. The synthetic registers of tests and
// benchmarks (demotest.HouseholdsFile, the benchmark script's) draw each
// point inside its village.
var householdOutsideVillageCheck = ingestCheck{ingest.CodeOutsideVillage, fmt.Sprintf(`SELECT o.line, 'village_code',
  'the point lies ' || round(o.m) || ' m outside village ' || o.village_code || ' (' || o.name || ')' ||
  coalesce(', in village ' || w.code || ' (' || w.name || ')', ', in no village'),
  jsonb_build_object('value', o.village_code, 'village', o.name, 'lies_in', coalesce(w.code, ''),
                     'lies_in_name', coalesce(w.name, ''), 'distance_m', round(o.m)::bigint)
FROM (SELECT s.line, s.village_code, s.geom, v.name, ST_Distance(v.boundary::geography, s.geom::geography) AS m
      FROM _ingest s JOIN villages v ON v.code = s.village_code
      WHERE s.geom IS NOT NULL AND NOT ST_Intersects(v.boundary, s.geom)) o
LEFT JOIN LATERAL (SELECT g.code, g.name FROM villages g WHERE ST_Intersects(g.boundary, o.geom) ORDER BY g.id LIMIT 1) w ON true
WHERE o.m > %d`, householdVillageToleranceMetres)}

// householdNeedsPointCheck (one of ingestSpecs["households"].checks)
// refuses a new household without a point. A register without lon/lat
// columns may correct stored households (their point is kept: keepSpecs),
// but a household the store does not hold yet has no point to keep, and
// the map and the H3 cells need one. Only such a file leaves a staged row
// without a point: with lon/lat columns an empty cell is refused row by
// row as the file is read.
var householdNeedsPointCheck = ingestCheck{ingest.CodeGeometryMissing, `SELECT s.line, 'geometry',
  'missing: household ' || s.external_id || ' is not in the register yet, so it needs its point: give lon and lat columns (经度, 纬度)',
  jsonb_build_object('value', s.external_id, 'new', true)
FROM _ingest s
WHERE s.geom IS NULL`}
