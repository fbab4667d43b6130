-- household_contact (027) runs for every diary entry a statement writes,
-- in the coverage triggers' FILTER and in coverage_refresh_households, and
-- for every entry of the window in the members report. A
-- SQL function is inlined into the query that calls it, as campaign_day
-- and h3_parent are, unless it is STRICT and its body is not provably
-- strict: `kind IN (...)` is an array comparison, which PostgreSQL does not
-- count as strict, so 027's STRICT kept it a function call per row: 0.75 µs
-- against 0.075 µs inlined, over a million rows: by that, about 0.4 s of a members
-- report over the scale-10 county's 612,719 entries. Called on a NULL
-- kind it answers NULL either way, which FILTER and WHERE read as false.
ALTER FUNCTION household_contact(text) CALLED ON NULL INPUT;

---- create above / drop below ----
ALTER FUNCTION household_contact(text) STRICT;
