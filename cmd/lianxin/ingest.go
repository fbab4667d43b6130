package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
	"lianxin/ingest"
	"lianxin/store"
)

func runIngest(ctx context.Context, args []string, env *env, stdout, stderr io.Writer) error {
	var cfg Config
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lianxin ingest [flags] <layer> <file>\n       lianxin ingest --template <layer>\n\nLayers: %s\n\nFlags:\n",
			strings.Join(ingest.LayerNames(), ", "))
		fs.PrintDefaults()
	}
	cfg.bindCommon(fs, env)
	encoding := fs.String("encoding", "auto", "file encoding: auto, utf-8, gbk or gb18030")
	crsName := fs.String("crs", "wgs84", "coordinates are in wgs84, cgcs2000 or gcj02 (phone map apps)")
	dryRun := fs.Bool("dry-run", false, "check and count, write nothing")
	skipInvalid := fs.Bool("skip-invalid", false, "import the valid rows and write the rejected ones to a rejects file")
	rejectsPath := fs.String("rejects", "", "where --skip-invalid writes rejected rows (default: <file>.rejects.csv beside the file)")
	lang := fs.String("lang", "en", "language of the rejects file's reasons and of a refused file's problems: en or zh")
	makeValid := fs.Bool("make-valid", false, "repair self-intersecting polygons with ST_MakeValid instead of rejecting them")
	template := fs.String("template", "", "write an example CSV of `layer`, every column explained, to stdout")
	bbox := fs.String("bounds", env.str("LIANXIN_COUNTY_BOUNDS", defaultCountyBounds),
		"the county box west,south,east,north: geometry outside is rejected (env LIANXIN_COUNTY_BOUNDS)")
	sourceLayer := fs.String("source-layer", "", "layer of a GeoPackage, or Shapefile of a zip, to read (default: its only one, else the one named like <layer>)")
	as := fs.String("as", env.str("LIANXIN_INGEST_AS", ""),
		"import as this user, with their roles and towns, through --db-role, as their upload to the API would (a team leader's rows of other towns are rejected); empty imports as the system, county-wide (env LIANXIN_INGEST_AS)")
	cfg.bindDBRole(fs, env)
	// Flags may follow the file too (`ingest households h.csv --dry-run`).
	pos, err := parseInterleaved(fs, args, env)
	if err != nil {
		return err
	}
	if *template != "" {
		return ingest.WriteTemplate(stdout, *template)
	}
	if len(pos) != 2 {
		fs.Usage()
		return fmt.Errorf("ingest wants a layer and a file, got %d arguments", len(pos))
	}
	layer, path := pos[0], pos[1]
	enc, err := ingest.ParseEncoding(*encoding)
	if err != nil {
		return err
	}
	crs, err := geo.ParseCRS(*crsName)
	if err != nil {
		return err
	}
	rejectsLang, err := ingest.ParseLang(*lang)
	if err != nil {
		return err
	}
	bounds, err := parseBounds(*bbox)
	if err != nil {
		return err
	}
	if _, err := ingest.LookupLayer(layer); err != nil {
		return err
	}
	if *as == "" {
		// The system's import is trusted local work: as the URL's user.
		cfg.DBRole = ""
	}
	_, st, err := openStore(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	scope, startedBy := lianxin.SystemScope(), osUser()
	if *as != "" {
		if scope, err = importerScope(ctx, st, *as); err != nil {
			return err
		}
		startedBy = scope.User
	}
	opt := ingest.Options{Layer: layer, Path: path, Encoding: enc, CRS: crs, Bounds: bounds,
		DryRun: *dryRun, SkipInvalid: *skipInvalid, MakeValid: *makeValid, SourceLayer: *sourceLayer,
		StartedBy: startedBy, Lang: rejectsLang}
	var bar *progressBar
	if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		var size int64
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		bar = &progressBar{w: stderr, total: size, start: time.Now()}
		opt.Progress = bar.update
	}
	rec, runErr := ingest.Run(ctx, st, scope, "cli", opt)
	if bar != nil {
		bar.finish()
	}
	for i, r := range rec.Rejects {
		if i == 20 {
			more := ""
			if !*skipInvalid {
				more = " (--dry-run --skip-invalid writes every rejected row to a file)"
			}
			fmt.Fprintf(stderr, "… and %d more rejected rows%s\n", rec.Rejected-20, more)
			break
		}
		fmt.Fprintf(stderr, "rejected: %s\n", r.Error())
	}
	if runErr == nil && *skipInvalid && rec.Rejected > 0 {
		out := *rejectsPath
		if out == "" {
			out = ingest.RejectsFileName(path)
		}
		n, err := writeRejectsFile(ctx, rec, opt, out)
		if err != nil {
			return fmt.Errorf("write rejects file: %w", err)
		}
		if *dryRun {
			// Nothing landed: the rejects file alone would leave out the good rows.
			fmt.Fprintf(stderr, "wrote %d rejected rows to %s: a dry run, so fix them in %s and import it again\n", n, out, path)
		} else {
			fmt.Fprintf(stderr, "wrote %d rejected rows to %s: fix them and import that file again\n", n, out)
		}
	}
	if runErr != nil {
		var le *lianxin.Error
		if errors.As(runErr, &le) {
			// A refused file's problems in the language asked for.
			if zh := ingest.MessageZH(rec.FileName, ingest.ProblemsOf(runErr)); zh != "" && rejectsLang == ingest.LangZH {
				return errors.New(zh)
			}
			return errors.New(le.Message)
		}
		return runErr
	}
	fmt.Fprintf(stdout, "import %d %s: %s inserted=%d updated=%d unchanged=%d rejected=%d\n",
		rec.ID, rec.Status, layer, rec.Inserted, rec.Updated, rec.Unchanged, rec.Rejected)
	if rec.Message != "" {
		fmt.Fprintln(stdout, rec.Message)
	}
	return nil
}

// importerScope is the scope username's upload would have: their roles and
// towns as a session of theirs gets them (auth.User.Scope), refused as the
// API refuses it when the account is disabled or may not import.
func importerScope(ctx context.Context, st *store.Store, username string) (lianxin.Scope, error) {
	u, err := st.UserByName(ctx, username)
	if err != nil {
		if lianxin.ErrorCode(err) == lianxin.ENotFound {
			return lianxin.Scope{}, fmt.Errorf("--as %s: no such user (lianxin user list shows the accounts)", username)
		}
		return lianxin.Scope{}, fmt.Errorf("--as %s: look up user: %w", username, err)
	}
	if u.Disabled {
		return lianxin.Scope{}, fmt.Errorf("--as %s: the account is disabled (lianxin user enable %s lets it work again)", u.Username, u.Username)
	}
	scope := u.Scope()
	if err := ingest.MayImport(scope); err != nil {
		return lianxin.Scope{}, fmt.Errorf("--as %s: %s; %s holds %s", u.Username, lianxin.ErrorMessage(err), u.Username, rolesText(u.Roles))
	}
	return scope, nil
}

func writeRejectsFile(ctx context.Context, rec ingest.Record, opt ingest.Options, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	n, err := ingest.WriteRejects(ctx, rec, opt, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func parseBounds(s string) (orb.Bound, error) {
	var w, south, e, n float64
	if _, err := fmt.Sscanf(strings.ReplaceAll(s, " ", ""), "%g,%g,%g,%g", &w, &south, &e, &n); err != nil || w >= e || south >= n {
		return orb.Bound{}, fmt.Errorf("bounds %q: want west,south,east,north in degrees, e.g. 119.90,31.95,120.35,32.40", s)
	}
	return orb.Bound{Min: orb.Point{w, south}, Max: orb.Point{e, n}}, nil
}

func osUser() string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := os.Getenv(k); v != "" {
			return v
		}
	}
	return "cli"
}

// progressBar draws rows, rows/s and, from the bytes read against the file
// size, the share done and an ETA, on one terminal line.
type progressBar struct {
	w     io.Writer
	total int64
	start time.Time
	last  time.Time
	rows  int64
}

func (p *progressBar) update(rows, bytes int64) {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last, p.rows = now, rows
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(rows) / max(elapsed, 1e-3)
	if p.total > 0 && bytes > 0 {
		frac := min(float64(bytes)/float64(p.total), 1)
		eta := time.Duration(elapsed * (1 - frac) / max(frac, 1e-6) * float64(time.Second)).Round(time.Second)
		const width = 30
		done := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d rows %.0f rows/s ETA %s   ",
			strings.Repeat("=", done), strings.Repeat(" ", width-done), frac*100, rows, rate, eta)
		return
	}
	fmt.Fprintf(p.w, "\r%d rows %.0f rows/s   ", rows, rate)
}

func (p *progressBar) finish() {
	if !p.last.IsZero() {
		fmt.Fprintf(p.w, "\rdone in %s%s\n", time.Since(p.start).Round(time.Millisecond), strings.Repeat(" ", 60))
	}
}
