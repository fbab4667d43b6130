package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"lianxin/demo"
)

func runDemo(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs, env)
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same county")
	scale := fs.Float64("scale", 1, "size: 1 is the county of the story, 10 a ten-times county for benchmarks")
	ifEmpty := fs.Bool("if-empty", false, "load only when the database holds no towns (for `make run`)")
	if err := parse(fs, args, env); err != nil {
		return err
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	counts, err := st.TableCounts(ctx)
	if err != nil {
		return err
	}
	if counts["towns"] > 0 {
		if *ifEmpty {
			fmt.Fprintf(stdout, "database already holds %d towns and %d households: demo not loaded\n", counts["towns"], counts["households"])
			return nil
		}
		return fmt.Errorf("database already holds %d towns: load the demo into an empty database", counts["towns"])
	}
	county, err := demo.Generate(ctx, st, demo.Options{Seed: *seed, Scale: *scale})
	if err != nil {
		return err
	}
	stats, err := demo.Write(ctx, st, county)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo county (synthetic, seed %d, scale %g): %d towns, %d villages, %d households, %d members, %d visits\n",
		*seed, *scale, stats.Rows["towns"], stats.Rows["villages"], stats.Rows["households"], stats.Rows["members"], stats.Rows["visits"])
	fmt.Fprintf(stdout, "generated in %s, loaded %d rows in %s (%.0f rows/s)\n",
		stats.Generate.Round(1e6), stats.TotalRows, stats.Load.Round(1e6), stats.RowsPerSecond())
	return nil
}
