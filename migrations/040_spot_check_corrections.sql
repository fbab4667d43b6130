-- A checker's slip (the wrong verdict clicked, a score mistyped, a note on
-- the wrong entry) is put right inside the round it was recorded in: until
-- now a result stood unchanged until the next week's check, and counted in
-- the ranking meanwhile (037 appended results only).
--
-- The round is still the unit: once the server's clock is in a later
-- round, a result is what that round found and stays so; a verdict changed
-- then is the new round's result, as before. Inside its round a result may
-- be corrected (verdict, score, note) or withdrawn by the checker who
-- recorded it or by an admin; corrected_at and corrected_by say that it
-- was, the audit log holds what it said before (spotcheck_correct,
-- spotcheck_withdraw). checked_by and checked_at keep the first recording.
ALTER TABLE spot_checks
  ADD COLUMN corrected_at timestamptz,
  ADD COLUMN corrected_by text;

GRANT UPDATE (verdict, score, note, corrected_at, corrected_by) ON spot_checks TO lianxin_app;
GRANT DELETE ON spot_checks TO lianxin_app;

-- The server's role changes only an open round's results, and only its own
-- or, for an admin, anyone's in its towns (town_scope still holds). The
-- owner is not narrowed: an entry withdrawn takes every round's results
-- with it (ON DELETE CASCADE runs as the owner). SELECT ... FOR UPDATE
-- meets these too, so a locked read finds only a result the caller may
-- change.
CREATE POLICY open_round_update ON spot_checks AS RESTRICTIVE FOR UPDATE TO lianxin_app
  USING (round = campaign_round(now())
         AND (lower(checked_by) = lower(current_setting('lianxin.user', true))
              OR (SELECT lianxin_has_role('admin')) OR (SELECT lianxin_has_role('system'))));
CREATE POLICY open_round_delete ON spot_checks AS RESTRICTIVE FOR DELETE TO lianxin_app
  USING (round = campaign_round(now())
         AND (lower(checked_by) = lower(current_setting('lianxin.user', true))
              OR (SELECT lianxin_has_role('admin')) OR (SELECT lianxin_has_role('system'))));

---- create above / drop below ----

DROP POLICY open_round_delete ON spot_checks;
DROP POLICY open_round_update ON spot_checks;
REVOKE DELETE ON spot_checks FROM lianxin_app;
REVOKE UPDATE (verdict, score, note, corrected_at, corrected_by) ON spot_checks FROM lianxin_app;
ALTER TABLE spot_checks DROP COLUMN corrected_by, DROP COLUMN corrected_at;
