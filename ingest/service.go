package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/geo"
)

// Upload is an import asked for over HTTP: the file's name and the options
// a caller may set.
type Upload struct {
	Layer, FileName                string
	Encoding                       string
	CRS                            string
	DryRun, SkipInvalid, MakeValid bool
	// AllowRenames lets rows rename stored rows of their code (Options.AllowRenames).
	AllowRenames bool
	// Correct lets diary rows replace the stored entries their ids name (Options.Correct).
	Correct bool
	// SourceLayer picks a layer of a GeoPackage, or a Shapefile of a zip.
	SourceLayer string
	// Lang is the language of the kept rejects file's reasons (Options.Lang).
	Lang string
}

// Service runs uploaded imports in the background, two at a time, each in
// its own transaction: the HTTP request that uploads a file gets the
// running import's record at once and polls it. Shutdown lets running
// imports finish for a while, then cancels them: they roll back whole and
// are recorded as failed.
type Service struct {
	store Store
	log   *slog.Logger
	dir   string
	// ctx is cancelled by Shutdown once its wait is over.
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{} // imports running
	// rejectsReads are the rejects files being read and served.
	rejectsReads chan struct{}
	queue        chan struct{} // imports running or waiting
	mu           sync.Mutex
	closed       bool
	wg           sync.WaitGroup
	// Timeout bounds one import (default 1 hour).
	Timeout time.Duration
	// Bounds is the county box (default CountyBounds).
	Bounds orb.Bound
	// RejectsFileBytes bounds the rejects file kept with each import that
	// skipped invalid rows (default MaxRejectsFileBytes; see
	// Options.KeepRejects).
	RejectsFileBytes int64
}

// Imports running at once, and waiting for their turn besides: each
// holds a spooled file and a database connection that marks it alive, so
// more are refused (unavailable: try again later).
const (
	serviceRunning = 2
	serviceWaiting = 4
)

// NewService makes a Service whose imports run under base (values only:
// Shutdown, not base's end, is what stops them). Uploaded files are spooled
// to dir (default the OS temporary directory) and removed after.
func NewService(base context.Context, st Store, log *slog.Logger, dir string) *Service {
	if log == nil {
		log = slog.Default()
	}
	if dir == "" {
		dir = os.TempDir()
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(base))
	return &Service{store: st, log: log, dir: dir, ctx: ctx, cancel: cancel,
		slots: make(chan struct{}, serviceRunning), rejectsReads: make(chan struct{}, rejectsReading), queue: make(chan struct{}, serviceRunning+serviceWaiting),
		Timeout: time.Hour, RejectsFileBytes: MaxRejectsFileBytes}
}

// Start checks the upload's options, spools body to a file, records the
// import as running and starts it. The record it returns has the id to poll.
func (s *Service) Start(ctx context.Context, scope lianxin.Scope, up Upload, body io.Reader) (Record, error) {
	if _, err := LookupLayer(up.Layer); err != nil {
		return Record{}, err
	}
	if err := checkCorrect(up.Layer, up.Correct); err != nil {
		return Record{}, err
	}
	format, err := DetectFormat(up.FileName)
	if err != nil {
		return Record{}, err
	}
	enc, err := ParseEncoding(up.Encoding)
	if err != nil {
		return Record{}, err
	}
	lang, err := ParseLang(up.Lang)
	if err != nil {
		return Record{}, err
	}
	crs := geo.CRSWGS84
	if up.CRS != "" {
		if crs, err = ParseCRS(up.CRS); err != nil {
			return Record{}, err
		}
	}
	if err := s.enter(); err != nil {
		return Record{}, err
	}
	started := false
	defer func() {
		if !started {
			s.leave()
		}
	}()
	// Keep the extension: GDAL and the format detection go by it.
	f, err := os.CreateTemp(s.dir, "lianxin-import-*"+filepath.Ext(up.FileName))
	if err != nil {
		return Record{}, fmt.Errorf("spool upload: %w", err)
	}
	path := f.Name()
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return Record{}, fmt.Errorf("spool upload %s: %w", up.FileName, err)
	}
	opt := Options{Layer: up.Layer, Path: path, Name: filepath.Base(up.FileName), Format: format, Encoding: enc, CRS: crs,
		DryRun: up.DryRun, SkipInvalid: up.SkipInvalid, MakeValid: up.MakeValid, AllowRenames: up.AllowRenames, Correct: up.Correct, SourceLayer: up.SourceLayer,
		StartedBy: scope.User, Bounds: s.Bounds, KeepRejects: s.RejectsFileBytes, Lang: lang}
	rec := Record{Layer: up.Layer, Source: "api", FileName: opt.Name, StartedBy: scope.User, Status: StatusRunning,
		DryRun: up.DryRun, Options: optionsRecord(opt), StartedAt: time.Now()}
	id, release, err := s.store.StartImport(ctx, scope, rec)
	if err != nil {
		os.Remove(path)
		return Record{}, err
	}
	rec.ID, opt.ImportID = id, id
	started = true
	go func() {
		defer s.leave()
		defer release()
		defer os.Remove(path)
		ctx, cancel := context.WithTimeout(s.ctx, s.Timeout)
		defer cancel()
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		case <-ctx.Done():
		}
		done, err := Run(ctx, s.store, scope, "api", opt)
		if err != nil && lianxin.ErrorCode(err) != lianxin.EInvalid {
			s.log.Error("import failed", "import", id, "layer", up.Layer, "file", opt.Name, "error", err)
			return
		}
		s.log.Info("import finished", "import", id, "layer", up.Layer, "file", opt.Name, "status", done.Status,
			"inserted", done.Inserted, "updated", done.Updated, "unchanged", done.Unchanged, "rejected", done.Rejected)
	}()
	return rec, nil
}

// enter takes a place in the queue, or says why there is none.
func (s *Service) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return lianxin.Errorf(lianxin.EUnavailable, "the server is shutting down; upload the file again once it is back")
	}
	select {
	case s.queue <- struct{}{}:
	default:
		return lianxin.Errorf(lianxin.EUnavailable, "%d imports are running or waiting; try again when one has finished",
			serviceRunning+serviceWaiting)
	}
	s.wg.Add(1)
	return nil
}

func (s *Service) leave() {
	<-s.queue
	s.wg.Done()
}

// Wait blocks until every started import has ended.
func (s *Service) Wait() { s.wg.Wait() }

// Shutdown refuses new imports and waits for the running and waiting ones
// until ctx ends; then it cancels them — each rolls back whole and is
// recorded as failed — and waits for that. It returns ctx's error when it
// had to cancel.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
	}
	s.log.Warn("cancelling imports still running at shutdown")
	s.cancel()
	<-done
	return ctx.Err()
}

// Import reads one import record.
func (s *Service) Import(ctx context.Context, scope lianxin.Scope, id int64) (Record, error) {
	return s.store.Import(ctx, scope, id)
}

// Imports lists the latest imports, newest first.
func (s *Service) Imports(ctx context.Context, scope lianxin.Scope, limit int) ([]Record, error) {
	return s.store.Imports(ctx, scope, limit)
}

// rejectsReading is how many rejects files may be read and served at
// once. A file is up to RejectsFileBytes (16 MiB), held whole in memory
// while it is read from the database (twice, briefly, in the driver) and
// written out: a loop of downloads, each cheap to ask for, would otherwise
// hold as many of them as requests arrive.
const rejectsReading = 2

// RejectsFile reads the rejects file kept with an import the scope may
// see, with the import's record, and hands them to serve while it holds
// one of rejectsReading places; the store audits the read (who, from ip).
// With every place taken it answers unavailable at once.
func (s *Service) RejectsFile(ctx context.Context, scope lianxin.Scope, id int64, ip string, serve func(Record, RejectsFile) error) error {
	select {
	case s.rejectsReads <- struct{}{}:
		defer func() { <-s.rejectsReads }()
	default:
		return lianxin.Errorf(lianxin.EUnavailable, "%d rejects files are being downloaded; try again in a moment", rejectsReading)
	}
	rec, f, err := s.store.ImportRejectsFile(ctx, scope, id, ip)
	if err != nil {
		return err
	}
	return serve(rec, f)
}
