package export

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"

	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver: writes the spatial index into GDAL's file

	"lianxin"
)

// A GeoPackage with geometry is made in three steps, so that its spatial
// index is bulk-loaded (gpkgindex.go) instead of inserted entry by entry:
//
//  1. ogr2ogr makes an empty skeleton from the feed's first megabyte
//     (-limit 0): the table with the field types GDAL detects from that
//     megabyte, exactly as a single pass detects them, the empty R-tree,
//     its triggers and the extension's registration. The R-tree's triggers
//     are saved and dropped.
//  2. ogr2ogr appends the whole feed. With the triggers gone it leaves the
//     R-tree empty; it numbers the features 1..N in feed order, so the
//     loader, fed the same rows, knows every feature's id.
//  3. The loader writes the tree's nodes, the feature→leaf and
//     node→parent maps, puts the triggers back and sets the feature count
//     (which GDAL leaves unknown after an append).

// gpkgHeadSize is how much of the feed the skeleton is made from: GDAL's
// CSV reader detects types from the first 1,000,000 bytes
// (AUTODETECT_SIZE_LIMIT), so the skeleton gets the single pass's types.
const gpkgHeadSize = 1_000_000

// gpkgFeed is the io.Writer under the feed of a GeoPackage export. It holds
// the first gpkgHeadSize bytes, makes the skeleton from them, then starts
// the appending ogr2ogr and passes everything on to it.
type gpkgFeed struct {
	head  bytes.Buffer
	start func(head []byte) (*ogrProc, error)
	proc  *ogrProc
	err   error // the start's failure, reported before what it caused
}

func (f *gpkgFeed) Write(p []byte) (int, error) {
	if f.proc != nil {
		return f.proc.stdin.Write(p)
	}
	if f.err != nil {
		return 0, f.err
	}
	if f.head.Cap() == 0 {
		f.head.Grow(gpkgHeadSize + bufferSize) // the feed writes bufferSize at a time
	}
	f.head.Write(p)
	if f.head.Len() < gpkgHeadSize {
		return len(p), nil
	}
	if err := f.open(); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (f *gpkgFeed) open() error {
	proc, err := f.start(f.head.Bytes())
	if err != nil {
		f.err = err
		return err
	}
	f.proc = proc
	if _, err := proc.stdin.Write(f.head.Bytes()); err != nil {
		return err
	}
	f.head = bytes.Buffer{}
	return nil
}

// gpkgIndexed writes the GeoPackage out in dir through the three steps
// above and returns the rows exported.
func (s *Service) gpkgIndexed(ctx context.Context, scope lianxin.Scope, l *Layer, req Request, dir, out string) (int64, error) {
	began := time.Now()
	nodesFile, rowidsFile, err := leafSpill(dir)
	if err != nil {
		return 0, err
	}
	defer nodesFile.Close()
	defer rowidsFile.Close()

	var ix *gpkgRTree
	tree := newRTreeBuilder(nodesFile, rowidsFile)
	feed := &gpkgFeed{}
	feed.start = func(head []byte) (*ogrProc, error) {
		headPath := filepath.Join(dir, "head.csv")
		if i := bytes.LastIndexByte(head, '\n'); i >= 0 {
			head = head[:i+1]
		}
		if err := os.WriteFile(headPath, head, 0o600); err != nil {
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		skeleton := ogr2ogrArgs(l, req, out)
		for i, a := range skeleton {
			if a == feedSource {
				skeleton[i] = "CSV:" + headPath
			}
		}
		if err := s.runOgr2ogr(ctx, dir, append(skeleton, "-limit", "0")); err != nil {
			return nil, fmt.Errorf("skeleton: %w", err)
		}
		if ix, err = detachRTree(ctx, out); err != nil {
			return nil, err
		}
		tree.setNodeSize(ix.nodeSize)
		return s.startOgr2ogr(ctx, dir, append(ogr2ogrArgs(l, req, out), "-append"))
	}
	fw := newFeedWriter(feed, l, req.CRS)
	fw.index = tree
	rows, streamErr := s.stream(ctx, scope, l, req.Filter, Page{}, fw)
	if streamErr == nil && feed.proc == nil && feed.err == nil {
		streamErr = feed.open() // a feed shorter than the head
	}
	var procErr error
	if feed.proc != nil {
		procErr = feed.proc.finish()
	}
	switch {
	case ctx.Err() != nil:
		return rows, ctx.Err()
	case feed.err != nil:
		return rows, feed.err
	case procErr != nil: // before streamErr: a GDAL failure shows as a broken pipe there
		return rows, procErr
	case streamErr != nil:
		return rows, streamErr
	}
	fed := time.Now()
	up, err := tree.finish()
	if err != nil {
		return rows, err
	}
	if err := ix.load(ctx, out, tree, up, nodesFile, rowidsFile, fw.fid); err != nil {
		return rows, err
	}
	s.opt.Logger.DebugContext(ctx, "geopackage spatial index loaded", "layer", l.Name, "entries", tree.entries,
		"leaves", len(tree.leaves), "feed", fed.Sub(began), "index", time.Since(fed))
	return rows, nil
}

// gpkgRTree is the skeleton's spatial index: its names, its node size and
// the triggers taken off while ogr2ogr appends.
type gpkgRTree struct {
	table    string   // the feature table
	rtree    string   // rtree_<table>_<geometry column>
	nodeSize int      // bytes in a node, from the empty root's length
	triggers []string // the R-tree triggers' CREATE statements
}

const (
	sqlGeometryColumn = `SELECT table_name, column_name FROM gpkg_geometry_columns`
	// The R-tree triggers are named rtree_<table>_<column>_<what>
	// (GeoPackage's RTree extension).
	sqlRTreeTriggers = `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND substr(name, 1, ?) = ?`
	sqlFeatureSpan   = `SELECT count(*), coalesce(max(rowid), 0) FROM %s`
	sqlFeatureCount  = `UPDATE gpkg_ogr_contents SET feature_count = ? WHERE lower(table_name) = lower(?)`
)

// sqliteIdent quotes an SQLite identifier.
func sqliteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// openGPKG opens GDAL's file for writing without a journal or syncs, as
// GDAL writes it: a failure discards the whole file anyway.
func openGPKG(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=OFF&_synchronous=OFF")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// detachRTree reads the skeleton's R-tree and drops its triggers.
func detachRTree(ctx context.Context, path string) (*gpkgRTree, error) {
	db, err := openGPKG(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ix := &gpkgRTree{}
	var column string
	if err := db.QueryRowContext(ctx, sqlGeometryColumn).Scan(&ix.table, &column); err != nil {
		return nil, fmt.Errorf("skeleton geometry column: %w", err)
	}
	ix.rtree = "rtree_" + ix.table + "_" + column
	err = db.QueryRowContext(ctx, `SELECT length(data) FROM `+sqliteIdent(ix.rtree+"_node")+` WHERE nodeno = 1`).Scan(&ix.nodeSize)
	if err != nil {
		return nil, fmt.Errorf("skeleton spatial index %s: %w", ix.rtree, err)
	}
	prefix := ix.rtree + "_"
	rs, err := db.QueryContext(ctx, sqlRTreeTriggers, ix.table, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("skeleton triggers: %w", err)
	}
	var names []string
	for rs.Next() {
		var name, stmt string
		if err := rs.Scan(&name, &stmt); err != nil {
			rs.Close()
			return nil, fmt.Errorf("skeleton triggers: %w", err)
		}
		names = append(names, name)
		ix.triggers = append(ix.triggers, stmt)
	}
	if err := rs.Close(); err != nil {
		return nil, fmt.Errorf("skeleton triggers: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("skeleton spatial index %s: no triggers", ix.rtree)
	}
	for _, name := range names {
		if _, err := db.ExecContext(ctx, `DROP TRIGGER `+sqliteIdent(name)); err != nil {
			return nil, fmt.Errorf("skeleton trigger %s: %w", name, err)
		}
	}
	return ix, db.Close()
}

// rtreeBatch is how many rows one INSERT of the maps carries.
const rtreeBatch = 256

// load writes the tree into the finished file, puts the triggers back and
// sets the feature count. fed is the number of rows fed to ogr2ogr: the
// table must hold them as features 1..fed, or the ids in the tree would
// point at the wrong features.
func (ix *gpkgRTree) load(ctx context.Context, path string, t *rtreeBuilder, up *rtreeUpper, nodes, rowids *os.File, fed int64) (err error) {
	db, err := openGPKG(path)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("spatial index: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	var count, last int64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(sqlFeatureSpan, sqliteIdent(ix.table))).Scan(&count, &last); err != nil {
		return fmt.Errorf("spatial index: count features: %w", err)
	}
	if count != fed || last != fed {
		return fmt.Errorf("spatial index: %d rows fed, ogr2ogr wrote %d features numbered up to %d", fed, count, last)
	}

	nodeStmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO `+sqliteIdent(ix.rtree+"_node")+` (nodeno, data) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("spatial index nodes: %w", err)
	}
	defer nodeStmt.Close()
	rowid := newBatchInsert(tx, ix.rtree+"_rowid")
	parent := newBatchInsert(tx, ix.rtree+"_parent")
	if up.rootIsLeaf {
		for _, c := range up.root {
			if err := rowid.add(ctx, c.id, 1); err != nil {
				return err
			}
		}
	} else {
		if _, err := nodes.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("spatial index leaves: %w", err)
		}
		blob := make([]byte, len(t.node))
		for i := range t.leaves {
			if _, err := io.ReadFull(nodes, blob); err != nil {
				return fmt.Errorf("spatial index leaves: %w", err)
			}
			if _, err := nodeStmt.ExecContext(ctx, int64(i)+2, blob); err != nil {
				return fmt.Errorf("spatial index leaves: %w", err)
			}
		}
		if _, err := rowids.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("spatial index rows: %w", err)
		}
		r := bufio.NewReaderSize(rowids, 1<<16)
		pair := make([]byte, 16)
		for {
			if _, err := io.ReadFull(r, pair); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("spatial index rows: %w", err)
			}
			if err := rowid.add(ctx, int64(binary.LittleEndian.Uint64(pair)), int64(binary.LittleEndian.Uint64(pair[8:]))); err != nil {
				return err
			}
		}
		for _, p := range up.parent {
			if err := parent.add(ctx, p[0], p[1]); err != nil {
				return err
			}
		}
	}
	for no, blob := range up.nodes {
		if _, err := nodeStmt.ExecContext(ctx, no, blob); err != nil {
			return fmt.Errorf("spatial index node %d: %w", no, err)
		}
	}
	if err := rowid.flush(ctx); err != nil {
		return err
	}
	if err := parent.flush(ctx); err != nil {
		return err
	}
	for _, stmt := range ix.triggers {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("spatial index trigger: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqlFeatureCount, count, ix.table); err != nil {
		return fmt.Errorf("feature count: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("spatial index: %w", err)
	}
	return db.Close()
}

// batchInsert inserts (key, value) pairs into a two-column table
// rtreeBatch rows a statement: one statement a row spent more time in the
// driver than in SQLite.
type batchInsert struct {
	tx    *sql.Tx
	table string
	full  *sql.Stmt
	args  []any
}

func newBatchInsert(tx *sql.Tx, table string) *batchInsert {
	return &batchInsert{tx: tx, table: table, args: make([]any, 0, 2*rtreeBatch)}
}

func (b *batchInsert) statement(rows int) string {
	return `INSERT INTO ` + sqliteIdent(b.table) + ` VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?),", rows), ",")
}

func (b *batchInsert) add(ctx context.Context, k, v int64) error {
	b.args = append(b.args, k, v)
	if len(b.args) < cap(b.args) {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.statement(rtreeBatch))
		if err != nil {
			return fmt.Errorf("spatial index %s: %w", b.table, err)
		}
		b.full = st
	}
	if _, err := b.full.ExecContext(ctx, b.args...); err != nil {
		return fmt.Errorf("spatial index %s: %w", b.table, err)
	}
	b.args = b.args[:0]
	return nil
}

// flush inserts what is left and closes the statement.
func (b *batchInsert) flush(ctx context.Context) error {
	if b.full != nil {
		defer b.full.Close()
	}
	if len(b.args) == 0 {
		return nil
	}
	if _, err := b.tx.ExecContext(ctx, b.statement(len(b.args)/2), b.args...); err != nil {
		return fmt.Errorf("spatial index %s: %w", b.table, err)
	}
	b.args = b.args[:0]
	return nil
}
