-- A member's detail rows: their own diary entries (visits), their own
-- contact point, and the households they have visited — not their whole
-- town. The town_scope policies (004) still let a member's scope read its
-- town; these RESTRICTIVE policies, ANDed with them, narrow the detail
-- tables for a user whose only place-bound role is member. Aggregates
-- (coverage_*) stay town-wide: they reach a member only through the privacy
-- rules (package privacy).
--
-- Who is "member only" is read from the signed-in user's roles
-- (lianxin.user, set per transaction by store.InScope from the
-- authenticated user), so no code path can forget it: a user holding any
-- team_leader role or a county-wide role (admin, planner, gis) is not
-- narrowed, nor is the system scope (no such user).
CREATE FUNCTION lianxin_members() RETURNS int[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(r.member_id ORDER BY r.member_id), '{}'::int[])
  FROM users u JOIN user_roles r ON r.user_id = u.id
  WHERE lower(u.username) = lower(coalesce(current_setting('lianxin.user', true), ''))
    AND NOT u.disabled
    AND r.role = 'member'
    AND NOT EXISTS (SELECT 1 FROM user_roles o
                    WHERE o.user_id = u.id AND o.role IN ('team_leader', 'admin', 'planner', 'gis'))
$$;

CREATE POLICY member_rows ON visits AS RESTRICTIVE
  USING ((SELECT lianxin_members()) = '{}' OR member_id = ANY ((SELECT lianxin_members())::int[]));
CREATE POLICY member_rows ON contact_points AS RESTRICTIVE
  USING ((SELECT lianxin_members()) = '{}' OR member_id = ANY ((SELECT lianxin_members())::int[]));
CREATE POLICY member_rows ON households AS RESTRICTIVE
  USING ((SELECT lianxin_members()) = '{}'
         OR EXISTS (SELECT 1 FROM visits v
                    WHERE v.household_id = households.id AND v.member_id = ANY ((SELECT lianxin_members())::int[])));
CREATE POLICY member_rows ON household_personal AS RESTRICTIVE
  USING ((SELECT lianxin_members()) = '{}'
         OR EXISTS (SELECT 1 FROM visits v
                    WHERE v.household_id = household_personal.household_id
                      AND v.member_id = ANY ((SELECT lianxin_members())::int[])));

---- create above / drop below ----
DROP POLICY member_rows ON household_personal;
DROP POLICY member_rows ON households;
DROP POLICY member_rows ON contact_points;
DROP POLICY member_rows ON visits;
DROP FUNCTION lianxin_members();
