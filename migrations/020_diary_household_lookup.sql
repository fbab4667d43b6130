-- Diary entries written one at a time from the web map (POST /api/v1/diary,
-- store/diary.go), by members at the household they are visiting.
--
-- 1. A member names the household by its code (the contact card's number),
-- but under 010's member_rows a member sees only the households they have
-- already visited: a first visit would find nothing. diary_household answers
-- exactly one question for the writer: the household with this code, if it
-- is in the caller's towns (lianxin.towns, or all towns) — its id, village,
-- town, location and cell, which the INSERT of the entry uses and the
-- server never sends back. A household of another town is as absent as a
-- code that does not exist: town_scope (004) still holds the read.
--
-- It lifts only the member narrowing, for one exact code: it clears
-- lianxin.user for its own duration (as 016's reference triggers do), so
-- member_rows (which keys on the signed-in user) narrows nothing, while
-- town_scope (which keys on lianxin.towns) still does. It runs as its caller
-- (SECURITY INVOKER): it needs, and gives, no privilege the server's role
-- lacks. A connection with no scope (no towns, not all towns) finds nothing.
CREATE FUNCTION diary_household(code text)
RETURNS TABLE (id bigint, village_id int, town_id int, location geometry(Point, 4326), cell bigint)
LANGUAGE sql STABLE SET search_path = public, pg_temp SET "lianxin.user" = '' AS $$
  SELECT h.id, h.village_id, h.town_id, h.location, h.cell
  FROM households h
  WHERE h.external_id = code
    AND ((SELECT lianxin_all_towns()) OR h.town_id = ANY ((SELECT lianxin_towns())::int[]))
$$;
REVOKE EXECUTE ON FUNCTION diary_household(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION diary_household(text) TO lianxin_app;

-- 2. The coverage trigger (006) refreshes the household-day rows of every
-- household a statement's visits touch, from that household's visits. Run by
-- a member (the first writer of visits held to member_rows), it saw only the
-- member's own visits and rewrote the household's days without a colleague's
-- earlier ones. It writes aggregates only and returns nothing, so it reads
-- the diary whole: lianxin.user is cleared for its duration, as in 1;
-- town_scope still holds its reads and writes to the writer's towns. For
-- every other writer (imports, the demo, team leaders) nothing changes:
-- member_rows never narrowed them.
ALTER FUNCTION coverage_visits_changed() SET "lianxin.user" = '';

---- create above / drop below ----
ALTER FUNCTION coverage_visits_changed() RESET "lianxin.user";
DROP FUNCTION diary_household(text);
