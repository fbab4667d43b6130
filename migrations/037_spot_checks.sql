-- The office's spot check of the people's diary (抽查评比): what a checker
-- found when they phoned or visited a sampled entry (package spotcheck).
--
-- A round is the campaign week the check is recorded in (week 1 holds the
-- campaign's first seven days, in campaign time): the office checks every
-- week, and an entry judged incomplete (需补充) one week can be judged
-- again once its writer has supplemented it, so one result per entry per
-- round. The round is the server's clock, not the caller's: nobody files a
-- result under a past week.
--
-- Results are appended, never changed or deleted by the server's role: a
-- verdict changed is a new round's result. An entry withdrawn (033) takes
-- its results with it; the audit log keeps who recorded what.
--
-- town_id is the entry's town (the writer's), copied at insert so that the
-- town_scope policy reads it as on every other detail table: a team leader
-- reads and writes their own towns' results only. A member-only user reads
-- only the results of their own entries (as visits, 010).
CREATE TABLE spot_checks (
  id          bigserial PRIMARY KEY,
  visit_id    bigint NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
  town_id     int NOT NULL REFERENCES towns (id) ON DELETE CASCADE,
  round       int NOT NULL CHECK (round >= 1),
  verdict     text NOT NULL CHECK (verdict IN ('ok', 'incomplete', 'failed')),
  score       smallint CHECK (score BETWEEN 0 AND 100),
  note        text NOT NULL DEFAULT '' CHECK (char_length(note) <= 1000),
  checked_by  text NOT NULL,
  checked_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (visit_id, round)
);
CREATE INDEX spot_checks_checked_at_idx ON spot_checks (checked_at);
CREATE INDEX spot_checks_town_idx ON spot_checks (town_id, round);

GRANT INSERT ON spot_checks TO lianxin_app;

ALTER TABLE spot_checks ENABLE ROW LEVEL SECURITY;
ALTER TABLE spot_checks FORCE ROW LEVEL SECURITY;
CREATE POLICY town_scope ON spot_checks
  USING ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]))
  WITH CHECK ((SELECT lianxin_all_towns()) OR town_id = ANY ((SELECT lianxin_towns())::int[]));
CREATE POLICY member_rows ON spot_checks AS RESTRICTIVE
  USING ((SELECT lianxin_members()) = '{}'
         OR EXISTS (SELECT 1 FROM visits v
                    WHERE v.id = spot_checks.visit_id AND v.member_id = ANY ((SELECT lianxin_members())::int[])));

-- campaign_round is the round of an instant: its campaign week, from 1
-- (an instant before the campaign is in its first week).
CREATE FUNCTION campaign_round(t timestamptz) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT greatest((campaign_day(t) - c.starts_on) / 7 + 1, 1)::int FROM campaign c WHERE c.id = 1
$$;

---- create above / drop below ----

DROP FUNCTION campaign_round(timestamptz);
DROP TABLE spot_checks;
