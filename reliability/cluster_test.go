package reliability

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
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
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
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
