-- Members who leave the corps, one account per member, Chinese user names.
--
-- members.left_on is the last day a member served (transferred, ill);
-- NULL is a member still serving. A date, not a flag: a report over a
-- window that ended before it still judges the member by the ten-household
-- rule and the contact point (coverage.MemberRows), one whose last day
-- falls before the window's end does not, and their visits count in every
-- window as before. A diary entry dated after it is refused (the import's
-- member_left check, the web diary's member_left refusal). Set by the
-- members import (离队日期) or `PATCH /api/v1/admin/members/:code`; each
-- change is an audit line written here, whoever made it.
ALTER TABLE members ADD COLUMN left_on date;

CREATE FUNCTION audit_member_left() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.left_on IS NOT DISTINCT FROM NEW.left_on THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.left_on IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO audit_log (actor, action, target, detail, rows)
  VALUES (coalesce(nullif(current_setting('lianxin.user', true), ''), 'unknown'), 'member_left', NEW.code,
          jsonb_build_object('member', NEW.code, 'name', NEW.name,
                             'left_on', to_char(NEW.left_on, 'YYYY-MM-DD'),
                             'was', CASE WHEN TG_OP = 'UPDATE' THEN to_char(OLD.left_on, 'YYYY-MM-DD') END),
          1);
  RETURN NULL;
END
$$;
CREATE TRIGGER members_left_audit AFTER INSERT OR UPDATE OF left_on ON members
  FOR EACH ROW EXECUTE FUNCTION audit_member_left();

-- An account linked to a member is the only one linked to that member: two
-- accounts writing as one member would split one person's diary between two
-- sign-ins and let either read the other's entries. Existing duplicates are
-- not resolved here (which account is the member's is an admin's call): the
-- migration stops and names them; revoke the extra member roles
-- (`lianxin user revoke`) and migrate again.
DO $$
DECLARE
  dups text;
BEGIN
  SELECT string_agg(m.code || ': ' || d.users, '; ' ORDER BY m.code) INTO dups
  FROM (SELECT r.member_id, string_agg(u.username, ', ' ORDER BY u.username) AS users
        FROM user_roles r JOIN users u ON u.id = r.user_id
        WHERE r.role = 'member'
        GROUP BY r.member_id HAVING count(DISTINCT r.user_id) > 1) d
  JOIN members m ON m.id = d.member_id;
  IF dups IS NOT NULL THEN
    RAISE EXCEPTION 'members linked to more than one account: %', dups
      USING HINT = 'revoke the member role from all but one account of each member, then migrate again';
  END IF;
END
$$;
CREATE UNIQUE INDEX user_roles_member_key ON user_roles (member_id) WHERE role = 'member';

-- User names: ASCII letters and digits as before, or Han characters (CJK
-- unified ideographs, extension A, extensions B to G), first; then also
-- '.', '_', '-' and the middle dot of transcribed names (U+00B7); 1 to 64
-- characters. No space, no control character, no full-width letter. The
-- compatibility ideographs (U+F900-FAFF) are left out: Unicode folds each
-- into a unified one, so two names would read alike. The same rule as
-- auth.ValidUsername.
ALTER TABLE users DROP CONSTRAINT users_username_check;
ALTER TABLE users ADD CONSTRAINT users_username_check CHECK (username ~
  '^[A-Za-z0-9\u3400-\u4DBF\u4E00-\u9FFF\U00020000-\U0003134F][A-Za-z0-9._\u00B7\u3400-\u4DBF\u4E00-\u9FFF\U00020000-\U0003134F-]{0,63}$');

---- create above / drop below ----

-- A Chinese user name cannot go back under 004's rule: refuse, naming them.
DO $$
DECLARE
  names text;
BEGIN
  SELECT string_agg(username, ', ' ORDER BY username) INTO names
  FROM users WHERE username !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
  IF names IS NOT NULL THEN
    RAISE EXCEPTION 'user names outside the ASCII rule: %', names;
  END IF;
END
$$;
ALTER TABLE users DROP CONSTRAINT users_username_check;
ALTER TABLE users ADD CONSTRAINT users_username_check CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');

DROP INDEX user_roles_member_key;

DROP TRIGGER members_left_audit ON members;
DROP FUNCTION audit_member_left();
ALTER TABLE members DROP COLUMN left_on;
