-- Reads of a tile: two things a cold tile paid for on every build.
--
-- 1. The campaign's first day is the start of every open window (tiles,
--    reports). Its row now bumps a layer version like every other table, so
--    the tile server keeps the start in memory, reads it again only when the
--    version moves, and keys open-window tiles by it: a changed start is never
--    served from a tile cached under the old one, and a cold tile no longer
--    spends a transaction reading a row that changes once a campaign.
CREATE TRIGGER campaign_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON campaign
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version();
INSERT INTO layer_versions (layer) VALUES ('campaign') ON CONFLICT (layer) DO NOTHING;

-- 2. lianxin_members() runs in the row-level security of every detail table a
--    member is narrowed on (visits, households, contact points: migration
--    010), once per statement and table. As a SQL function its aggregate keeps
--    it from being inlined, so each call planned its three-table query again:
--    0.15 ms a call, two calls in every households tile. The same query in
--    PL/pgSQL keeps its plan for the session (the query has no parameters, so
--    the plan is generic whatever plan_cache_mode says): 0.02 ms a call. Same
--    answer, same invoker rights.
CREATE OR REPLACE FUNCTION lianxin_members() RETURNS int[]
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  RETURN (
    SELECT coalesce(array_agg(r.member_id ORDER BY r.member_id), '{}'::int[])
    FROM users u JOIN user_roles r ON r.user_id = u.id
    WHERE lower(u.username) = lower(coalesce(current_setting('lianxin.user', true), ''))
      AND NOT u.disabled
      AND r.role = 'member'
      AND NOT EXISTS (SELECT 1 FROM user_roles o
                      WHERE o.user_id = u.id AND o.role IN ('team_leader', 'admin', 'planner', 'gis')));
END
$$;


---- create above / drop below ----
CREATE OR REPLACE FUNCTION lianxin_members() RETURNS int[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(r.member_id ORDER BY r.member_id), '{}'::int[])
  FROM users u JOIN user_roles r ON r.user_id = u.id
  WHERE lower(u.username) = lower(coalesce(current_setting('lianxin.user', true), ''))
    AND NOT u.disabled
    AND r.role = 'member'
    AND NOT EXISTS (SELECT 1 FROM user_roles o
                    WHERE o.user_id = u.id AND o.role IN ('team_leader', 'admin', 'planner', 'gis'))
$$;

DROP TRIGGER campaign_version ON campaign;
DELETE FROM layer_versions WHERE layer = 'campaign';
