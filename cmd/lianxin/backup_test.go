package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"lianxin/demo/demotest"
	"lianxin/store/storetest"
)

// checksum summarises the rows that matter: any lost or changed row changes it.
const checksumSQL = `SELECT
  (SELECT count(*) FROM households) || ':' || (SELECT md5(string_agg(external_id || residents || ST_AsText(location), ',' ORDER BY id)) FROM households) || ':' ||
  (SELECT count(*) FROM visits) || ':' || (SELECT md5(string_agg(external_id || occurred_at::text, ',' ORDER BY id)) FROM visits) || ':' ||
  (SELECT md5(string_agg(code || ST_AsText(boundary), ',' ORDER BY id)) FROM villages) || ':' ||
  (SELECT version FROM schema_version)`

func checksum(t *testing.T, url string) string {
	t.Helper()
	var sum string
	storetest.QueryRow(t, url, checksumSQL, &sum)
	return sum
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, srcURL, _ := demotest.New(t)
	want := checksum(t, srcURL)
	file := filepath.Join(t.TempDir(), "county.dump")
	noEnv := func(string) string { return "" }
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--database-url", srcURL, "-o", file}, noEnv, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}

	// Into an empty database.
	_, emptyURL := emptyDatabase(t)
	if err := run(ctx, []string{"restore", "--database-url", emptyURL, "-i", file}, noEnv, &out, &out); err != nil {
		t.Fatalf("restore into an empty database: %v\n%s", err, out.String())
	}
	if got := checksum(t, emptyURL); got != want {
		t.Fatalf("after restore into an empty database checksum = %s, want %s", got, want)
	}

	// Over the same database after rows were lost: the backup's rows come back.
	conn, err := pgx.Connect(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM visits WHERE id % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if checksum(t, srcURL) == want {
		t.Fatal("deleting visits did not change the checksum: the test proves nothing")
	}
	if err := run(ctx, []string{"restore", "--database-url", srcURL, "-i", file}, noEnv, &out, &out); err != nil {
		t.Fatalf("restore over the damaged database: %v\n%s", err, out.String())
	}
	if got := checksum(t, srcURL); got != want {
		t.Fatalf("after restore over the damaged database checksum = %s, want %s", got, want)
	}

	if err := run(ctx, []string{"restore", "--database-url", srcURL, "-i", filepath.Join(t.TempDir(), "missing.dump")}, noEnv, &out, &out); err == nil {
		t.Fatal("restore of a missing file succeeded, want an error")
	}
}

// emptyDatabase is a database with nothing in it, not even the schema.
func emptyDatabase(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, storetest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := pgx.Identifier{"lxtest_restore"}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), storetest.AdminURL())
		if err == nil {
			c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	return name, storetest.URLFor("lxtest_restore")
}
