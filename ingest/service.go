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
}

// Service runs uploaded imports in the background, one or two at a time,
// each in its own transaction: the HTTP request that uploads a file gets the
// running import's record at once and polls it. Stopping the service's
// context cancels running imports, which roll back whole.
type Service struct {
	store Store
	base  context.Context
	log   *slog.Logger
	dir   string
	slots chan struct{}
	wg    sync.WaitGroup
	// Timeout bounds one import (default 1 hour).
	Timeout time.Duration
	// Bounds is the county box (default CountyBounds).
	Bounds orb.Bound
}

// NewService makes a Service whose imports run under base. Uploaded files
// are spooled to dir (default the OS temporary directory) and removed after.
func NewService(base context.Context, st Store, log *slog.Logger, dir string) *Service {
	if log == nil {
		log = slog.Default()
	}
	if dir == "" {
		dir = os.TempDir()
	}
	return &Service{store: st, base: base, log: log, dir: dir, slots: make(chan struct{}, 2), Timeout: time.Hour}
}

// Start checks the upload's options, spools body to a file, records the
// import as running and starts it. The record it returns has the id to poll.
func (s *Service) Start(ctx context.Context, scope lianxin.Scope, up Upload, body io.Reader) (Record, error) {
	if _, err := LookupLayer(up.Layer); err != nil {
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
	crs := geo.CRSWGS84
	if up.CRS != "" {
		if crs, err = geo.ParseCRS(up.CRS); err != nil {
			return Record{}, lianxin.Errorf(lianxin.EInvalid, "crs: %v", err)
		}
	}
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
		DryRun: up.DryRun, SkipInvalid: up.SkipInvalid, MakeValid: up.MakeValid, StartedBy: scope.User, Bounds: s.Bounds}
	rec := Record{Layer: up.Layer, Source: "api", FileName: opt.Name, StartedBy: scope.User, Status: StatusRunning,
		DryRun: up.DryRun, Options: optionsRecord(opt), StartedAt: time.Now()}
	id, err := s.store.StartImport(ctx, scope, rec)
	if err != nil {
		os.Remove(path)
		return Record{}, err
	}
	rec.ID, opt.ImportID = id, id
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer os.Remove(path)
		ctx, cancel := context.WithTimeout(s.base, s.Timeout)
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

// Wait blocks until every started import has ended.
func (s *Service) Wait() { s.wg.Wait() }

// Import reads one import record.
func (s *Service) Import(ctx context.Context, scope lianxin.Scope, id int64) (Record, error) {
	return s.store.Import(ctx, scope, id)
}

// Imports lists the latest imports, newest first.
func (s *Service) Imports(ctx context.Context, scope lianxin.Scope, limit int) ([]Record, error) {
	return s.store.Imports(ctx, scope, limit)
}
