-- Cuts one village of the demo county down to its 3 most visited households
-- (the others, with their visits, move to a sibling village of the same
-- town), so the county has a village the privacy rules suppress (rule 2: 1
-- to 4 households). Run by scripts/browser-test.sh on a copy of the county,
-- as demotest.ShrinkOneVillagePerTown does for the Go tests.
BEGIN;
CREATE TEMP TABLE pick ON COMMIT DROP AS
SELECT v.id AS village,
       (SELECT s.id FROM villages s WHERE s.town_id = v.town_id AND s.id <> v.id ORDER BY s.id LIMIT 1) AS sibling
FROM villages v
WHERE (SELECT count(*) FROM households h WHERE h.village_id = v.id) > 3
  AND EXISTS (SELECT 1 FROM villages s WHERE s.town_id = v.town_id AND s.id <> v.id)
ORDER BY v.code
LIMIT 1;
CREATE TEMP TABLE keep ON COMMIT DROP AS
SELECT h.id
FROM households h JOIN pick ON h.village_id = pick.village
ORDER BY (SELECT count(*) FROM visits x WHERE x.household_id = h.id) DESC, h.id
LIMIT 3;
UPDATE visits SET village_id = (SELECT sibling FROM pick)
WHERE household_id IN (SELECT h.id FROM households h JOIN pick ON h.village_id = pick.village
                       WHERE h.id NOT IN (SELECT id FROM keep));
UPDATE households SET village_id = (SELECT sibling FROM pick)
WHERE village_id = (SELECT village FROM pick) AND id NOT IN (SELECT id FROM keep);
-- Refuse to go on with a county that has no suppressed village.
DO $$
BEGIN
  IF (SELECT count(*) FROM households WHERE village_id = (SELECT village FROM pick)) <> 3 THEN
    RAISE EXCEPTION 'shrink-one-village: no village was cut down to 3 households';
  END IF;
END $$;
COMMIT;
