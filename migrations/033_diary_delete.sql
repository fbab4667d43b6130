-- A wrongly entered diary entry can be withdrawn (DELETE /api/v1/diary/{id},
-- store/diary_edit.go). The server's role could insert and update visits but
-- never delete one (004). The grant is the table's; who may delete which
-- entry is the server's rule (package diary, SECURITY.md) under the same
-- town_scope and member_rows policies that hold a select (004, 010): an
-- entry another town or another member holds is not there to delete.
-- The statement triggers already follow a DELETE: coverage_visits_changed
-- (006, AFTER DELETE with the old rows), bump_layer_version (003: the tile
-- and report caches keyed by layer versions move on) and the parents check
-- (016).
GRANT DELETE ON visits TO lianxin_app;

---- create above / drop below ----
REVOKE DELETE ON visits FROM lianxin_app;
