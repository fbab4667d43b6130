package store

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin/ingest"
)

// The SQL of each importable layer. Staging columns are named as the ingest
// package's fields (ingest/layers.go); geom and cell are the geometry in
// WGS84 and its H3 cell, computed in Go.
//
// Every upsert writes only rows that differ (the WHERE of DO UPDATE, or of
// the UPDATE for households and visits), so a second import of the same
// file changes nothing, and returns two counts: rows inserted and rows
// updated. Unchanged rows are the rest.

type ingestRef struct{ field, table, column string }

type ingestSpec struct {
	// refs are codes that must exist: staging field, table, column.
	refs []ingestRef
	// uniqueInFile are fields besides the key that may not repeat in a file.
	uniqueInFile []string
	// checks are the layer's further checks (ingestCheck).
	checks []ingestCheck
	// makeValid repairs invalid geometry in staging (--make-valid).
	makeValid string
	upsert    string
	// update and insert, when set, replace upsert for the layers whose
	// files run to millions of rows: update writes only the existing rows
	// that changed (unchanged rows cost a join, not a row lock each), and
	// insert adds the new ones with a plain INSERT, which is cheaper than
	// ON CONFLICT's speculative insertion. Both return no rows; their
	// command tags count. Imports of one layer are serialised (an advisory
	// lock), so no other import inserts a key between the two.
	update, insert string
	// personal writes household_personal and returns how many households
	// changed only there (their households row was not written).
	personal string
	// lock, when set, row-locks stored rows the file changes before the
	// checks run, so that what a check read of other tables still holds
	// when the upsert writes (members: their diaries, leftBeforeEntriesCheck).
	lock string
}

var ingestSpecs = map[string]ingestSpec{
	"towns": {
		checks:    []ingestCheck{otherNameCheck("towns")},
		makeValid: makeValidPolygonsSQL,
		upsert: `WITH up AS (
  INSERT INTO towns AS t (code, name, kind, boundary)
  SELECT s.code, s.name, coalesce(s.kind, 'town'), s.geom FROM _ingest s
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, boundary = EXCLUDED.boundary
  WHERE (t.name, t.kind, t.boundary) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.boundary)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"villages": {
		refs:      []ingestRef{{"town_code", "towns", "code"}},
		checks:    []ingestCheck{otherNameCheck("villages")},
		makeValid: makeValidPolygonsSQL,
		upsert: `WITH up AS (
  INSERT INTO villages AS t (code, name, town_id, kind, boundary, resident_population, registered_households, rural, petition_case)
  SELECT s.code, s.name, tw.id, s.kind, s.geom, s.resident_population, s.registered_households,
         coalesce(s.rural, true), coalesce(s.petition_case, false)
  FROM _ingest s JOIN towns tw ON tw.code = s.town_code
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, town_id = EXCLUDED.town_id, kind = EXCLUDED.kind,
    boundary = EXCLUDED.boundary, resident_population = EXCLUDED.resident_population,
    registered_households = EXCLUDED.registered_households, rural = EXCLUDED.rural, petition_case = EXCLUDED.petition_case
  WHERE (t.name, t.town_id, t.kind, t.boundary, t.resident_population, t.registered_households, t.rural, t.petition_case)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.town_id, EXCLUDED.kind, EXCLUDED.boundary, EXCLUDED.resident_population,
                          EXCLUDED.registered_households, EXCLUDED.rural, EXCLUDED.petition_case)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"teams": {
		refs:         []ingestRef{{"town_code", "towns", "code"}},
		uniqueInFile: []string{"town_code"},
		checks: []ingestCheck{{ingest.CodeOneTeamPerTown, `SELECT s.line, 'town_code', 'town ' || s.town_code || ' already has team ' || tm.code || ' (one team per town)',
  jsonb_build_object('value', s.town_code, 'existing', tm.code)
FROM _ingest s JOIN towns tw ON tw.code = s.town_code JOIN teams tm ON tm.town_id = tw.id
WHERE tm.code <> s.code`}, otherNameCheck("teams")},
		upsert: `WITH up AS (
  INSERT INTO teams AS t (code, name, town_id, base)
  SELECT s.code, s.name, tw.id, s.geom FROM _ingest s JOIN towns tw ON tw.code = s.town_code
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, town_id = EXCLUDED.town_id, base = EXCLUDED.base
  WHERE (t.name, t.town_id, t.base) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.town_id, EXCLUDED.base)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"members": {
		refs:   []ingestRef{{"team_code", "teams", "code"}},
		checks: []ingestCheck{otherNameCheck("members"), leftBeforeEntriesCheck},
		lock:   membersLeftLockSQL,
		upsert: `WITH up AS (
  INSERT INTO members AS t (code, name, team_id, town_id, role, left_on)
  SELECT s.code, s.name, tm.id, tm.town_id, s.role, s.left_on FROM _ingest s JOIN teams tm ON tm.code = s.team_code
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, team_id = EXCLUDED.team_id, town_id = EXCLUDED.town_id, role = EXCLUDED.role,
    left_on = EXCLUDED.left_on
  WHERE (t.name, t.team_id, t.town_id, t.role, t.left_on)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.team_id, EXCLUDED.town_id, EXCLUDED.role, EXCLUDED.left_on)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"households": {
		refs:   []ingestRef{{"village_code", "villages", "code"}},
		checks: []ingestCheck{householdNeedsPointCheck, householdOutsideVillageCheck},
		update: `UPDATE households AS t SET village_id = n.village_id, town_id = n.town_id, location = n.location,
  cell = n.cell, residents = n.residents, poor = n.poor, seriously_ill = n.seriously_ill, disabled = n.disabled,
  empty_nest = n.empty_nest, left_behind_children = n.left_behind_children,
  community_correction = n.community_correction, petition_case = n.petition_case
FROM (` + householdsSourceSQL + `) n
WHERE t.external_id = n.external_id
  AND (t.village_id, t.town_id, t.location, t.cell, t.residents, t.poor, t.seriously_ill, t.disabled, t.empty_nest,
       t.left_behind_children, t.community_correction, t.petition_case)
      IS DISTINCT FROM (n.village_id, n.town_id, n.location, n.cell, n.residents, n.poor, n.seriously_ill, n.disabled,
       n.empty_nest, n.left_behind_children, n.community_correction, n.petition_case)`,
		insert: `INSERT INTO households (external_id, village_id, town_id, location, cell, residents, poor, seriously_ill,
                        disabled, empty_nest, left_behind_children, community_correction, petition_case)
SELECT n.external_id, n.village_id, n.town_id, n.location, n.cell, n.residents, n.poor, n.seriously_ill,
       n.disabled, n.empty_nest, n.left_behind_children, n.community_correction, n.petition_case
FROM (` + householdsSourceSQL + `) n
WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.external_id = n.external_id)`,
		// Rows written by this transaction carry its xid as xmin: a personal
		// change on any other household is that household's only change.
		personal: `WITH up AS (
  INSERT INTO household_personal AS p (household_id, town_id, head_name, phone, id_number)
  SELECT h.id, h.town_id, coalesce(s.head_name, ''), coalesce(s.phone, ''), coalesce(s.id_number, '')
  FROM _ingest s JOIN households h ON h.external_id = s.external_id
  ON CONFLICT (household_id) DO UPDATE SET town_id = EXCLUDED.town_id, head_name = EXCLUDED.head_name,
    phone = EXCLUDED.phone, id_number = EXCLUDED.id_number
  WHERE (p.town_id, p.head_name, p.phone, p.id_number)
        IS DISTINCT FROM (EXCLUDED.town_id, EXCLUDED.head_name, EXCLUDED.phone, EXCLUDED.id_number)
  RETURNING household_id)
SELECT count(*) FROM up JOIN households h ON h.id = up.household_id
WHERE h.xmin::text::bigint <> txid_current() % 4294967296`,
	},
	"contact_points": {
		refs:         []ingestRef{{"member_code", "members", "code"}, {"village_code", "villages", "code"}},
		uniqueInFile: []string{"member_code"},
		checks: []ingestCheck{{ingest.CodeOneContactPoint, `SELECT s.line, 'member_code', 'member ' || s.member_code || ' already has contact point ' || c.code || ' (one per member)',
  jsonb_build_object('value', s.member_code, 'existing', c.code)
FROM _ingest s JOIN members m ON m.code = s.member_code JOIN contact_points c ON c.member_id = m.id
WHERE c.code <> s.code`}, contactPointOtherMemberCheck},
		upsert: `WITH up AS (
  INSERT INTO contact_points AS t (code, member_id, village_id, town_id, location, cell, established_on, cards_issued)
  SELECT s.code, m.id, v.id, v.town_id, s.geom, s.cell, s.established_on, coalesce(s.cards_issued, 0)
  FROM _ingest s JOIN members m ON m.code = s.member_code JOIN villages v ON v.code = s.village_code
  ON CONFLICT (code) DO UPDATE SET member_id = EXCLUDED.member_id, village_id = EXCLUDED.village_id,
    town_id = EXCLUDED.town_id, location = EXCLUDED.location, cell = EXCLUDED.cell,
    established_on = EXCLUDED.established_on, cards_issued = EXCLUDED.cards_issued
  WHERE (t.member_id, t.village_id, t.town_id, t.location, t.cell, t.established_on, t.cards_issued)
        IS DISTINCT FROM (EXCLUDED.member_id, EXCLUDED.village_id, EXCLUDED.town_id, EXCLUDED.location, EXCLUDED.cell,
                          EXCLUDED.established_on, EXCLUDED.cards_issued)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"visits": {
		refs: []ingestRef{{"member_code", "members", "code"}, {"household_id", "households", "external_id"},
			{"village_code", "villages", "code"}, {"project_code", "projects", "code"}},
		checks: []ingestCheck{{ingest.CodeResolvedOverCollected, `SELECT line, 'problems_resolved', 'more problems resolved (' || problems_resolved || ') than collected (' || coalesce(problems_collected, 0) || ')',
  jsonb_build_object('resolved', problems_resolved, 'collected', coalesce(problems_collected, 0))
FROM _ingest WHERE problems_resolved > coalesce(problems_collected, 0)`},
			visitsTimeFutureCheck, visitsBeforeCampaignCheck, visitsMemberLeftCheck, visitsIDTakenCheck,
			sameEntryCheck, sameEntryInFileCheck, villageNotHouseholdsCheck, visitNoPlaceCheck},
		// The diary runs to hundreds of thousands of rows a year, re-sent
		// whole: written like households, an UPDATE of the changed rows and
		// an INSERT of the new ones. Times are compared to the second, the
		// precision exports write: an entry of the web diary (stored with
		// its milliseconds) exported and imported again is unchanged, and
		// keeps its fraction when another field is corrected.
		update: `UPDATE visits AS t SET member_id = n.member_id, household_id = n.household_id, village_id = n.village_id,
  project_id = n.project_id, town_id = n.town_id,
  occurred_at = CASE WHEN date_trunc('second', t.occurred_at) = date_trunc('second', n.occurred_at) THEN t.occurred_at ELSE n.occurred_at END,
  location = n.location, cell = n.cell,
  kind = n.kind, participants = n.participants, notes = n.notes, problems_collected = n.problems_collected,
  problems_resolved = n.problems_resolved, petition_resolved = n.petition_resolved, dispute_resolved = n.dispute_resolved
FROM (` + visitsSourceSQL + `) n
WHERE t.external_id = n.external_id
  AND (t.member_id, t.household_id, t.village_id, t.project_id, t.town_id, date_trunc('second', t.occurred_at), t.location,
       t.cell, t.kind, t.participants, t.notes, t.problems_collected, t.problems_resolved, t.petition_resolved, t.dispute_resolved)
      IS DISTINCT FROM (n.member_id, n.household_id, n.village_id, n.project_id, n.town_id, date_trunc('second', n.occurred_at), n.location,
       n.cell, n.kind, n.participants, n.notes, n.problems_collected, n.problems_resolved, n.petition_resolved,
       n.dispute_resolved)`,
		insert: `INSERT INTO visits (external_id, member_id, household_id, village_id, project_id, town_id, occurred_at,
                    location, cell, kind, participants, notes, problems_collected, problems_resolved,
                    petition_resolved, dispute_resolved)
SELECT n.external_id, n.member_id, n.household_id, n.village_id, n.project_id, n.town_id, n.occurred_at,
       n.location, n.cell, n.kind, n.participants, n.notes, n.problems_collected, n.problems_resolved,
       n.petition_resolved, n.dispute_resolved
FROM (` + visitsSourceSQL + `) n
WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE v.external_id = n.external_id)`,
	},
	"projects": {
		refs:      []ingestRef{{"town_code", "towns", "code"}, {"village_code", "villages", "code"}},
		checks:    []ingestCheck{noTownCheck, otherNameCheck("projects")},
		makeValid: `UPDATE _ingest SET geom = ST_MakeValid(geom) WHERE NOT ST_IsValid(geom)`,
		upsert: `WITH up AS (
  INSERT INTO projects AS t (code, name, kind, status, town_id, village_id, geom, cell, investment_yuan, dispute)
  SELECT s.code, s.name, s.kind, coalesce(s.status, 'planned'), coalesce(tw.id, v.town_id, gt.id), v.id, s.geom, s.cell,
         coalesce(s.investment_yuan, 0), coalesce(s.dispute, false)
  FROM _ingest s
  LEFT JOIN towns tw ON tw.code = s.town_code
  LEFT JOIN villages v ON v.code = s.village_code
  LEFT JOIN LATERAL (SELECT g.id FROM towns g WHERE ST_Intersects(g.boundary, ST_PointOnSurface(s.geom)) ORDER BY g.id LIMIT 1) gt ON true
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, status = EXCLUDED.status,
    town_id = EXCLUDED.town_id, village_id = EXCLUDED.village_id, geom = EXCLUDED.geom, cell = EXCLUDED.cell,
    investment_yuan = EXCLUDED.investment_yuan, dispute = EXCLUDED.dispute
  WHERE (t.name, t.kind, t.status, t.town_id, t.village_id, t.geom, t.cell, t.investment_yuan, t.dispute)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.status, EXCLUDED.town_id, EXCLUDED.village_id,
                          EXCLUDED.geom, EXCLUDED.cell, EXCLUDED.investment_yuan, EXCLUDED.dispute)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
	"river_works": {
		refs:      []ingestRef{{"town_code", "towns", "code"}},
		checks:    []ingestCheck{noTownCheck, otherNameCheck("river_works")},
		makeValid: `UPDATE _ingest SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 2)) WHERE NOT ST_IsValid(geom)`,
		upsert: `WITH up AS (
  INSERT INTO river_works AS t (code, name, kind, status, town_id, geom, completed_on)
  SELECT s.code, s.name, s.kind, coalesce(s.status, 'completed'), coalesce(tw.id, gt.id), s.geom, s.completed_on
  FROM _ingest s
  LEFT JOIN towns tw ON tw.code = s.town_code
  LEFT JOIN LATERAL (SELECT g.id FROM towns g WHERE ST_Intersects(g.boundary, ST_PointOnSurface(s.geom)) ORDER BY g.id LIMIT 1) gt ON true
  ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, status = EXCLUDED.status,
    town_id = EXCLUDED.town_id, geom = EXCLUDED.geom, completed_on = EXCLUDED.completed_on
  WHERE (t.name, t.kind, t.status, t.town_id, t.geom, t.completed_on)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.status, EXCLUDED.town_id, EXCLUDED.geom, EXCLUDED.completed_on)
  RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`,
	},
}

// householdsSourceSQL is the staged households as rows of the table, in
// file order (staging is read in the order it was copied, and the join
// keeps it): the file's order — by village, by household number — is what
// keeps index inserts local. Sorting by H3 cell instead was measured and
// lost: 100,000 households went in 10% faster, a million 20% slower (the
// sort itself, and household numbers landing all over their index).
const householdsSourceSQL = `SELECT s.external_id, v.id AS village_id, v.town_id, s.geom AS location, s.cell, s.residents,
       coalesce(s.poor, false) AS poor, coalesce(s.seriously_ill, false) AS seriously_ill,
       coalesce(s.disabled, false) AS disabled, coalesce(s.empty_nest, false) AS empty_nest,
       coalesce(s.left_behind_children, false) AS left_behind_children,
       coalesce(s.community_correction, false) AS community_correction,
       coalesce(s.petition_case, false) AS petition_case
FROM _ingest s JOIN villages v ON v.code = s.village_code`

// visitsSourceSQL is the staged diary as rows of visits: the member's town,
// the household's village when the row names no village.
const visitsSourceSQL = `SELECT s.external_id, m.id AS member_id, h.id AS household_id,
       coalesce(v.id, h.village_id) AS village_id, p.id AS project_id, m.town_id, s.occurred_at,
       s.geom AS location, s.cell, s.kind, coalesce(s.participants, 0) AS participants, coalesce(s.notes, '') AS notes,
       coalesce(s.problems_collected, 0) AS problems_collected, coalesce(s.problems_resolved, 0) AS problems_resolved,
       coalesce(s.petition_resolved, false) AS petition_resolved, coalesce(s.dispute_resolved, false) AS dispute_resolved
FROM _ingest s JOIN members m ON m.code = s.member_code
LEFT JOIN households h ON h.external_id = s.household_id
LEFT JOIN villages v ON v.code = s.village_code
LEFT JOIN projects p ON p.code = s.project_code`

// makeValidPolygonsSQL repairs invalid boundaries, keeping their polygons.
const makeValidPolygonsSQL = `UPDATE _ingest SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) WHERE NOT ST_IsValid(geom)`

// noTownCheck rejects projects and works with neither a town code nor
// (projects) a village code, whose geometry lies in no town.
var noTownCheck = ingestCheck{ingest.CodeNoTown, `SELECT s.line, 'town_code', 'no town_code, and the geometry lies in no town', NULL::jsonb
FROM _ingest s
WHERE s.town_code IS NULL AND (to_jsonb(s) ->> 'village_code') IS NULL AND s.geom IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM towns g WHERE ST_Intersects(g.boundary, ST_PointOnSurface(s.geom)))`}

// The diary's time, as the web diary holds it (diary.ClockSkew, README
// "Diary"): not in the future beyond five minutes, nor before the
// campaign's first day (midnight, China time). A typo of a year (2027 for
// 2026) would otherwise count for coverage once its day came, and an entry
// before the campaign would be outside every window.
var (
	visitsTimeFutureCheck = ingestCheck{ingest.CodeTimeFuture, `SELECT line, 'occurred_at',
  to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' is in the future (server time ' ||
  to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ')',
  jsonb_build_object('value', to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                     'now', to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))
FROM _ingest WHERE occurred_at > now() + interval '5 minutes'`}
	visitsBeforeCampaignCheck = ingestCheck{ingest.CodeBeforeCampaign, `SELECT s.line, 'occurred_at',
  to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || ' is before the campaign began (' ||
  to_char(c.starts_on, 'YYYY-MM-DD') || ')',
  jsonb_build_object('value', to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
                     'start', to_char(c.starts_on, 'YYYY-MM-DD'))
FROM _ingest s CROSS JOIN campaign c WHERE s.occurred_at < c.starts_on::timestamp AT TIME ZONE 'Asia/Shanghai'`}
)

// visitsMemberLeftCheck refuses an entry dated after its member's last day
// in the corps (members.left_on, migration 038), in China time: a visit
// written to someone who has left would count for a person no longer
// there. Entries up to and on that day stand. The web diary refuses the
// same (diary.ReasonMemberLeft).
var visitsMemberLeftCheck = ingestCheck{ingest.CodeMemberLeft, `SELECT s.line, 'member_code',
  'member ' || m.code || ' (' || m.name || ') left the corps on ' || to_char(m.left_on, 'YYYY-MM-DD') ||
  '; this entry is dated ' || to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'),
  jsonb_build_object('value', m.code, 'name', m.name, 'left_on', to_char(m.left_on, 'YYYY-MM-DD'),
                     'time', to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))
FROM _ingest s JOIN members m ON m.code = s.member_code
WHERE m.left_on IS NOT NULL AND (s.occurred_at AT TIME ZONE 'Asia/Shanghai')::date > m.left_on`}

// leftBeforeEntriesCheck refuses a member's last day in the corps
// (left_on) before their own diary's latest entry, in China time: the
// entries after it would stand for a member who had left, which
// visitsMemberLeftCheck and the web diary refuse. Only a changed day is
// checked: a sheet without the column keeps the stored day
// (ingest_columns.go), and a day already stored changes nothing.
// PATCH /api/v1/admin/members refuses the same (SetMemberLeft).
var leftBeforeEntriesCheck = ingestCheck{ingest.CodeLeftBeforeEntries, `SELECT s.line, 'left_on',
  'left_on ' || to_char(s.left_on, 'YYYY-MM-DD') || ': member ' || m.code || ' (' || m.name || ') has ' || e.after ||
  ' diary entries after that day, the latest on ' || e.latest || '; choose that day or a later one, or correct those entries first',
  jsonb_build_object('value', to_char(s.left_on, 'YYYY-MM-DD'), 'member', m.code, 'name', m.name, 'latest', e.latest, 'after', e.after)
FROM _ingest s JOIN members m ON m.code = s.code
CROSS JOIN LATERAL (SELECT count(*) AS after, to_char(max(v.occurred_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS latest
  FROM visits v WHERE v.member_id = m.id AND v.occurred_at >= (s.left_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') e
WHERE s.left_on IS NOT NULL AND s.left_on IS DISTINCT FROM m.left_on AND e.after > 0`}

// membersLeftLockSQL locks the members whose last day the file changes
// before leftBeforeEntriesCheck reads their diaries. FOR UPDATE conflicts
// with the key-share lock a new diary entry takes on its member, so no
// entry lands between the check and the write (SetMemberLeft does the
// same).
const membersLeftLockSQL = `SELECT 1 FROM members m JOIN _ingest s ON s.code = m.code
WHERE s.left_on IS NOT NULL AND s.left_on IS DISTINCT FROM m.left_on
ORDER BY m.id FOR UPDATE OF m`

// visitsIDTakenCheck refuses a row whose diary id is already another
// entry's: the stored entry names another member, another household (or
// none where the row names one, or the reverse), or another time (to the
// minute). The web diary answers such an id 409 id_taken (README, "Once");
// an import that updated the entry instead would lose it — a clerk's
// week-2 file numbered 1, 2, … like week 1's overwrote week 1. A row of
// the same member, household and minute is the same entry corrected: it
// still updates (kind, notes, counts, place). The field named is the
// first that differs, with the stored value.
var visitsIDTakenCheck = ingestCheck{ingest.CodeIDTaken, `SELECT line, field,
  'diary id ' || external_id || ' is already the id of another entry (its ' || field || ' is ' || coalesce(stored, 'empty') ||
  '); a new entry needs a new id, and nothing of the stored one was changed (to correct the stored entry, import with correct, --correct on the command line, or correct it in the web map''s diary list)',
  jsonb_build_object('value', external_id, 'field', field, 'stored', coalesce(stored, '—'), 'given', coalesce(given, '—'))
FROM (
  SELECT s.line, s.external_id,
    CASE WHEN m.code IS DISTINCT FROM s.member_code THEN 'member_code'
         WHEN h.external_id IS DISTINCT FROM s.household_id THEN 'household_id'
         ELSE 'occurred_at' END AS field,
    CASE WHEN m.code IS DISTINCT FROM s.member_code THEN m.code
         WHEN h.external_id IS DISTINCT FROM s.household_id THEN h.external_id
         ELSE to_char(t.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') END AS stored,
    CASE WHEN m.code IS DISTINCT FROM s.member_code THEN s.member_code
         WHEN h.external_id IS DISTINCT FROM s.household_id THEN s.household_id
         ELSE to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') END AS given
  FROM _ingest s JOIN visits t ON t.external_id = s.external_id
  LEFT JOIN members m ON m.id = t.member_id
  LEFT JOIN households h ON h.id = t.household_id
  WHERE m.code IS DISTINCT FROM s.member_code OR h.external_id IS DISTINCT FROM s.household_id
     OR date_trunc('minute', t.occurred_at) <> date_trunc('minute', s.occurred_at)
) d`}

// otherNameCheck refuses a row whose code is already the code of a stored
// row of another name (ingest.CodeOtherName): a clerk's register numbered
// 1, 2, 3 — row numbers, or last year's codes — would otherwise rename
// existing members, towns or teams, and move members between teams, without
// a word. A row of the same code and name is the same row and updates (a
// member moved to another team, a village's new population). An import
// that allows renames (ingest.Plan.AllowRenames) goes without this check.
// table is one of the layers' tables, never input.
func otherNameCheck(table string) ingestCheck {
	return ingestCheck{ingest.CodeOtherName, fmt.Sprintf(`SELECT s.line, 'name',
  'code ' || s.code || ' already names ' || t.name || ', this row ' || s.name ||
  ': the row was not imported and the stored one was not changed (a rename needs allow_renames)',
  jsonb_build_object('value', s.code, 'stored', t.name, 'given', s.name)
FROM _ingest s JOIN %s t ON t.code = s.code
WHERE t.name <> s.name`, pgx.Identifier{table}.Sanitize())}
}

// contactPointOtherMemberCheck is otherNameCheck of contact points, which
// have no name: a row whose code is already another member's contact point
// is refused (a sheet numbered 1, 2, 3 would hand members' contact points
// to others), unless the import allows renames (a point handed over).
var contactPointOtherMemberCheck = ingestCheck{ingest.CodeOtherName, `SELECT s.line, 'member_code',
  'code ' || s.code || ' already names the contact point of member ' || m.code || ', this row member ' || s.member_code ||
  ': the row was not imported and the stored one was not changed (handing it over needs allow_renames)',
  jsonb_build_object('value', s.code, 'stored', m.code, 'given', s.member_code)
FROM _ingest s JOIN contact_points c ON c.code = s.code JOIN members m ON m.id = c.member_id
WHERE m.code <> s.member_code`}
