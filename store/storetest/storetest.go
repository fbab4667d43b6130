// Package storetest gives each test its own real PostGIS database, cloned
// from a template that is migrated (and optionally loaded) once per schema.
//
// The server is the one `make test` starts under .data/ (or the one
// LIANXIN_TEST_DATABASE_URL / DATABASE_URL names). There is no switch to skip
// these tests: without a database they fail and say how to start one.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin/migrations"
	"lianxin/store"
)

// DefaultAdminURL is the cluster scripts/db.sh starts.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable"

// AdminURL is the URL of a superuser-ish connection that may create databases.
func AdminURL() string {
	for _, k := range []string{"LIANXIN_TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return DefaultAdminURL
}

// URLFor returns AdminURL with its database replaced by name.
func URLFor(name string) string {
	u, err := url.Parse(AdminURL())
	if err != nil {
		panic(fmt.Sprintf("admin URL %q does not parse: %v", AdminURL(), err))
	}
	u.Path = "/" + name
	return u.String()
}

// BuildFunc fills a freshly migrated database (at url) for a template.
type BuildFunc func(ctx context.Context, s *store.Store, url string) error

// New returns a Store on a new, migrated, empty database, dropped when the
// test ends.
func New(t testing.TB) (*store.Store, string) {
	t.Helper()
	return NewFrom(t, "base", nil)
}

// NewFrom returns a Store on a new database cloned from the template named
// key, which is built once (by build, after migrating) and reused by every
// test and package until the migrations change.
func NewFrom(t testing.TB, key string, build BuildFunc) (*store.Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx, key, build)
	if err != nil {
		t.Fatalf("prepare template database %q: %v\n(is PostgreSQL running? `make test` starts it; or set LIANXIN_TEST_DATABASE_URL)", key, err)
	}
	name := "lxtest_" + randomHex(6)
	if err := adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		t.Fatalf("create test database from %s: %v", tmpl, err)
	}
	dbURL := URLFor(name)
	s, err := store.Open(ctx, dbURL, store.Options{MaxConns: 8, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return s, dbURL
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// schemaHash names templates after the migrations' content so a changed
// schema never reuses an old template.
func schemaHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func ensureTemplate(ctx context.Context, key string, build BuildFunc) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	name := fmt.Sprintf("lxtmpl_%s_%s", key, hash)
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	// Test binaries of several packages run at once: one builds, the others wait.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('lianxin-test-templates'))`); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('lianxin-test-templates'))`)

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_b"
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{building}.Sanitize())); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{building}.Sanitize())); err != nil {
		return "", err
	}
	if err := fill(ctx, URLFor(building), build); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{name}.Sanitize())); err != nil {
		return "", err
	}
	return name, nil
}

func fill(ctx context.Context, dbURL string, build BuildFunc) error {
	s, err := store.Open(ctx, dbURL, store.Options{MaxConns: 4, Logger: quietLogger()})
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if build != nil {
		if err := build(ctx, s, dbURL); err != nil {
			return fmt.Errorf("build template: %w", err)
		}
	}
	return nil
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Connect opens a connection of the test's own to the database at url, as
// whoever url names, and closes it when the test ends: what tests use to
// read or change the database behind the code under test.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// QueryRow runs sql on the database at url on a connection of its own, as
// an admin would, scans its one row into dest and fails the test on any
// error.
func QueryRow(t testing.TB, url, sql string, dest ...any) {
	t.Helper()
	if err := Connect(t, url).QueryRow(context.Background(), sql).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
