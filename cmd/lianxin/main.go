// Command lianxin is the one binary of the project: it serves the map and API
// (serve), applies migrations (migrate) and loads the demo county (demo).
// main only wires: it parses flags, builds dependencies and hands them to
// the packages that do the work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "lianxin:", err)
		os.Exit(1)
	}
}

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the web map, the API and vector tiles", runServe},
		{"migrate", "apply the database migrations", runMigrate},
		{"demo", "generate and load the synthetic demo county", runDemo},
		{"user", "manage accounts, roles and API tokens; `user demo` creates the demo accounts", runUser},
		{"ingest", "import a CSV, GeoJSON, GeoPackage or zipped Shapefile into a layer", runIngest},
		{"export", "write a layer to a file: geojson, csv, gpkg, shp, kml or fgb", runExport},
		{"backup", "write the database to a file (pg_dump custom format)", runBackup},
		{"restore", "replace the database's contents with a backup file", runRestore},
		{"report", "print a coverage report: gaps, next, members, summary, diary-sample or forecast", runReport},
		{"imports", "manage import records: `imports prune --older-than 90d` deletes old rejects files", runImports},
		{"campaign", "show the campaign; `campaign --ends-on 2026-12-31` sets its last day (the forecast's default end)", runCampaign},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "lianxin — coverage maps and gap reports for a county's mass-work corps")
	fmt.Fprintln(w, "\nUsage: lianxin <command> [flags]   (lianxin <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], &env{getenv: getenv}, stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// parse parses a subcommand's flags, then reports a malformed environment
// variable, if any.
func parse(fs *flag.FlagSet, args []string, env *env) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return env.err
}

func newLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(cfg.LogFormat) {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", cfg.LogFormat)
}
