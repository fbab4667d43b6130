-- The summary's five full coverages #3 count the households with a standing
-- petition case not visited in the window (store/coverage_petition.go): a few
-- hundred of a county's households, found through this partial index
-- instead of a scan of every household on each summary (237 ms at scale 10,
-- 3.3 million households).
CREATE INDEX households_petition_idx ON households (town_id) WHERE petition_case;

---- create above / drop below ----
DROP INDEX households_petition_idx;
