package reliability

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/api"
	"lianxin/demo"
	"lianxin/store"
	"lianxin/store/storetest"
	"lianxin/tiles"
)

// cluster is a disposable PostgreSQL server of the fault tests' own.
type cluster struct {
	top, dataDir string
	port         int
}

func newCluster(t *testing.T, port int) *cluster {
	t.Helper()
	top, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{top: top, dataDir: filepath.Join(top, ".data", "pg-faults"), port: port}
	c.run(t, "start")
	t.Cleanup(func() { c.run(t, "stop") })
	return c
}

func (c *cluster) run(t *testing.T, verb string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.top, "scripts", "db.sh"), verb)
	cmd.Env = append(os.Environ(), fmt.Sprintf("LIANXIN_PGPORT=%d", c.port), "LIANXIN_PGDATA="+c.dataDir, "DATABASE_URL=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/db.sh %s: %v\n%s", verb, err, out)
	}
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// freshDatabase drops and creates db on the cluster.
func (c *cluster) freshDatabase(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	conn := storetest.Connect(t, c.url("postgres"))
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + pgx.Identifier{db}.Sanitize() + " WITH (FORCE)",
		"CREATE DATABASE " + pgx.Identifier{db}.Sanitize(),
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return c.url(db)
}

// servedCounty is a small demo county in a fresh database of the cluster,
// served by an in-process API server with every request in the system scope.
type servedCounty struct {
	store  *store.Store
	county *demo.County
	server *httptest.Server
}

// crash stops the cluster the way a power cut or an OOM kill of the
// postmaster would: `pg_ctl stop -m immediate`, no checkpoint, every
// backend gone at once; the next start runs crash recovery.
func (c *cluster) crash(t *testing.T) {
	t.Helper()
	pgCtl, err := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if err != nil || len(pgCtl) == 0 {
		t.Fatalf("pg_ctl not found under /usr/lib/postgresql: %v", err)
	}
	dataDir, err := filepath.EvalSymlinks(c.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{pgCtl[len(pgCtl)-1], "-D", dataDir, "-m", "immediate", "-w", "stop"}
	if os.Geteuid() == 0 { // the cluster runs as the postgres OS user (scripts/db.sh)
		args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop -m immediate: %v\n%s", err, out)
	}
}

// loadCounty loads a small demo county (seed) into a fresh database db and
// returns a store on it.
func (c *cluster) loadCounty(t *testing.T, db string, seed uint64, log *slog.Logger) (*store.Store, *demo.County, string) {
	t.Helper()
	ctx := context.Background()
	dbURL := c.freshDatabase(t, db)
	st, err := store.Open(ctx, dbURL, store.Options{MaxConns: 8, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	county, err := demo.Generate(ctx, st, demo.Options{Seed: seed, Scale: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Write(ctx, st, county); err != nil {
		t.Fatal(err)
	}
	return st, county, dbURL
}

// serveCounty loads a county (seed) into db and serves it with the given
// tile cache size (-1 turns the cache off) and request deadline.
func (c *cluster) serveCounty(t *testing.T, db string, seed uint64, tileCacheBytes int64, deadline time.Duration) *servedCounty {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("LIANXIN_DEBUG_503") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	st, county, _ := c.loadCounty(t, db, seed, log)
	tileSrv, err := tiles.New(st, tiles.FromEngine(st), tiles.Options{CacheBytes: tileCacheBytes})
	if err != nil {
		t.Fatal(err)
	}
	scope := lianxin.SystemScope()
	srv := api.NewServer(api.Config{RequestTimeout: deadline}, api.Deps{
		Logger: log, Health: st, Reports: st, Tiles: tileSrv, DefaultScope: &scope,
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &servedCounty{store: st, county: county, server: hs}
}
