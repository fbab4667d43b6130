package store

import (
	"context"
	"fmt"

	"github.com/jackc/tern/v2/migrate"

	"lianxin/migrations"
)

const versionTable = "schema_version"

// Migrate applies every embedded migration not yet applied, each in its own
// transaction, and returns the version reached.
func (s *Store) Migrate(ctx context.Context) (int32, error) {
	conn, release, err := s.ownerConn(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return 0, fmt.Errorf("create migrator: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	m.OnStart = func(seq int32, name, direction, _ string) {
		s.log.Info("migrating", "sequence", seq, "name", name, "direction", direction)
	}
	if err := m.Migrate(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	v, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// LatestVersion is the number of embedded migrations: the version a current
// database has.
func LatestVersion() (int32, error) {
	names, err := migrate.FindMigrations(migrations.FS)
	if err != nil {
		return 0, fmt.Errorf("find migrations: %w", err)
	}
	return int32(len(names)), nil
}

// SchemaVersion reads the version applied to the database (0 when none).
func (s *Store) SchemaVersion(ctx context.Context) (int32, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, versionTable).Scan(&exists); err != nil {
		return 0, translate(err)
	}
	if !exists {
		return 0, nil
	}
	var v int32
	if err := s.pool.QueryRow(ctx, `SELECT version FROM `+versionTable).Scan(&v); err != nil {
		return 0, translate(err)
	}
	return v, nil
}

// Ready reports nil when the database answers and its schema is current.
func (s *Store) Ready(ctx context.Context) error {
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	want, err := LatestVersion()
	if err != nil {
		return err
	}
	if have != want {
		return unavailableMsg(fmt.Sprintf("schema version %d, want %d: run `lianxin migrate`", have, want))
	}
	return nil
}
