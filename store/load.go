package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// copyTables whitelists the tables bulk loads may write, so a table name
// never comes from input.
var copyTables = map[string]bool{
	"campaign": true, "towns": true, "villages": true, "teams": true, "members": true,
	"households": true, "household_personal": true, "contact_points": true,
	"projects": true, "river_works": true, "visits": true,
}

// Loader writes rows in bulk inside one transaction: the demo generator and
// the importers share it, so a load lands whole or not at all.
type Loader struct {
	tx pgx.Tx
}

// Load runs fn in one transaction with a Loader. The transaction commits only
// if fn returns nil.
func (s *Store) Load(ctx context.Context, fn func(context.Context, *Loader) error) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// A bulk load of millions of rows outlasts the per-statement backstop
		// meant for requests; its own context still bounds it.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return fmt.Errorf("lift statement timeout: %w", err)
		}
		return fn(ctx, &Loader{tx: tx})
	})
	return translate(err)
}

// RowFunc returns the values of row i in column order. orb geometries are
// encoded as EWKB on the way.
type RowFunc func(i int) ([]any, error)

// Copy streams n rows into table through binary COPY.
func (l *Loader) Copy(ctx context.Context, table string, columns []string, n int, row RowFunc) (int64, error) {
	if !copyTables[table] {
		return 0, fmt.Errorf("copy into %q: not a loadable table", table)
	}
	i := 0
	var vals []any
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		v, err := row(i)
		if err != nil {
			return nil, fmt.Errorf("%s row %d: %w", table, i+1, err)
		}
		i++
		vals = vals[:0]
		for _, x := range v {
			if g, ok := x.(orb.Geometry); ok && g != nil {
				b, err := EncodeEWKB(g)
				if err != nil {
					return nil, fmt.Errorf("%s row %d: %w", table, i, err)
				}
				x = b
			}
			vals = append(vals, x)
		}
		return vals, nil
	})
	count, err := l.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return count, fmt.Errorf("copy into %s: %w", table, err)
	}
	return count, nil
}

// SyncSequences moves each table's id sequence past the largest id, after a
// load that chose its ids itself.
func (l *Loader) SyncSequences(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if !copyTables[t] {
			return fmt.Errorf("sync sequence of %q: not a loadable table", t)
		}
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT max(id) FROM %s), 1))`,
			t, pgx.Identifier{t}.Sanitize())
		if _, err := l.tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("sync sequence of %s: %w", t, err)
		}
	}
	return nil
}

// Exec runs one statement inside the load's transaction.
func (l *Loader) Exec(ctx context.Context, sql string, args ...any) error {
	if _, err := l.tx.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	return nil
}
