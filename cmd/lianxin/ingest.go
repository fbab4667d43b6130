package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/paulmach/orb"

	"lianxin"
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
	lang := fs.String("lang", env.str("LIANXIN_LANG", localeLang(env)),
		"language of what ingest says — rejected rows, a refused file or option, the summary, the progress line — of the rejects file's reasons and of --template's headers and notes: zh or en (env LIANXIN_LANG; default zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en)")
	makeValid := fs.Bool("make-valid", false, "repair self-intersecting polygons with ST_MakeValid instead of rejecting them")
	allowRenames := fs.Bool("allow-renames", false,
		"let a row whose code is already another name's (a member, town, village, team, project or works) rename it, or another member's contact point hand it over; without it such rows are rejected (code_other_name)")
	correct := fs.Bool("correct", false,
		"visits only: a diary row whose 日记编号 is already a stored entry's replaces that entry (a wrong household, member or time corrected), each audited as a correction; without it such rows are rejected (id_taken)")
	template := fs.String("template", "", "write an example CSV of `layer`, every column explained, to stdout: with Chinese headers and explanations under --lang zh")
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
	say, err := ingest.ParseLang(*lang)
	if err != nil {
		// Said in the language the flag would have defaulted to.
		fallback, _ := ingest.ParseLang(localeLang(env))
		return ingest.Worded(fallback, "", err)
	}
	cli := ingest.CLI{Lang: say}
	if *template != "" {
		return ingest.Worded(say, "", ingest.WriteTemplate(stdout, *template, say))
	}
	if len(pos) != 2 {
		fs.Usage()
		return ingest.Worded(say, "", ingest.OptionError("", ingest.OptArguments, map[string]any{"got": len(pos)}))
	}
	layer, path := pos[0], pos[1]
	opt, err := ingestOptions(layer, path, *encoding, *crsName, *bbox, *rejectsPath, *skipInvalid)
	if err != nil {
		return ingest.Worded(say, "", err)
	}
	opt.DryRun, opt.MakeValid, opt.SourceLayer, opt.Lang = *dryRun, *makeValid, *sourceLayer, say
	opt.AllowRenames = *allowRenames
	opt.Correct = *correct
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
			return ingest.Worded(say, "", err)
		}
		startedBy = scope.User
	}
	opt.StartedBy = startedBy
	var bar *progressBar
	if f, ok := stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		var size int64
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		bar = &progressBar{w: stderr, cli: cli, total: size, start: time.Now()}
		opt.Progress = bar.update
	}
	rec, runErr := ingest.Run(ctx, st, scope, "cli", opt)
	if bar != nil {
		bar.finish()
	}
	for i, r := range rec.Rejects {
		if i == 20 {
			fmt.Fprintln(stderr, cli.MoreRejected(rec.Rejected-20, !*skipInvalid))
			break
		}
		fmt.Fprintln(stderr, cli.Reject(r))
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
		// After a dry run nothing landed: the rejects file alone would
		// leave out the good rows, so the original is the one to fix.
		fmt.Fprintln(stderr, cli.WroteRejects(n, out, path, *dryRun))
	}
	if runErr == nil {
		// Every row rejected: nothing landed, so no success and no exit 0.
		runErr = ingest.AllRejectedError(rec)
	}
	if runErr != nil {
		// A refused file's problems, or its rows', in the language asked for.
		return ingest.Worded(say, rec.FileName, runErr)
	}
	line, note := cli.Summary(rec)
	fmt.Fprintln(stdout, line)
	if note != "" {
		fmt.Fprintln(stdout, note)
	}
	return nil
}

// ingestOptions checks the options of `ingest layer path` that need no
// database, each refused with its option code (ingest.OptionError).
func ingestOptions(layer, path, encoding, crsName, bbox, rejectsPath string, skipInvalid bool) (ingest.Options, error) {
	if _, err := ingest.LookupLayer(layer); err != nil {
		return ingest.Options{}, err
	}
	enc, err := ingest.ParseEncoding(encoding)
	if err != nil {
		return ingest.Options{}, err
	}
	crs, err := ingest.ParseCRS(crsName)
	if err != nil {
		return ingest.Options{}, err
	}
	bounds, err := parseBounds(bbox)
	if err != nil {
		return ingest.Options{}, err
	}
	if rejectsPath != "" && !skipInvalid {
		// Without --skip-invalid no rejects file is written: the path
		// would be silently ignored.
		return ingest.Options{}, ingest.OptionError("rejects", ingest.OptRejectsNoSkip, map[string]any{"rejects": rejectsPath})
	}
	return ingest.Options{Layer: layer, Path: path, Encoding: enc, CRS: crs, Bounds: bounds, SkipInvalid: skipInvalid}, nil
}

// localeLang is the language the locale asks for: zh when the first set
// of LC_ALL, LC_MESSAGES and LANG starts with zh (zh_CN.UTF-8), else en.
func localeLang(env *env) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := env.getenv(k); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return ingest.LangZH
			}
			return ingest.LangEN
		}
	}
	return ingest.LangEN
}

// importerScope is the scope username's upload would have: their roles and
// towns as a session of theirs gets them (auth.User.Scope), refused as the
// API refuses it when the account is disabled or may not import.
func importerScope(ctx context.Context, st *store.Store, username string) (lianxin.Scope, error) {
	u, err := st.UserByName(ctx, username)
	if err != nil {
		if lianxin.ErrorCode(err) == lianxin.ENotFound {
			return lianxin.Scope{}, ingest.OptionError("as", ingest.OptNoSuchUser, map[string]any{"user": username})
		}
		return lianxin.Scope{}, fmt.Errorf("--as %s: look up user: %w", username, err)
	}
	if u.Disabled {
		return lianxin.Scope{}, ingest.OptionError("as", ingest.OptUserDisabled, map[string]any{"user": u.Username})
	}
	scope := u.Scope()
	if err := ingest.MayImport(scope); err != nil {
		return lianxin.Scope{}, ingest.OptionError("as", ingest.OptUserMayNot, map[string]any{"user": u.Username, "roles": rolesText(u.Roles)})
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
		return orb.Bound{}, ingest.OptionError("bounds", ingest.OptBadBounds, map[string]any{"value": s})
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
	cli   ingest.CLI // its words
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
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %s %s   ",
			strings.Repeat("=", done), strings.Repeat(" ", width-done), frac*100, p.cli.Progress(rows, fmt.Sprintf("%.0f", rate)), p.cli.ETA(eta.String()))
		return
	}
	fmt.Fprintf(p.w, "\r%s   ", p.cli.Progress(rows, fmt.Sprintf("%.0f", rate)))
}

func (p *progressBar) finish() {
	if !p.last.IsZero() {
		fmt.Fprintf(p.w, "\r%s%s\n", p.cli.Done(time.Since(p.start).Round(time.Millisecond).String()), strings.Repeat(" ", 60))
	}
}
