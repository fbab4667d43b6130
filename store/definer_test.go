package store_test

import (
	"context"
	"strings"
	"testing"

	"lianxin/store/storetest"
)

// Every function that runs with more than its caller has — SECURITY
// DEFINER, or a SET of lianxin.user that lifts the member narrowing
// (migrations 013, 016, 020) — pins its search_path, so no object of the
// caller's can stand in for one it names, and is not executable by PUBLIC:
// only the roles granted it (the server's) call it.
func TestLiftingFunctionsArePinned(t *testing.T) {
	_, url := storetest.New(t)
	conn := storetest.Connect(t, url)
	rows, err := conn.Query(context.Background(), `
SELECT p.oid::regprocedure::text, p.prosecdef,
       coalesce(array_to_string(p.proconfig, ' '), ''),
       EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
       p.prorettype = 'trigger'::regtype
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') -- PostGIS's own
  AND (p.prosecdef OR array_to_string(p.proconfig, ' ') LIKE '%lianxin.user%')
ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, config string
		var definer, public, trigger bool
		if err := rows.Scan(&name, &definer, &config, &public, &trigger); err != nil {
			t.Fatal(err)
		}
		n++
		if definer && !strings.Contains(config, "search_path=public") && !strings.Contains(config, `search_path="public`) {
			t.Errorf("%s is SECURITY DEFINER with settings %q: want search_path pinned (SET search_path = public, pg_temp)", name, config)
		}
		// A trigger function cannot be called but as a trigger.
		if public && !trigger {
			t.Errorf("%s (definer %v, settings %q) is executable by PUBLIC: want REVOKE EXECUTE ... FROM PUBLIC and a grant to the server's role", name, definer, config)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("%d functions found that lift a restriction; want the migrations' (else the query is wrong)", n)
	}
	t.Logf("%d functions checked", n)
}
