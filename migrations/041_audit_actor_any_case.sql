-- The audit log's actor filter matches a user name in any case, as signing
-- in does (lower(username)): an admin looking for "GIS" finds what "gis"
-- did. The filter keeps an index to walk, newest first, as the exact one
-- had (audit_log_actor_idx stays for the diary's daily limit, which counts
-- one account's lines by its exact name).
CREATE INDEX audit_log_actor_lower_idx ON audit_log (lower(actor), id);

---- create above / drop below ----

DROP INDEX audit_log_actor_lower_idx;
