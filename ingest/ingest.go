// Package ingest imports the registers, the people's diary and the
// boundaries people already keep — CSV (GBK or UTF-8, Chinese or English
// headers), GeoJSON, GeoPackage and zipped Shapefile — into lianxin's layers.
//
// It exists as a package because reading other people's files is its own
// trade: encodings, header names, coordinate systems, swapped axes and broken
// rows are decided here, once, for the command line and the HTTP upload
// alike. It streams: a file is decoded row by row, each row checked and
// given its H3 cell in Go, and handed to the store (the Store interface),
// which copies rows into a staging table and does the set-based checks —
// geometry validity, references, duplicates — and the upsert in SQL, in one
// transaction. So a file lands whole or not at all, and memory stays flat
// whatever the file's size.
//
// Assumptions: coordinates are lon/lat degrees in WGS84, CGCS2000 or GCJ-02
// (converted with geo.ToWGS84); GeoPackage and Shapefile are read by GDAL's
// ogr2ogr, which must be installed, and reprojected by it to WGS84.
package ingest

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
)

// File formats.
const (
	FormatCSV          = "csv"
	FormatGeoJSON      = "geojson"
	FormatGeoPackage   = "gpkg"
	FormatShapefileZip = "shapezip"
	FormatShapefile    = "shp"
)

// DetectFormat names a file's format from its extension.
func DetectFormat(name string) (string, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".csv", ".txt", ".tsv":
		return FormatCSV, nil
	case ".geojson", ".json", ".geojsonl", ".geojsons", ".ndjson", ".jsonl", ".geojsonseq":
		return FormatGeoJSON, nil
	case ".gpkg":
		return FormatGeoPackage, nil
	case ".zip":
		return FormatShapefileZip, nil
	case ".shp":
		return FormatShapefile, nil
	case ".xlsx", ".xls", ".et":
		return "", fileInvalid(filepath.Base(name), "", 0, FileWorkbook, nil, "%s is a spreadsheet workbook, not a file we read: save the sheet as CSV (另存为 CSV) and import that", filepath.Base(name))
	}
	return "", fileInvalid(filepath.Base(name), "", 0, FileUnknownType, map[string]any{"ext": ext}, "%s: unknown file type %q; want .csv, .geojson, .geojsonl, .gpkg or a zipped Shapefile (.zip)", filepath.Base(name), ext)
}

// Options say what to import and how.
type Options struct {
	Layer string
	// Path is the file to read; Name is how messages name it (default: the
	// base name of Path).
	Path, Name string
	Format     string // "" detects from the extension
	Encoding   string // "" detects; utf-8 or gb18030 force
	CRS        geo.CRS
	// Bounds is the box every geometry must lie in (default CountyBounds).
	Bounds orb.Bound
	// DryRun validates and counts without writing; SkipInvalid lands the
	// valid rows and reports the rest; MakeValid repairs invalid polygons
	// with ST_MakeValid instead of rejecting them.
	DryRun, SkipInvalid, MakeValid bool
	// AllowRenames lets a row whose code names a stored row of another
	// name rename it (a member, town, village, team, project or works),
	// and a contact point's row of another member hand it over; without it
	// such a row is rejected (CodeOtherName).
	AllowRenames bool
	// Correct lets a diary row (visits) whose id names a stored entry of
	// another member, household or time replace it, each such entry audited
	// as a correction (diary_correct); without it such a row is rejected
	// (CodeIDTaken), so that a week-2 file numbered like week 1's never
	// replaces week 1. Only the visits layer takes it (OptCorrectVisits).
	Correct bool
	// SourceLayer picks a layer of a GeoPackage or a Shapefile of a zip
	// (default: its only one, else the one named like Layer).
	SourceLayer string
	// MaxRowBytes bounds one CSV line or GeoJSON feature (default 16 MiB):
	// a file that is one huge line is refused without reading it whole.
	MaxRowBytes int64
	// StartedBy is who runs the import, for the imports list.
	StartedBy string
	// Progress, if set, is called every few thousand rows with the rows
	// read and, for text files, the bytes read.
	Progress func(rows, bytes int64)
	// ImportID continues an import record made beforehand (the API makes it
	// before answering, and releases it after Run); 0 makes a new one.
	ImportID int64
	// KeepRejects > 0 keeps the rejects file (BuildRejectsFile) of an
	// import with SkipInvalid that rejected rows, of at most KeepRejects
	// bytes, with its record: the API's uploads do, since their file is
	// deleted when the import ends. The command line writes its own.
	KeepRejects int64
	// Lang is the language of the reasons in the rejects file: LangEN
	// ("" too) or LangZH. Results and records hold both the English
	// reason and the code, whatever Lang says.
	Lang string
}

// DefaultMaxRowBytes is the default of Options.MaxRowBytes.
const DefaultMaxRowBytes = 16 << 20

// MaxRejectsKept is how many rejected rows a result lists (all are
// counted, and all go to a rejects file).
const MaxRejectsKept = 1000

// RowError says why one row was rejected. It is also what a reject looks
// like in results, reports and rejects files.
type RowError struct {
	File   string `json:"file"`
	Unit   string `json:"unit"` // "line" for CSV, "feature" for GeoJSON, GeoPackage and Shapefile
	Line   int64  `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	// Code names the kind of reject (codes.go), stable for programs and
	// translations; Params are its values (the value typed, the allowed
	// ones, the first line of a duplicate). "other" when uncoded: Reason
	// says it in English.
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
	// Header is the column as the file spelled it (户编号, 经度/纬度), when
	// the field came from a CSV column.
	Header string `json:"header,omitempty"`
	// more are the row's further faults, when the converter found several
	// (a bad date and a bad kind): each is reported, the row counted once.
	more []RowError
}

func (e *RowError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s %s %d: %s", e.File, e.Unit, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s %s %d, field %s: %s", e.File, e.Unit, e.Line, e.Field, e.Reason)
}

// Plan is what the store needs to know about an import besides its rows.
type Plan struct {
	Layer                          *Layer
	ImportID                       int64
	DryRun, SkipInvalid, MakeValid bool
	// AllowRenames drops the check that refuses a row renaming a stored
	// row of the same code (Options.AllowRenames).
	AllowRenames bool
	// Correct drops the diary's id_taken check and audits each entry the
	// import changes (Options.Correct).
	Correct bool
	// Unit is how the file counts rows in messages: "line" (CSV) or
	// "feature" (GeoJSON, GeoPackage, Shapefile).
	Unit string
	// Reject is called by the store for every row its set-based checks
	// reject, with the line (or feature number), field, English reason,
	// code (one of Codes) and the code's parameters.
	Reject func(RowError)
}

// Rows is the stream of checked rows the store copies. Rejected, Rejects
// and Personal are complete once Next has returned false.
type Rows interface {
	Next() bool
	Row() *Row
	Err() error
	Rejected() int64
	Rejects() []RowError
	// Personal is true when the file had household personal columns (a
	// CSV header, or a property of any feature); when false,
	// household_personal is left as it is.
	Personal() bool
	// Carried lists the fields the file carries (carried.go); nil: all.
	Carried() []string
}

// Counts is what an import did, row by row.
type Counts struct {
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Rejected  int64 `json:"rejected"`
}

// StoreResult is what the store reports back from Ingest. Counts.Rejected
// counts the rows the set-based checks rejected (each also passed to
// Plan.Reject).
type StoreResult struct {
	Counts
	// Committed is true when the rows landed: no rejects (or SkipInvalid),
	// and not a dry run.
	Committed bool
}

// Store is the database side of an import; lianxin/store implements it.
type Store interface {
	// Ingest copies rows into a staging table, checks them as a set, and
	// upserts the valid ones in one transaction. It commits only when there
	// are no rejects (or plan.SkipInvalid) and it is not a dry run.
	Ingest(ctx context.Context, scope lianxin.Scope, plan Plan, rows Rows) (StoreResult, error)
	// StartImport records an import as running and returns its id, and a
	// release to call once FinishImport has run: until then the record is
	// known to belong to a live process. An import whose process dies
	// without finishing is marked failed by the store.
	StartImport(ctx context.Context, scope lianxin.Scope, rec Record) (id int64, release func(), err error)
	// FinishImport records how an import ended, with its first rejects
	// and, if rec.RejectsFile is set, its rejects file.
	FinishImport(ctx context.Context, scope lianxin.Scope, rec Record) error
	// Import and Imports read import records.
	Import(ctx context.Context, scope lianxin.Scope, id int64) (Record, error)
	Imports(ctx context.Context, scope lianxin.Scope, limit int) ([]Record, error)
	// ImportRejectsFile reads the rejects file kept with an import the
	// scope may see, and writes a line of the audit log saying who took it
	// (from ip); not found when there is none.
	ImportRejectsFile(ctx context.Context, scope lianxin.Scope, id int64, ip string) (Record, RejectsFile, error)
}

// Record is one import as the imports table keeps it.
type Record struct {
	ID         int64          `json:"id"`
	Layer      string         `json:"layer"`
	Source     string         `json:"source"` // "cli" or "api"
	FileName   string         `json:"file_name"`
	StartedBy  string         `json:"started_by"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Status     string         `json:"status"` // running, succeeded, failed, rejected
	Options    map[string]any `json:"options,omitempty"`
	Counts
	Message string     `json:"message"`
	Rejects []RowError `json:"rejects,omitempty"`
	// Problems are what was wrong with a refused file as a whole (its
	// header, encoding or format; filecodes.go), each with its code and
	// parameters, for the clerk's language: Message says them in English.
	Problems []RowError `json:"problems,omitempty"`
	DryRun   bool       `json:"dry_run"`
	// RejectsFile, when set, says a rejects file is kept with the record
	// (Options.KeepRejects): GET /api/v1/imports/{id}/rejects sends it.
	RejectsFile *RejectsFile `json:"rejects_file,omitempty"`
	// rejectLines maps every rejected line to its reason, and rejectCodes
	// to its codes and their parameters, for the rejects file; only Run
	// fills them.
	rejectLines map[int64]string
	rejectCodes map[int64][]RejectCode
}

// Import statuses.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusRejected  = "rejected"
)

// Run imports one file. The record it returns says what happened; the error
// is non-nil when nothing landed (a fatal file problem, rejected rows
// without SkipInvalid, or a database failure), and is a *lianxin.Error
// for problems with the file.
func Run(ctx context.Context, st Store, scope lianxin.Scope, source string, opt Options) (Record, error) {
	rec := Record{Layer: opt.Layer, Source: source, FileName: opt.Name, StartedBy: opt.StartedBy,
		Status: StatusRunning, DryRun: opt.DryRun, Options: optionsRecord(opt)}
	if rec.FileName == "" {
		rec.FileName = filepath.Base(opt.Path)
	}
	if rec.StartedBy == "" {
		// The record is the scope's own (its row-level policy, migration 026).
		rec.StartedBy = scope.User
	}
	layer, err := LookupLayer(opt.Layer)
	if err != nil {
		return rec, err
	}
	if err := checkCorrect(layer.Name, opt.Correct); err != nil {
		return rec, err
	}
	rec.ID = opt.ImportID
	if rec.ID == 0 {
		id, release, err := st.StartImport(ctx, scope, rec)
		if err != nil {
			return rec, fmt.Errorf("record import: %w", err)
		}
		defer release()
		rec.ID = id
	}
	runErr := run(ctx, st, scope, layer, opt, &rec)
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := time.Now()
	rec.FinishedAt = &now
	switch {
	case runErr == nil && AllRejected(rec):
		// Skip-invalid, and no row left to land: not a success (allrejected.go).
		rec.Status = StatusRejected
		rec.Message = lianxin.ErrorMessage(AllRejectedError(rec))
	case runErr == nil:
		rec.Status = StatusSucceeded
	case lianxin.ErrorCode(runErr) == lianxin.EInvalid:
		rec.Status = StatusRejected
		rec.Message = lianxin.ErrorMessage(runErr)
		rec.Problems = ProblemsOf(runErr)
	default:
		rec.Status = StatusFailed
		rec.Message = lianxin.ErrorMessage(runErr)
		if errors.Is(runErr, context.Canceled) {
			rec.Message = "cancelled; nothing was imported"
		}
	}
	if runErr == nil && opt.KeepRejects > 0 && opt.SkipInvalid && rec.Rejected > 0 {
		// Kept before the record says the import ended, so whoever sees it
		// ended sees whether the file is there.
		f, err := BuildRejectsFile(ctx, rec, opt, opt.KeepRejects)
		switch {
		case err != nil:
			rec.Message += fmt.Sprintf("; the rejects file could not be made (%s)", lianxin.ErrorMessage(err))
		case f != nil && f.Rows == 0:
			rec.Message += fmt.Sprintf("; no rejects file is kept: its first row alone is over %s", byteSize(opt.KeepRejects))
			f = nil
		case f != nil && !f.Complete:
			rec.Message += fmt.Sprintf("; the rejects file holds the first %d of them (it is kept up to %s)", f.Rows, byteSize(opt.KeepRejects))
		}
		rec.RejectsFile = f
	}
	if err := st.FinishImport(finishCtx, scope, rec); err != nil && runErr == nil {
		return rec, fmt.Errorf("record import %d: %w", rec.ID, err)
	}
	return rec, runErr
}

func optionsRecord(opt Options) map[string]any {
	m := map[string]any{"format": opt.Format, "encoding": opt.Encoding, "crs": string(opt.CRS)}
	for k, v := range map[string]bool{"dry_run": opt.DryRun, "skip_invalid": opt.SkipInvalid, "make_valid": opt.MakeValid,
		"allow_renames": opt.AllowRenames, "correct": opt.Correct} {
		if v {
			m[k] = true
		}
	}
	return m
}

func run(ctx context.Context, st Store, scope lianxin.Scope, layer *Layer, opt Options, rec *Record) error {
	stream, closeFn, err := Open(ctx, layer, opt, rec.FileName)
	if err != nil {
		return err
	}
	defer closeFn()
	plan := Plan{Layer: layer, ImportID: rec.ID, Unit: stream.conv.unit,
		DryRun: opt.DryRun, SkipInvalid: opt.SkipInvalid, MakeValid: opt.MakeValid, AllowRenames: opt.AllowRenames, Correct: opt.Correct,
		Reject: stream.reject}
	res, err := st.Ingest(ctx, scope, plan, stream)
	if err == nil {
		// A source that failed after its last row (ogr2ogr exiting badly)
		// must not count as read whole.
		err = stream.Err()
	}
	rec.Counts = res.Counts
	rec.Rejected = stream.Rejected()
	rec.Rejects = fileOrder(stream.Rejects(), rec.FileName, stream.conv.unit)
	rec.rejectLines, rec.rejectCodes = stream.rejectLines, stream.rejectCodes
	if err != nil {
		return err
	}
	if rec.Rejected > 0 && !opt.SkipInvalid {
		first := rec.Rejects[0]
		return &lianxin.Error{Code: lianxin.EInvalid,
			Message: fmt.Sprintf("%s: %d %s rejected, nothing imported; first: %s%s", rec.FileName, rec.Rejected,
				plural(rec.Rejected, "row"), first.Error(), stream.conv.hint()),
			Details: map[string]any{"rejected": rec.Rejected, "rejects": rec.Rejects}}
	}
	switch {
	case opt.DryRun && rec.Rejected > 0:
		rec.Message = fmt.Sprintf("dry run: nothing written. %d %s would be rejected, the rest imported", rec.Rejected, plural(rec.Rejected, "row"))
	case opt.DryRun:
		rec.Message = "dry run: nothing written."
	case rec.Rejected > 0:
		rec.Message = fmt.Sprintf("%d %s rejected, the rest imported", rec.Rejected, plural(rec.Rejected, "row"))
	}
	return nil
}

// byteSize writes n bytes for a message: in MiB when whole.
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// hint adds a file-level explanation when many rows share a cause.
func (c *converter) hint() string {
	switch {
	case c.swapped > 0 && c.swapped >= c.outside:
		verb := "look"
		if c.swapped == 1 {
			verb = "looks"
		}
		return fmt.Sprintf(" (%d %s %s like latitude, longitude: is the file's lon/lat order swapped?)", c.swapped, plural(c.swapped, "row"), verb)
	case c.outside > 0:
		return fmt.Sprintf(" (%d %s outside the county: wrong file, or another coordinate system?)", c.outside, plural(c.outside, "row"))
	}
	return ""
}

// fileOrder names file and unit on every reject and sorts them by line:
// rows in file order read best.
func fileOrder(rs []RowError, file, unit string) []RowError {
	out := slices.Clone(rs)
	for i := range out {
		out[i].File, out[i].Unit = file, unit
	}
	slices.SortStableFunc(out, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	return out
}

// Stream is an open file: the Rows the store copies, plus what the import
// learned while reading.
type Stream struct {
	dec      decoder
	conv     *converter
	row      *Row
	err      error
	rejected int64
	rejects  []RowError
	personal bool
	rows     int64
	pipe     *pipeline // started by the first Next
	ended    bool      // the file was read to its end
	counter  *countingReader
	progress func(rows, bytes int64)
	wait     func() error // reaps a helper process at the end
	// Lines of every rejected row, for the rejects file; bounded by the
	// number of rejects.
	rejectLines map[int64]string
	rejectCodes map[int64][]RejectCode
	// headers maps a field (as RowError.Field names it) to the column as
	// the file spelled it; lang is the language of the rejects file's
	// reasons (Options.Lang).
	headers map[string]string
	lang    string
}

// decoder reads raw rows: io.EOF at the end, a *RowError for a row that
// cannot be read (the stream goes on), any other error for a file that
// cannot be read further.
type decoder interface {
	next() (*raw, error)
	unit() string
}

// Open opens a file as a Stream of checked rows without importing it; the
// caller closes it with the returned function.
func Open(ctx context.Context, layer *Layer, opt Options, name string) (*Stream, func(), error) {
	format := opt.Format
	if format == "" {
		var err error
		if format, err = DetectFormat(opt.Path); err != nil {
			return nil, nil, err
		}
	}
	if name == "" {
		name = filepath.Base(opt.Path)
	}
	maxRow := opt.MaxRowBytes
	if maxRow <= 0 {
		maxRow = DefaultMaxRowBytes
	}
	bounds := opt.Bounds
	if bounds.IsZero() {
		bounds = CountyBounds
	}
	crs := opt.CRS
	if crs == "" {
		crs = geo.CRSWGS84
	}
	s := &Stream{conv: &converter{layer: layer, file: name, crs: crs, bounds: bounds},
		progress: opt.Progress, rejectLines: map[int64]string{},
		rejectCodes: map[int64][]RejectCode{}, lang: opt.Lang}
	var dec decoder
	closeFn := func() {}
	switch format {
	case FormatCSV, FormatGeoJSON:
		f, err := openFile(opt.Path, name) // openfile.go
		if err != nil {
			return nil, nil, err
		}
		closeFn = func() { f.Close() }
		s.counter = &countingReader{r: f}
		text, _, err := decodeText(s.counter, opt.Encoding, name)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		if format == FormatCSV {
			br := bufio.NewReaderSize(&lineLimiter{r: text, limit: int(maxRow)}, 1<<16)
			d, err := newCSVDecoder(br, layer, name)
			if err != nil {
				f.Close()
				return nil, nil, err
			}
			dec = d
			s.headers = d.typedHeaders()
			for _, c := range d.cols {
				if c >= 0 && layer.Fields[c].Personal {
					s.personal = true
				}
			}
		} else {
			d, err := newGeoJSONDecoder(bufio.NewReaderSize(text, 1<<16), layer, name, maxRow)
			if err != nil {
				f.Close()
				return nil, nil, err
			}
			dec = d
		}
	case FormatGeoPackage, FormatShapefileZip, FormatShapefile:
		o, cleanup, err := startOGR(ctx, opt.Path, format, opt.Encoding, opt.SourceLayer, layer.Name, name)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		s.wait = o.wait
		closeFn = func() {
			if o.cmd.Process != nil && o.cmd.ProcessState == nil {
				_ = o.cmd.Process.Kill()
				_ = o.cmd.Wait()
			}
			cleanup()
		}
		var long *longTexts
		if o.longText != "" {
			if long, err = readLongTexts(o.longText, layer, name); err != nil {
				closeFn()
				return nil, nil, err
			}
		}
		d, err := newGeoJSONDecoder(o.reader(), layer, name, maxRow)
		if err != nil {
			// The decoder saw no features: ogr2ogr has ended, or is about
			// to; its reason, if it failed, is the one to give.
			werr := o.wait()
			cleanup()
			if werr != nil {
				return nil, nil, werr
			}
			return nil, nil, fileInvalid(name, "feature", 0, FileNoFeatures, nil, "%s holds no features", name)
		}
		d.long = long
		dec = d
	default:
		return nil, nil, invalidf("format %q: want csv, geojson, gpkg or shapezip", format)
	}
	s.dec = dec
	s.conv.unit = dec.unit()
	return s, func() {
		if s.pipe != nil {
			s.pipe.stop(closeFn)
			return
		}
		closeFn()
	}, nil
}

// Next reads until the next good row; rejected rows are counted and kept.
// Rows are read and converted ahead, on goroutines of their own
// (pipeline.go), and handed out here in file order.
func (s *Stream) Next() bool {
	if s.err != nil || s.ended {
		return false
	}
	if s.pipe == nil {
		s.pipe = s.startPipeline()
	}
	p := s.pipe
	for {
		if p.cur == nil || p.i == len(p.cur.items) {
			if p.cur != nil && p.cur.err != nil {
				s.err = p.cur.err
				return false
			}
			b, ok := <-p.batches
			if !ok {
				s.ended = true
				if s.wait != nil {
					s.err = s.wait()
					s.wait = nil
				}
				if s.err == nil && s.rows == 0 && s.rejected == 0 {
					s.err = fileInvalid(s.conv.file, "", 0, FileNoRows, nil, "%s holds no rows: only a header, or an empty collection", s.conv.file)
				}
				return false
			}
			<-b.done
			s.conv.swapped += b.conv.swapped
			s.conv.outside += b.conv.outside
			p.cur, p.i = b, 0
			continue
		}
		it := &p.cur.items[p.i]
		p.i++
		s.rows++
		if it.readRej != nil {
			s.reject(*it.readRej)
			continue
		}
		if s.progress != nil && s.rows%4096 == 0 {
			s.progress(s.rows, p.cur.bytes)
		}
		if it.rej != nil {
			s.reject(*it.rej)
			continue
		}
		s.row = it.row
		return true
	}
}

func (s *Stream) reject(e RowError) {
	more := e.more
	e.more = nil
	defer func() {
		for _, m := range more {
			s.reject(m)
		}
	}()
	// A row is rejected once, however many faults it has: each fault is
	// listed (rejects, the rejects file's reason), the row counted once.
	if _, seen := s.rejectLines[e.Line]; !seen {
		s.rejected++
	}
	if e.Code == "" {
		e.Code = CodeOther
	}
	if e.Unit == "" {
		e.Unit = s.conv.unit // the store's rejects: a GeoJSON duplicate's first is a feature
	}
	if s.headers == nil {
		// A GeoJSON file's (and GDAL's) property names are known once its
		// first feature is read, before any of its rows reaches here.
		if g, ok := s.dec.(*geojsonDecoder); ok {
			s.headers = g.typed
		}
	}
	if e.Header == "" {
		e.Header = s.headers[e.Field]
	}
	switch e.Code {
	case CodeInvalidGeometry:
		// PostGIS says why in English (the store's check): the Chinese
		// goes with it, worded from the one table here.
		if r, ok := e.Params["reason"].(string); ok {
			e.Params = maps.Clone(e.Params)
			e.Params["reason_zh"] = geosReasonZH(r)
		}
	}
	if len(s.rejects) < MaxRejectsKept {
		s.rejects = append(s.rejects, e)
	}
	reason := fieldReason(e)
	if s.lang == LangZH {
		reason = ReasonZH(e)
	}
	if prev, ok := s.rejectLines[e.Line]; ok {
		reason = prev + "; " + reason
	}
	s.rejectLines[e.Line] = reason
	s.rejectCodes[e.Line] = append(s.rejectCodes[e.Line], RejectCode{Code: e.Code, Params: e.Params})
}

func fieldReason(e RowError) string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// Row is the current row; valid until the next call of Next.
func (s *Stream) Row() *Row { return s.row }

// Err is the error that ended the stream early, if any.
func (s *Stream) Err() error { return s.err }

// Rejected counts the rows rejected while decoding.
func (s *Stream) Rejected() int64 { return s.rejected }

// Rejects lists the first rows rejected while decoding.
func (s *Stream) Rejects() []RowError { return s.rejects }

// Personal says whether the file had household personal columns.
func (s *Stream) Personal() bool {
	if g, ok := s.dec.(*geojsonDecoder); ok {
		return g.personal
	}
	return s.personal
}

// RowsRead counts the rows read, good and bad.
func (s *Stream) RowsRead() int64 { return s.rows }

func invalidf(format string, args ...any) *lianxin.Error {
	return lianxin.Errorf(lianxin.EInvalid, format, args...)
}

func wrapRead(file string, err error) error {
	return fmt.Errorf("read %s: %w", file, err)
}

// checkCorrect refuses the correct option for a layer other than visits:
// only diary entries are corrected by id (Options.Correct).
func checkCorrect(layer string, correct bool) error {
	if correct && layer != "visits" {
		return OptionError("correct", OptCorrectVisits, map[string]any{"layer": layer})
	}
	return nil
}
