-- The number of members of each work team, for every signed-in role.
--
-- /api/v1/teams and the teams export layer counted a team's members through
-- members, whose row-level security (004's town_scope) shows a team leader
-- or a member only their own towns: another town's team showed 0 members
-- where an administrator saw the true number. Members are the corps' staff,
-- not households, and how many a team has is published (the teams layer
-- carries it); only who they are stays in scope. coverage_team_members
-- counts without the caller's row-level security and returns one count per
-- team, never a member's id, code or name.
--
-- Like every aggregate function it is SECURITY DEFINER and owned by
-- lianxin_coverage (009), not by the table's owner: members' row-level
-- security is FORCEd. lianxin_coverage may read members' team_id column
-- only, through a SELECT policy of its own. search_path is pinned, EXECUTE
-- is the server role's only, and a connection without a signed-in user gets
-- nothing (lianxin_signed_in()).
GRANT SELECT (team_id) ON members TO lianxin_coverage;
CREATE POLICY coverage_team_members ON members FOR SELECT TO lianxin_coverage USING (true);

CREATE FUNCTION coverage_team_members()
RETURNS TABLE (team_id int, members bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT m.team_id, count(*)
  FROM members m
  WHERE (SELECT lianxin_signed_in())
  GROUP BY m.team_id
$$;
ALTER FUNCTION coverage_team_members() OWNER TO lianxin_coverage;
REVOKE ALL ON FUNCTION coverage_team_members() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION coverage_team_members() TO lianxin_app;

---- create above / drop below ----
DROP FUNCTION coverage_team_members();
DROP POLICY coverage_team_members ON members;
REVOKE SELECT (team_id) ON members FROM lianxin_coverage;
