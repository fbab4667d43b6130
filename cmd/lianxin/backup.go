package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// Backups use PostgreSQL's own tools: pg_dump's custom format is compressed,
// carries the PostGIS extension and the schema version table, and restores
// with pg_restore in parallel. The tools must match the server's major
// version (the OS packages that `make deps` installs do).

func runBackup(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	out := fs.String("o", "", "file to write (required), e.g. lianxin-2026-11-26.dump")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup: -o FILE is required")
	}
	cmd := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--file", *out, "--dbname", cfg.DatabaseURL)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		os.Remove(*out)
		return fmt.Errorf("pg_dump to %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *out)
	return nil
}

func runRestore(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	in := fs.String("i", "", "backup file to restore (required)")
	jobs := fs.Int("jobs", 2, "parallel restore jobs")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("restore: -i FILE is required")
	}
	if _, err := os.Stat(*in); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// --clean --if-exists replaces what is there; --single-transaction is not
	// combinable with --jobs, so a failed restore is reported and can be rerun.
	cmd := exec.CommandContext(ctx, "pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
		fmt.Sprintf("--jobs=%d", *jobs), "--dbname", cfg.DatabaseURL, *in)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pg_restore from %s: %w", *in, err)
	}
	fmt.Fprintf(stdout, "restored %s\n", *in)
	return nil
}
