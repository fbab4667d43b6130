package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
)

// Import records live outside the import's own transaction: a record says
// "running" while the data transaction runs, and how it ended afterwards,
// even when the data was rolled back.

const startImportSQL = `INSERT INTO imports (layer, source, started_by, file_name, options, status)
VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id`

// StartImport records an import as running.
func (s *Store) StartImport(ctx context.Context, scope lianxin.Scope, rec ingest.Record) (int64, error) {
	opts, err := json.Marshal(rec.Options)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.InScope(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, startImportSQL, rec.Layer, rec.Source, rec.StartedBy, rec.FileName, opts).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("start import record: %w", err)
	}
	return id, nil
}

const finishImportSQL = `UPDATE imports SET status = $2, finished_at = now(), inserted = $3, updated = $4,
  unchanged = $5, rejected = $6, message = $7
WHERE id = $1`

const insertRejectsSQL = `INSERT INTO import_rejects (import_id, ordinal, line, field, reason)
SELECT $1, ord, line, field, reason
FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS r(line, field, reason, ord)`

// FinishImport records how an import ended and its first rejects.
func (s *Store) FinishImport(ctx context.Context, scope lianxin.Scope, rec ingest.Record) error {
	lines := make([]int64, len(rec.Rejects))
	fields := make([]string, len(rec.Rejects))
	reasons := make([]string, len(rec.Rejects))
	for i, r := range rec.Rejects {
		lines[i], fields[i], reasons[i] = r.Line, r.Field, r.Reason
	}
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, finishImportSQL, rec.ID, rec.Status, rec.Inserted, rec.Updated, rec.Unchanged, rec.Rejected, rec.Message)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return lianxin.Errorf(lianxin.ENotFound, "import %d not found", rec.ID)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_rejects WHERE import_id = $1`, rec.ID); err != nil {
			return err
		}
		if len(lines) > 0 {
			if _, err := tx.Exec(ctx, insertRejectsSQL, rec.ID, lines, fields, reasons); err != nil {
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

const importColumns = `id, layer, source, started_by, file_name, started_at, finished_at, status, options,
  inserted, updated, unchanged, rejected, message`

func scanImport(row pgx.Row, r *ingest.Record) error {
	var opts []byte
	var finished *time.Time
	if err := row.Scan(&r.ID, &r.Layer, &r.Source, &r.StartedBy, &r.FileName, &r.StartedAt, &finished, &r.Status, &opts,
		&r.Inserted, &r.Updated, &r.Unchanged, &r.Rejected, &r.Message); err != nil {
		return err
	}
	r.FinishedAt = finished
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
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		if err := scanImport(tx.QueryRow(ctx, `SELECT `+importColumns+` FROM imports WHERE id = $1`, id), &r); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT line, field, reason FROM import_rejects WHERE import_id = $1 ORDER BY ordinal`, id)
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
			if err := rows.Scan(&re.Line, &re.Field, &re.Reason); err != nil {
				return err
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
	err := s.ReadInScope(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+importColumns+` FROM imports ORDER BY id DESC LIMIT $1`, limit)
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
