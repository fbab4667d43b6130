package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
)

// Import records live outside the import's own transaction: a record says
// "running" while the data transaction runs, and how it ended afterwards,
// even when the data was rolled back.

const startImportSQL = `INSERT INTO imports (layer, source, started_by, file_name, options, status, towns)
VALUES ($1, $2, $3, $4, $5, 'running', $6) RETURNING id`

// importTowns is what imports.towns records of scope: NULL (nil) for a
// county-wide one, else its towns (migration 021).
func importTowns(scope lianxin.Scope) any {
	if scope.AllTowns {
		return nil
	}
	return append([]int32{}, scope.Towns...)
}

// importVisibleSQL is the imports (alias i) a scope may read: all of them
// county-wide; for a town-scoped reader (a team leader) those run within
// the reader's towns, or an import of their own that had no town. A
// county-wide import (towns NULL) holds rows of every town, and so does its
// rejects file. Migrations 024 and 026 hold the same rule as the row-level
// policies of the rejects files and of the records themselves.
const importVisibleSQL = `(lianxin_all_towns()
  OR (i.towns <@ lianxin_towns()
      AND (cardinality(i.towns) > 0 OR i.started_by = current_setting('lianxin.user', true))))`

// importLockSpace is the first key of the advisory locks that say an
// import's process is alive: (importLockSpace, import id).
const importLockSpace = 0x6c78696d // "lxim"

// StartImport records an import as running and holds a session-level
// advisory lock keyed by its id, on a connection of its own (not the pool's), until release
// is called: while the importing process lives, the lock says so, and when
// it dies (killed, or its connection cut by a database restart) the lock
// goes with it, and ReapImports marks the record failed. The lock is taken
// in the transaction that inserts the record, so no reader ever sees the
// record running without it.
func (s *Store) StartImport(ctx context.Context, scope lianxin.Scope, rec ingest.Record) (id int64, release func(), err error) {
	if _, err := s.ReapImports(ctx); err != nil {
		s.log.Warn("mark stale imports failed", "error", err)
	}
	opts, err := json.Marshal(rec.Options)
	if err != nil {
		return 0, nil, err
	}
	// A connection outside the pool: imports waiting their turn must not
	// take the pool's connections from requests.
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return 0, nil, fmt.Errorf("start import record: %w", err)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// The record is held to the scope's row-level policy (migration
		// 026) like every other write: set the scope as InScope does.
		if err := setScope(ctx, tx, scope); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, startImportSQL, rec.Layer, rec.Source, rec.StartedBy, rec.FileName, opts, importTowns(scope)).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, importLockSpace, int32(id%(1<<31)))
		return err
	})
	if err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return 0, nil, fmt.Errorf("start import record: %w", err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			// Closing the session releases its lock.
			_ = conn.Close(unlockCtx)
		})
	}
	return id, release, nil
}

// reapImportsSQL fails every running import whose lock nobody holds: its
// process is gone. The try-lock is transaction-level, released at once.
const reapImportsSQL = `UPDATE imports SET status = 'failed', finished_at = now(),
  message = 'the importing process ended (killed, or its database connection was lost) before the import finished; nothing was imported'
WHERE status = 'running' AND pg_try_advisory_xact_lock($1, (id % 2147483648)::int)
RETURNING id`

// ReapImports marks failed the imports recorded as running whose process
// is gone, and returns their ids. StartImport and the readers of import
// records call it, so a dead import never shows as running for long.
func (s *Store) ReapImports(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, reapImportsSQL, importLockSpace)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mark stale imports failed: %w", err)
	}
	return ids, nil
}

const finishImportSQL = `UPDATE imports SET status = $2, finished_at = now(), inserted = $3, updated = $4,
  unchanged = $5, rejected = $6, message = $7
WHERE id = $1`

const insertRejectsSQL = `INSERT INTO import_rejects (import_id, ordinal, line, field, reason, code, params, header)
SELECT $1, ord, line, field, reason, code, params, header
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
  WITH ORDINALITY AS r(line, field, reason, code, params, header, ord)
ON CONFLICT (import_id, ordinal) DO NOTHING`

const insertRejectsFileSQL = `INSERT INTO import_rejects_files (import_id, file_name, format, rows, complete, personal, content)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (import_id) DO NOTHING`

// FinishImport records how an import ended, its first rejects and, if it
// kept one, its rejects file.
func (s *Store) FinishImport(ctx context.Context, scope lianxin.Scope, rec ingest.Record) error {
	// A refused file's problems are kept with the rejects, told apart by
	// their codes (ingest.IsFileCode) when read.
	all := append(slices.Clone(rec.Rejects), rec.Problems...)
	lines := make([]int64, len(all))
	fields := make([]string, len(all))
	reasons := make([]string, len(all))
	codes := make([]string, len(all))
	params := make([]string, len(all))
	headers := make([]string, len(all))
	for i, r := range all {
		lines[i], fields[i], reasons[i], headers[i] = r.Line, r.Field, r.Reason, r.Header
		codes[i] = cmp.Or(r.Code, ingest.CodeOther)
		params[i] = "{}"
		if len(r.Params) > 0 {
			b, err := json.Marshal(r.Params)
			if err != nil {
				return fmt.Errorf("finish import record %d: reject parameters: %w", rec.ID, err)
			}
			params[i] = string(b)
		}
	}
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, finishImportSQL, rec.ID, rec.Status, rec.Inserted, rec.Updated, rec.Unchanged, rec.Rejected, rec.Message)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return lianxin.Errorf(lianxin.ENotFound, "import %d not found", rec.ID)
		}
		// An import is finished once, and the server's role may only
		// insert rejects (migration 008): no DELETE of earlier ones here,
		// or every upload's record would fail to finish.
		if len(lines) > 0 {
			if _, err := tx.Exec(ctx, insertRejectsSQL, rec.ID, lines, fields, reasons, codes, params, headers); err != nil {
				return err
			}
		}
		if f := rec.RejectsFile; f != nil {
			if _, err := tx.Exec(ctx, insertRejectsFileSQL, rec.ID, f.Name, f.Format, f.Rows, f.Complete, f.Personal, f.Content); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish import record %d: %w", rec.ID, err)
	}
	return nil
}

// importFrom is the imports (alias i) with what is known of their rejects
// files (alias f); importColumns are what scanImport scans from it.
const (
	importColumns = `i.id, i.layer, i.source, i.started_by, i.file_name, i.started_at, i.finished_at, i.status, i.options,
  i.inserted, i.updated, i.unchanged, i.rejected, i.message, f.file_name, f.format, f.rows, f.complete`
	importFrom = `imports i LEFT JOIN import_rejects_files f ON f.import_id = i.id`
)

func scanImport(row pgx.Row, r *ingest.Record) error {
	var opts []byte
	var finished *time.Time
	var fileName, format *string
	var fileRows *int64
	var complete *bool
	if err := row.Scan(&r.ID, &r.Layer, &r.Source, &r.StartedBy, &r.FileName, &r.StartedAt, &finished, &r.Status, &opts,
		&r.Inserted, &r.Updated, &r.Unchanged, &r.Rejected, &r.Message, &fileName, &format, &fileRows, &complete); err != nil {
		return err
	}
	r.FinishedAt = finished
	if fileName != nil {
		r.RejectsFile = &ingest.RejectsFile{Name: *fileName, Format: *format, Rows: *fileRows, Complete: *complete}
	}
	if len(opts) > 0 {
		if err := json.Unmarshal(opts, &r.Options); err != nil {
			return fmt.Errorf("import %d options: %w", r.ID, err)
		}
	}
	r.DryRun, _ = r.Options["dry_run"].(bool)
	return nil
}

// Import reads one import record with its kept rejects.
func (s *Store) Import(ctx context.Context, scope lianxin.Scope, id int64) (ingest.Record, error) {
	var r ingest.Record
	if _, err := s.ReapImports(ctx); err != nil {
		return r, err
	}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := scanImport(tx.QueryRow(ctx, `SELECT `+importColumns+` FROM `+importFrom+`
WHERE i.id = $1 AND `+importVisibleSQL, id), &r); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT line, field, reason, code, params, header FROM import_rejects WHERE import_id = $1 ORDER BY ordinal`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		unit := "feature"
		if f, _ := ingest.DetectFormat(r.FileName); f == ingest.FormatCSV {
			unit = "line"
		}
		for rows.Next() {
			re := ingest.RowError{File: r.FileName, Unit: unit}
			var params []byte
			if err := rows.Scan(&re.Line, &re.Field, &re.Reason, &re.Code, &params, &re.Header); err != nil {
				return err
			}
			if err := json.Unmarshal(params, &re.Params); err != nil {
				return fmt.Errorf("reject parameters: %w", err)
			}
			if len(re.Params) == 0 {
				re.Params = nil
			}
			if ingest.IsFileCode(re.Code) {
				r.Problems = append(r.Problems, re)
				continue
			}
			r.Rejects = append(r.Rejects, re)
		}
		return rows.Err()
	})
	if lianxin.ErrorCode(err) == lianxin.ENotFound {
		return r, lianxin.Errorf(lianxin.ENotFound, "import %d not found", id)
	}
	if err != nil {
		return r, fmt.Errorf("read import %d: %w", id, err)
	}
	return r, nil
}

// Imports lists the latest imports, newest first.
func (s *Store) Imports(ctx context.Context, scope lianxin.Scope, limit int) ([]ingest.Record, error) {
	out := []ingest.Record{}
	if _, err := s.ReapImports(ctx); err != nil {
		return nil, err
	}
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+importColumns+` FROM `+importFrom+`
WHERE `+importVisibleSQL+` ORDER BY i.id DESC LIMIT $1`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r ingest.Record
			if err := scanImport(rows, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return out, nil
}

const rejectsFileSQL = `SELECT ` + importColumns + `, f.personal, f.content FROM ` + importFrom + `
WHERE i.id = $1 AND f.import_id IS NOT NULL AND ` + importVisibleSQL

// ActionImportRejects is the audit log's action for a rejects file taken
// (GET /api/v1/imports/{id}/rejects): it holds the rows as uploaded, names
// and addresses included.
const ActionImportRejects = "import_rejects"

const rejectsAuditSQL = `INSERT INTO audit_log (actor, action, target, detail, rows, ip) VALUES ($1, $2, $3, $4, $5, $6)`

// ImportRejectsFile reads the rejects file kept with import id, if the
// scope may see the import and read its rows (ingest.MayReadRejects), and
// writes a line of the audit log in the same transaction: no one takes the
// file without leaving one.
func (s *Store) ImportRejectsFile(ctx context.Context, scope lianxin.Scope, id int64, ip string) (ingest.Record, ingest.RejectsFile, error) {
	var r ingest.Record
	var f ingest.RejectsFile
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		var personal bool
		var content []byte
		row := tx.QueryRow(ctx, rejectsFileSQL, id)
		if err := scanImport(scanExtra{row, []any{&personal, &content}}, &r); err != nil {
			return err
		}
		f = *r.RejectsFile
		f.Personal, f.Content = personal, content
		if err := ingest.MayReadRejects(scope, r, f); err != nil {
			return err
		}
		detail, err := json.Marshal(map[string]any{"import_id": id, "file_name": f.Name, "format": f.Format,
			"complete": f.Complete, "personal": f.Personal})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, rejectsAuditSQL, scope.User, ActionImportRejects, r.Layer, detail, f.Rows, ip)
		return err
	})
	if lianxin.ErrorCode(err) == lianxin.ENotFound {
		return r, f, lianxin.Errorf(lianxin.ENotFound, "import %d has no rejects file (or is not found)", id)
	}
	if err != nil {
		return r, f, fmt.Errorf("read rejects file of import %d: %w", id, err)
	}
	return r, f, nil
}

// scanExtra scans more columns, after scanImport's.
type scanExtra struct {
	row   pgx.Row
	extra []any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// ActionPruneRejects is the audit log's action for a prune of kept rejects
// files (`lianxin imports prune`).
const ActionPruneRejects = "imports_prune"

// pruneRejectsSQL deletes the rejects files of imports that finished
// before $1; their records, counts and first rejects (import_rejects) stay.
// A running import has no file yet and no finished_at.
const pruneRejectsSQL = `DELETE FROM import_rejects_files f USING imports i
WHERE f.import_id = i.id AND i.finished_at < $1
RETURNING f.import_id, octet_length(f.content)`

// PruneRejectsFiles deletes the rejects files kept with the imports that
// finished before cutoff (with dryRun, only counts them) and returns their
// import ids, oldest first, and their bytes. A prune writes a line of the
// audit log in its own transaction, naming actor, the cutoff and what went:
// the files hold rows as uploaded, names and addresses included. It needs
// DELETE on import_rejects_files, which only the tables' owner (the
// migrations' user) holds: the server's role cannot prune.
func (s *Store) PruneRejectsFiles(ctx context.Context, actor string, cutoff time.Time, dryRun bool) (ids []int64, bytes int64, err error) {
	q := pruneRejectsSQL
	if dryRun {
		q = `SELECT f.import_id, octet_length(f.content) FROM import_rejects_files f JOIN imports i ON i.id = f.import_id
WHERE i.finished_at < $1`
	}
	err = s.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		ids, bytes = nil, 0
		rows, err := tx.Query(ctx, q, cutoff)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, n int64
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			ids, bytes = append(ids, id), bytes+n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		slices.Sort(ids)
		if dryRun {
			return nil
		}
		detail, err := json.Marshal(map[string]any{"finished_before": cutoff.UTC().Format(time.RFC3339), "import_ids": ids, "bytes": bytes})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, rejectsAuditSQL, actor, ActionPruneRejects, "import_rejects_files", detail, int64(len(ids)), "")
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("prune rejects files finished before %s: %w", cutoff.Format(time.RFC3339), translate(err))
	}
	return ids, bytes, nil
}
