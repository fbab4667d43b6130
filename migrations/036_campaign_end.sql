-- The campaign's last day, optional. The forecast judges each village
-- against it when the caller names no ends_on (coverage.CampaignEnd);
-- without it the forecast keeps its old default, a year after the start.
-- Set by an admin with `lianxin campaign --ends-on`.
ALTER TABLE campaign ADD COLUMN ends_on date CHECK (ends_on IS NULL OR ends_on >= starts_on);

---- create above / drop below ----

ALTER TABLE campaign DROP COLUMN ends_on;
