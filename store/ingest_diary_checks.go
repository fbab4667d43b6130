package store

import "lianxin/ingest"

// The diary import's checks of what an entry says about its visit (README,
// "Importing your data"): one visit is one entry, its village is its
// household's, and a household visit names where it was.

// sameEntryCheck refuses a diary row of the same member, household and
// minute as a stored entry under another id: a week's file renumbered, or
// an id Excel changed (0001 → 1), would otherwise count the visit twice —
// in the visits, the problems and the member's diary. A row naming no
// household (a meeting, a publicity event) is not held to it. The index
// on visits (household_id, occurred_at) finds the stored entry.
var sameEntryCheck = ingestCheck{ingest.CodeSameEntry, `SELECT s.line, 'external_id',
  'the same visit as stored diary entry ' || e.external_id || ' (same member, household and time, ' ||
  to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || '): one visit is one entry',
  jsonb_build_object('value', s.external_id, 'existing', e.external_id,
                     'time', to_char(s.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))
FROM _ingest s JOIN members m ON m.code = s.member_code JOIN households h ON h.external_id = s.household_id
CROSS JOIN LATERAL (
  SELECT t.external_id FROM visits t
  WHERE t.household_id = h.id AND t.member_id = m.id
    AND t.occurred_at >= date_trunc('minute', s.occurred_at) AND t.occurred_at < date_trunc('minute', s.occurred_at) + interval '1 minute'
    AND t.external_id <> s.external_id
  ORDER BY t.external_id LIMIT 1) e`}

// sameEntryInFileCheck is sameEntryCheck within the file: the later rows
// of one member, household and minute under other ids (the same id twice
// is a duplicate_in_file).
var sameEntryInFileCheck = ingestCheck{ingest.CodeSameEntryInFile, `SELECT line, 'external_id',
  'the same visit as ' || $1::text || ' ' || first_line || ' (diary id ' || first_id || ': same member, household and time, ' || at || '): one visit is one entry',
  jsonb_build_object('value', external_id, 'existing', first_id, 'first_line', first_line, 'time', at)
FROM (SELECT line, external_id, to_char(occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') AS at,
        first_value(line) OVER w AS first_line, first_value(external_id) OVER w AS first_id
      FROM _ingest WHERE household_id IS NOT NULL AND member_code IS NOT NULL AND occurred_at IS NOT NULL
      WINDOW w AS (PARTITION BY member_code, household_id, date_trunc('minute', occurred_at) ORDER BY line)) d
WHERE line <> first_line AND external_id <> first_id`}

// villageNotHouseholdsCheck refuses a diary row naming a household and a
// village the household is not in: stored, the visit would count in one
// village's visits while the household counted as visited in another.
var villageNotHouseholdsCheck = ingestCheck{ingest.CodeVillageNotHouseholds, `SELECT s.line, 'village_code',
  'village ' || s.village_code || ' is not the village of household ' || s.household_id || ', ' || hv.code || ' (' || hv.name || ')',
  jsonb_build_object('value', s.village_code, 'village', coalesce(v.name, ''), 'household', s.household_id,
                     'household_village', hv.code, 'household_village_name', hv.name)
FROM _ingest s JOIN households h ON h.external_id = s.household_id JOIN villages hv ON hv.id = h.village_id
LEFT JOIN villages v ON v.code = s.village_code
WHERE s.village_code IS NOT NULL AND s.village_code <> hv.code`}

// visitNoPlaceCheck refuses a household visit (入户走访) that names neither
// a household nor a village: it would count in no village, only in the
// member's town's totals. A village alone is accepted (the household's
// number not known): it counts as a visit to the village.
var visitNoPlaceCheck = ingestCheck{ingest.CodeVisitNoPlace, `SELECT line, 'household_id',
  'a household visit names neither a household nor a village', NULL::jsonb
FROM _ingest WHERE kind = 'household_visit' AND household_id IS NULL AND village_code IS NULL`}
