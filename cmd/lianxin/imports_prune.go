package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"
)

const importsUsage = `Usage: lianxin imports <action> [flags]

Actions:
  prune --older-than 90d [--dry-run]
                         delete the rejects files kept with imports that finished
                         more than that long ago (the import records, their counts
                         and first rejects stay); audited. Needs the tables' owner
                         (the migrations' user), not the server's role.
`

// runImports manages import records. The rejects file an upload keeps
// (migration 021, up to ingest.MaxRejectsFileBytes each) holds rows as
// uploaded, names and ID numbers included, and lives as long as its
// import's record: prune gives it a retention.
func runImports(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, importsUsage)
		return nil
	}
	if args[0] != "prune" {
		fmt.Fprint(stderr, importsUsage)
		return fmt.Errorf("unknown imports action %q", args[0])
	}
	var cfg Config
	fs := flag.NewFlagSet("imports prune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importsUsage); fs.PrintDefaults() }
	cfg.bindCommon(fs, env)
	olderThan := fs.String("older-than", "", "age of the imports whose rejects files go (required), e.g. 90d or 720h")
	dryRun := fs.Bool("dry-run", false, "only say what would be deleted")
	pos, err := parseInterleaved(fs, args[1:], env)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		fmt.Fprint(stderr, importsUsage)
		return fmt.Errorf("imports prune: unexpected argument %q", pos[0])
	}
	if *olderThan == "" {
		return fmt.Errorf("imports prune: --older-than is required, e.g. --older-than 90d")
	}
	age, err := parseDays(*olderThan)
	if err != nil {
		return fmt.Errorf("imports prune: --older-than %q: want e.g. 90d or 720h", *olderThan)
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	cutoff := time.Now().Add(-age)
	ids, n, err := st.PruneRejectsFiles(ctx, cliActor, cutoff, *dryRun)
	if err != nil {
		return err
	}
	verb := "deleted"
	if *dryRun {
		verb = "would delete"
	}
	fmt.Fprintf(stdout, "%s %d rejects files (%d bytes) of imports finished before %s\n", verb, len(ids), n,
		cutoff.UTC().Format(time.RFC3339))
	return nil
}
