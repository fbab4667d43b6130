package store

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin/ingest"
)

// Town checks: a town-scoped importer (a team leader) may write only rows
// of their own towns. Row-level security enforces that in the upsert, but
// its refusal (42501, or a unique violation on a key another town's row
// holds, which the importer cannot see) names no row and fails the whole
// file. These checks find the same rows in the staging phase, set-based
// like the other checks, and reject each with its line, field and reason,
// so that without SkipInvalid the rejects name the rows and with it the
// importer's own rows land. A county-wide scope skips them: nothing is
// outside its towns.
//
// A row's town comes from what the file names, as the upsert derives it:
// a town_code, a village_code (villages say their town), a team_code, the
// member (visits land in their member's town), or the geometry (projects
// and river works without codes). Villages, teams and towns are readable by
// every signed-in user; a member, household, project or a key of the
// layer's own that another town holds is not, and is asked of
// import_town_owners (migration 017) for the keys the importer cannot see.
// The upsert's translation of 42501 and 23505 stays as the safety net.

// yourTownsSQL names the scope's towns in reasons and parameters.
const yourTownsSQL = `coalesce((SELECT string_agg(yt.code, ', ' ORDER BY yt.code) FROM towns yt WHERE yt.id = ANY ((SELECT lianxin_towns())::int[])), 'none')`

// yourTownsZHSQL names the scope's towns by name and code
// (南塘镇（321299103）、…), the parameter your_towns_zh: a clerk knows the
// towns by name.
const yourTownsZHSQL = `coalesce((SELECT string_agg(yt.name || '（' || yt.code || '）', '、' ORDER BY yt.code) FROM towns yt WHERE yt.id = ANY ((SELECT lianxin_towns())::int[])), '无')`

// townZHSQL is a town's name and code from its row (alias), the
// parameter town_zh.
func townZHSQL(alias string) string { return alias + `.name || '（' || ` + alias + `.code || '）'` }

// townCodeZHSQL is townZHSQL for a town given by its code: towns are
// readable by every signed-in user.
func townCodeZHSQL(code string) string {
	return `(SELECT ` + townZHSQL("tn") + ` FROM towns tn WHERE tn.code = ` + code + `)`
}

// outsideTownsSQL is true for a town id outside the scope.
const outsideTownsSQL = `NOT %s = ANY ((SELECT lianxin_towns())::int[])`

// townRefCheck rejects rows whose field names a town (towns.code)
// outside the scope.
func townRefCheck(field string) ingestCheck {
	f := pgx.Identifier{field}.Sanitize()
	return ingestCheck{ingest.CodeOutsideTowns, fmt.Sprintf(`SELECT s.line, '%[2]s', 'town ' || s.%[1]s || ' is outside your towns ' || %[3]s,
  jsonb_build_object('town', s.%[1]s, 'your_towns', %[3]s, 'town_zh', `+townZHSQL("t")+`, 'your_towns_zh', `+yourTownsZHSQL+`)
FROM _ingest s JOIN towns t ON t.code = s.%[1]s
WHERE `+fmt.Sprintf(outsideTownsSQL, "t.id"), f, field, yourTownsSQL)}
}

// placeRefCheck rejects rows whose field names a row of a readable
// place table (villages, teams: by code) in a town outside the scope. noun
// names the row in the reason ("village T02V01 is in town T02, ...").
func placeRefCheck(field, table, noun string) ingestCheck {
	f := pgx.Identifier{field}.Sanitize()
	return ingestCheck{ingest.CodeOutsideTowns, fmt.Sprintf(`SELECT s.line, '%[2]s', '%[4]s ' || s.%[1]s || ' is in town ' || t.code || ', outside your towns ' || %[5]s,
  jsonb_build_object('value', s.%[1]s, 'town', t.code, 'your_towns', %[5]s, 'town_zh', `+townZHSQL("t")+`, 'your_towns_zh', `+yourTownsZHSQL+`)
FROM _ingest s JOIN %[3]s r ON r.code = s.%[1]s JOIN towns t ON t.id = r.town_id
WHERE `+fmt.Sprintf(outsideTownsSQL, "r.town_id"), f, field, pgx.Identifier{table}.Sanitize(), noun, yourTownsSQL)}
}

// hiddenKeysSQL is the distinct values of the staged field that name no
// row of table.column the importer can see: new keys, or another town's.
func hiddenKeysSQL(field, table, column string) string {
	f := pgx.Identifier{field}.Sanitize()
	return fmt.Sprintf(`ARRAY(SELECT DISTINCT k.%[1]s FROM _ingest k WHERE k.%[1]s IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM %[2]s r WHERE r.%[3]s = k.%[1]s))`,
		f, pgx.Identifier{table}.Sanitize(), pgx.Identifier{column}.Sanitize())
}

// hiddenKeyCheck rejects rows whose key (field, the layer's own key
// column) another town's row of layer already holds: the upsert would
// update a row the importer may not touch.
func hiddenKeyCheck(field, layer, column, noun string) ingestCheck {
	return ingestCheck{ingest.CodeDuplicateOther, fmt.Sprintf(`SELECT s.line, '%[2]s', '%[4]s ' || s.%[1]s || ' already exists in another town (' || o.town_code || ')',
  jsonb_build_object('value', s.%[1]s, 'town', o.town_code, 'town_zh', `+townCodeZHSQL("o.town_code")+`)
FROM _ingest s JOIN import_town_owners('%[3]s', %[5]s) o ON o.key = s.%[1]s`,
		pgx.Identifier{field}.Sanitize(), field, layer, noun, hiddenKeysSQL(field, layer, column))}
}

// hiddenRefCheck rejects rows whose field names a row of layer in
// another town (a member, household or project the importer cannot see,
// which the reference checks would call unknown).
func hiddenRefCheck(field, layer, column, noun string) ingestCheck {
	return ingestCheck{ingest.CodeOutsideTowns, fmt.Sprintf(`SELECT s.line, '%[2]s', '%[4]s ' || s.%[1]s || ' is in town ' || o.town_code || ', outside your towns ' || %[6]s,
  jsonb_build_object('value', s.%[1]s, 'town', o.town_code, 'your_towns', %[6]s, 'town_zh', `+townCodeZHSQL("o.town_code")+`, 'your_towns_zh', `+yourTownsZHSQL+`)
FROM _ingest s JOIN import_town_owners('%[3]s', %[5]s) o ON o.key = s.%[1]s`,
		pgx.Identifier{field}.Sanitize(), field, layer, noun, hiddenKeysSQL(field, layer, column), yourTownsSQL)}
}

// derivedTownCheck rejects projects and river works whose town — by
// town_code, else (projects) village_code, else the town their geometry's
// point on surface lies in, as the upsert derives it — is outside the
// scope. withVillage is true for projects.
func derivedTownCheck(withVillage bool) ingestCheck {
	village, villageJoin, villageTown, villageCase := "", "", "", ""
	if withVillage {
		village = " AND s.village_code IS NULL"
		villageJoin = "\nLEFT JOIN villages v ON v.code = s.village_code"
		villageTown = ", v.town_id"
		villageCase = "\n  WHEN tw.id IS NULL AND v.town_id IS NOT NULL THEN 'village_code'"
	}
	field := "CASE WHEN tw.id IS NOT NULL THEN 'town_code'" + villageCase + " ELSE 'geometry' END"
	reason := "CASE WHEN tw.id IS NOT NULL THEN 'town ' || s.town_code || ' is outside your towns '"
	if withVillage {
		reason += "\n  WHEN v.town_id IS NOT NULL THEN 'village ' || s.village_code || ' is in town ' || t.code || ', outside your towns '"
	}
	reason += "\n  ELSE 'the geometry lies in town ' || t.code || ', outside your towns ' END || " + yourTownsSQL
	// The parameters as the reason words them: the town, the row of a
	// village named, the importer's towns.
	params := "jsonb_strip_nulls(jsonb_build_object('town', t.code, 'your_towns', " + yourTownsSQL +
		", 'town_zh', " + townZHSQL("t") + ", 'your_towns_zh', " + yourTownsZHSQL
	if withVillage {
		params += ", 'value', CASE WHEN tw.id IS NULL AND v.town_id IS NOT NULL THEN s.village_code END"
	}
	params += "))"
	return ingestCheck{ingest.CodeOutsideTowns, `SELECT s.line, ` + field + `, ` + reason + `,
  ` + params + `
FROM _ingest s
LEFT JOIN towns tw ON tw.code = s.town_code` + villageJoin + `
LEFT JOIN LATERAL (SELECT g.id FROM towns g
  WHERE s.town_code IS NULL` + village + ` AND s.geom IS NOT NULL AND ST_Intersects(g.boundary, ST_PointOnSurface(s.geom))
  ORDER BY g.id LIMIT 1) gt ON true
JOIN towns t ON t.id = coalesce(tw.id` + villageTown + `, gt.id)
WHERE ` + fmt.Sprintf(outsideTownsSQL, "t.id")}
}

// townChecks are each layer's town checks, run only for a town-scoped
// importer. Every layer a team leader may import has an entry (a test
// checks).
var townChecks = map[string][]ingestCheck{
	"towns": {
		// A town's row is its own town: an existing town outside the
		// scope, or a new one (which no town's scope holds yet).
		townRefCheck("code"),
		{ingest.CodeNewTown, `SELECT s.line, 'code', 'town ' || s.code || ' is new, and only a county-wide role (admin) may add towns',
  jsonb_build_object('value', s.code)
FROM _ingest s WHERE s.code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM towns t WHERE t.code = s.code)`},
	},
	"villages": {placeRefCheck("code", "villages", "village"), townRefCheck("town_code")},
	"teams":    {placeRefCheck("code", "teams", "team"), townRefCheck("town_code")},
	"members": {hiddenKeyCheck("code", "members", "code", "member"),
		placeRefCheck("team_code", "teams", "team")},
	"households": {hiddenKeyCheck("external_id", "households", "external_id", "household"),
		placeRefCheck("village_code", "villages", "village")},
	"contact_points": {hiddenKeyCheck("code", "contact_points", "code", "contact point"),
		hiddenRefCheck("member_code", "members", "code", "member"),
		placeRefCheck("village_code", "villages", "village")},
	"visits": {hiddenKeyCheck("external_id", "visits", "external_id", "visit"),
		hiddenRefCheck("member_code", "members", "code", "member"),
		hiddenRefCheck("household_id", "households", "external_id", "household"),
		hiddenRefCheck("project_code", "projects", "code", "project")},
	"projects": {hiddenKeyCheck("code", "projects", "code", "project"), derivedTownCheck(true)},
	"river_works": {hiddenKeyCheck("code", "river_works", "code", "river work"),
		derivedTownCheck(false)},
}
