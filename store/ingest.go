package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"lianxin"
	"lianxin/ingest"
)

// The import path: rows stream from the ingest package through binary COPY
// into a temporary staging table, set-based checks find the rows to reject
// (geometry validity, references, duplicates in the file and against the
// database, and for a town-scoped importer rows of other towns:
// ingest_towns.go), and one upsert per target table writes the rest — all in one
// transaction, so a file lands whole or not at all. SQL per layer lives in
// ingest_sql.go.

// stagingTable is the session-local table an import copies into; it is
// dropped when the transaction ends.
const stagingTable = "_ingest"

var stagingTypes = map[ingest.Type]string{
	ingest.Text: "text", ingest.Int: "bigint", ingest.Bool: "boolean",
	ingest.Date: "date", ingest.Timestamp: "timestamptz",
}

// stagingDDL creates the staging table of a layer: the line, one column per
// field (named as the field, typed by it), the geometry and its H3 cell.
func stagingDDL(l *ingest.Layer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TEMP TABLE %s (line bigint NOT NULL", stagingTable)
	for _, f := range l.Fields {
		fmt.Fprintf(&b, ", %s %s", pgx.Identifier{f.Name}.Sanitize(), stagingTypes[f.Type])
	}
	if l.Geom != ingest.NoGeom {
		b.WriteString(", geom geometry(Geometry, 4326), cell bigint")
	}
	b.WriteString(") ON COMMIT DROP")
	return b.String()
}

// stagingColumns lists the staging table's columns in COPY order.
func stagingColumns(l *ingest.Layer) []string {
	cols := []string{"line"}
	for _, f := range l.Fields {
		cols = append(cols, f.Name)
	}
	if l.Geom != ingest.NoGeom {
		cols = append(cols, "geom", "cell")
	}
	return cols
}

// ingestCheck is one set-based check: a query of the rows it rejects as
// (line, field, reason, params) — the field, the English reason, and the
// code's parameters as a jsonb object (or NULL) — and the code
// (ingest.Codes) each of its rejects carries. The reasons are the ones
// users and tests have always read; the code and parameters are what the
// rejects are worded from in other languages, handed over as data so that
// rewording a reason changes nothing else.
type ingestCheck struct{ code, sql string }

// duplicateCheck finds rows whose value of column repeats an earlier row's
// in the file. column comes from a layer definition, never input; $1 is
// how the file counts rows ("line", or "feature" for GeoJSON and the
// formats GDAL reads).
func duplicateCheck(column string) ingestCheck {
	c := pgx.Identifier{column}.Sanitize()
	return ingestCheck{ingest.CodeDuplicateInFile, fmt.Sprintf(`SELECT line, '%[2]s', 'duplicate %[2]s ' || %[1]s || ': first on ' || $1::text || ' ' || first,
  jsonb_build_object('column', '%[2]s', 'value', %[1]s, 'first_line', first)
FROM (SELECT line, %[1]s, min(line) OVER (PARTITION BY %[1]s) AS first FROM _ingest WHERE %[1]s IS NOT NULL) d
WHERE line <> first`, c, column)}
}

// referenceCheck finds rows naming a code that table.column lacks.
func referenceCheck(field, table, column string) ingestCheck {
	f := pgx.Identifier{field}.Sanitize()
	return ingestCheck{ingest.CodeUnknownRef, fmt.Sprintf(`SELECT s.line, '%[4]s', 'unknown %[4]s ' || s.%[1]s || ' (no such row in %[5]s)',
  jsonb_build_object('column', '%[4]s', 'value', s.%[1]s, 'table', '%[5]s')
FROM _ingest s WHERE s.%[1]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[2]s r WHERE r.%[3]s = s.%[1]s)`,
		f, pgx.Identifier{table}.Sanitize(), pgx.Identifier{column}.Sanitize(), field, table)}
}

// geometryCheck rejects invalid geometry with PostGIS's reason.
var geometryCheck = ingestCheck{ingest.CodeInvalidGeometry, `SELECT line, 'geometry', 'invalid geometry: ' || ST_IsValidReason(geom),
  jsonb_build_object('reason', ST_IsValidReason(geom))
FROM _ingest WHERE geom IS NOT NULL AND NOT ST_IsValid(geom)`}

// errRollback ends the import's transaction without an error for the
// caller: a dry run, or rejects without SkipInvalid.
var errRollback = errors.New("import rolled back")

// Ingest implements ingest.Store: COPY into staging, checks, upsert.
func (s *Store) Ingest(ctx context.Context, scope lianxin.Scope, plan ingest.Plan, rows ingest.Rows) (ingest.StoreResult, error) {
	var res ingest.StoreResult
	spec, ok := ingestSpecs[plan.Layer.Name]
	if !ok {
		return res, fmt.Errorf("import %s: no SQL for this layer", plan.Layer.Name)
	}
	err := s.InScope(ctx, scope, func(tx pgx.Tx) error {
		// Imports take as long as the file does; the session's statement
		// timeout is for queries.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		// The checks sort the whole file by its key: in memory, not in
		// temporary files (a million households need about 100 MB).
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
			return err
		}
		// An import reported as landed must survive a crash of the database
		// a moment later, even on a server that trades that guarantee away
		// for its other writes (synchronous_commit = off).
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
			return err
		}
		// One import per layer at a time: the update-then-insert of big
		// layers needs no other import adding the same keys in between.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('lianxin.ingest'), hashtext($1))`, plan.Layer.Name); err != nil {
			return fmt.Errorf("wait for other %s imports: %w", plan.Layer.Name, err)
		}
		if _, err := tx.Exec(ctx, stagingDDL(plan.Layer)); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		src := newStagingSource(rows, plan.Layer)
		copied, err := tx.CopyFrom(ctx, pgx.Identifier{stagingTable}, stagingColumns(plan.Layer), src)
		src.close()
		if err != nil {
			if rerr := rows.Err(); rerr != nil {
				return rerr
			}
			if src.err != nil {
				return src.err
			}
			return fmt.Errorf("copy %s into staging: %w", plan.Layer.Name, err)
		}
		// Personal fields are written only with the grant to read them
		// (row-level security would refuse the rows anyway, but as an
		// internal error in the middle of the upsert).
		if rows.Personal() && spec.personal != "" && !scope.PersonalFields {
			return lianxin.Errorf(lianxin.EForbidden, "this %s file has personal columns (head_name, phone, id_number: 户主, 电话, 身份证号), "+
				"and writing them needs the personal_fields grant (with household_points): remove those columns, or ask an admin for the grants; nothing was imported",
				plan.Layer.Name)
		}
		if _, err := tx.Exec(ctx, `ANALYZE _ingest`); err != nil {
			return fmt.Errorf("analyze staging: %w", err)
		}
		if plan.MakeValid && spec.makeValid != "" {
			if _, err := tx.Exec(ctx, spec.makeValid); err != nil {
				return fmt.Errorf("make geometry valid: %w", err)
			}
		}
		// A column the file lacks keeps the stored value (ingest_columns.go).
		if q := keepStoredSQL(plan.Layer.Name, rows.Carried(), rows.Personal()); q != "" {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("keep stored values of columns the file lacks: %w", err)
			}
		}
		if spec.lock != "" {
			if _, err := tx.Exec(ctx, spec.lock); err != nil {
				return fmt.Errorf("lock the %s rows the file changes: %w", plan.Layer.Name, err)
			}
		}
		rejected, err := s.ingestChecks(ctx, tx, plan, spec, !scope.AllTowns)
		if err != nil {
			return err
		}
		res.Rejected = int64(len(rejected))
		anyRejected := len(rejected) > 0 || rows.Rejected() > 0
		if anyRejected && !plan.SkipInvalid && !plan.DryRun {
			return errRollback
		}
		if len(rejected) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM _ingest WHERE line = ANY($1)`, rejected); err != nil {
				return fmt.Errorf("drop rejected rows: %w", err)
			}
		}
		staged := copied - int64(len(rejected))
		if err := auditImportCorrections(ctx, tx, scope, plan); err != nil {
			return err
		}
		if err := upsert(ctx, tx, plan, scope.User, spec, &res); err != nil {
			if outsideScope(err, scope) {
				return lianxin.Errorf(lianxin.EForbidden, "the file has %s rows in towns outside yours (by their place, or by a code "+
					"or id that another town's row holds), "+
					"and you may import only your own towns' rows: remove those rows, or ask an admin to import the file; nothing was imported",
					plan.Layer.Name)
			}
			return fmt.Errorf("upsert %s: %w", plan.Layer.Name, err)
		}
		if rows.Personal() && spec.personal != "" {
			var personalOnly int64
			if err := tx.QueryRow(ctx, spec.personal).Scan(&personalOnly); err != nil {
				if outsideScope(err, scope) {
					return lianxin.Errorf(lianxin.EForbidden, "the file has households in towns outside yours, "+
						"and you may import only your own towns' rows: remove those rows, or ask an admin to import the file; nothing was imported")
				}
				return fmt.Errorf("upsert personal fields: %w", err)
			}
			res.Updated += personalOnly
		}
		res.Unchanged = staged - res.Inserted - res.Updated
		if plan.DryRun || (anyRejected && !plan.SkipInvalid) {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("import %s: %w", plan.Layer.Name, err)
	}
	res.Committed = true
	return res, nil
}

// outsideScope reports a town-scoped caller's write refused for rows of
// towns outside the scope: by row-level security (42501), or by a unique
// key a row the caller cannot see already holds (23505; the file's own
// duplicates were rejected before the write). The town checks
// (ingest_towns.go) reject such rows one by one before the write; this is
// the safety net for a case they miss.
func outsideScope(err error, scope lianxin.Scope) bool {
	var pgErr *pgconn.PgError
	return !scope.AllTowns && errors.As(err, &pgErr) && (pgErr.Code == "42501" || pgErr.Code == "23505")
}

// upsert writes the staged rows into the layer's table and counts the rows
// inserted and updated; the rows an UPDATE changed are audited by id
// (ingest_changes.go).
func upsert(ctx context.Context, tx pgx.Tx, plan ingest.Plan, user string, spec ingestSpec, res *ingest.StoreResult) error {
	if spec.update == "" {
		var err error
		res.Inserted, res.Updated, err = upsertAudited(ctx, tx, plan, user, spec.upsert)
		return err
	}
	updated, err := updateAudited(ctx, tx, plan, user, spec.update)
	if err != nil {
		return err
	}
	res.Updated = updated
	tag, err := tx.Exec(ctx, spec.insert)
	if err != nil {
		return err
	}
	res.Inserted = tag.RowsAffected()
	return nil
}

// ingestChecks runs the layer's set-based checks as one query, reports
// every fault of each rejected line and returns the lines, once each. townScoped
// adds the town checks (ingest_towns.go) for an importer held to some
// towns.
func (s *Store) ingestChecks(ctx context.Context, tx pgx.Tx, plan ingest.Plan, spec ingestSpec, townScoped bool) ([]int64, error) {
	var towns []ingestCheck
	if townScoped {
		towns = townChecks[plan.Layer.Name]
	}
	if plan.AllowRenames {
		spec.checks = slices.DeleteFunc(slices.Clone(spec.checks), func(c ingestCheck) bool { return c.code == ingest.CodeOtherName })
	}
	if plan.Correct {
		spec.checks = slices.DeleteFunc(slices.Clone(spec.checks), func(c ingestCheck) bool { return c.code == ingest.CodeIDTaken })
	}
	q := checksSQL(plan.Layer, spec, towns)
	if q == "" {
		return nil, nil
	}
	rs, err := tx.Query(ctx, q, cmp.Or(plan.Unit, "line"))
	if err != nil {
		return nil, fmt.Errorf("check %s rows: %w", plan.Layer.Name, err)
	}
	defer rs.Close()
	var lines []int64
	for rs.Next() {
		var e ingest.RowError
		var params []byte
		if err := rs.Scan(&e.Line, &e.Field, &e.Reason, &e.Code, &params); err != nil {
			return nil, err
		}
		if e.Params, err = rejectParams(params); err != nil {
			return nil, fmt.Errorf("check %s rows: line %d: %w", plan.Layer.Name, e.Line, err)
		}
		if len(lines) == 0 || lines[len(lines)-1] != e.Line {
			lines = append(lines, e.Line) // the rows come ordered by line
		}
		if plan.Reject != nil {
			plan.Reject(e)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("check %s rows: %w", plan.Layer.Name, err)
	}
	return lines, nil
}

// checksSQL unions a layer's checks: duplicates of the key, references,
// geometry validity, then the layer's own; every fault of a row is
// reported. The town checks, if any, replace the others for a row they
// reject: another town's member is better named so than as an unknown one
// (the reference checks see only the importer's towns). Without them (a county-wide importer) the query is
// the plain union, as fast as it was before town checks existed. Each
// row comes back as (line, field, reason, code, params).
func checksSQL(l *ingest.Layer, spec ingestSpec, towns []ingestCheck) string {
	parts := layerChecks(l, spec)
	if len(towns) == 0 {
		return "SELECT line, field, reason, code, params FROM (\n" +
			unionChecks(parts) + "\n) c(line, field, reason, code, params) ORDER BY line, field, code"
	}
	// A row of another town is named so alone, once (its first town
	// check): the other checks' faults of it (an unknown member the
	// importer cannot see) are not faults.
	return "SELECT line, field, reason, code, params FROM (\n" +
		"SELECT *, min(rank) OVER (PARTITION BY line) AS best,\n" +
		"  row_number() OVER (PARTITION BY line, rank ORDER BY field, code) AS n FROM (\n" +
		"SELECT line, field, reason, code, params, 0 FROM (\n" + unionChecks(towns) + "\n) t(line, field, reason, code, params)\nUNION ALL\n" +
		"SELECT line, field, reason, code, params, 1 FROM (\n" + unionChecks(parts) + "\n) o(line, field, reason, code, params)" +
		"\n) c(line, field, reason, code, params, rank)) r WHERE rank = best AND (rank = 1 OR n = 1) ORDER BY line, rank, field, code"
}

// layerChecks are a layer's checks but the town checks.
func layerChecks(l *ingest.Layer, spec ingestSpec) []ingestCheck {
	parts := []ingestCheck{duplicateCheck(l.Key)}
	for _, c := range spec.uniqueInFile {
		parts = append(parts, duplicateCheck(c))
	}
	for _, r := range spec.refs {
		parts = append(parts, referenceCheck(r.field, r.table, r.column))
	}
	if l.Geom != ingest.NoGeom && l.Geom != ingest.PointGeom {
		parts = append(parts, geometryCheck)
	}
	return append(parts, spec.checks...)
}

// unionChecks unions checks, each row given its check's code. Codes are
// constants of the ingest package (lower case and underscores: a test
// checks), written into the SQL as literals (quoted all the same).
func unionChecks(checks []ingestCheck) string {
	parts := make([]string, len(checks))
	for i, c := range checks {
		code := "'" + strings.ReplaceAll(c.code, "'", "''") + "'"
		parts[i] = fmt.Sprintf("SELECT line, field, reason, %s::text, params::jsonb FROM (\n%s\n) k%d(line, field, reason, params)", code, c.sql, i)
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// rejectParams reads a check's params: numbers that are whole as int64
// (a first line is 10, not 10.000000), the rest as JSON decodes them; nil
// for NULL or no parameters.
func rejectParams(b []byte) (map[string]any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("reject params %s: %w", b, err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				m[k] = i
			} else if f, err := n.Float64(); err == nil {
				m[k] = f
			}
		}
	}
	return m, nil
}

// stagingSource adapts ingest.Rows to pgx.CopyFromSource, encoding each
// geometry as EWKB on the way. Taking rows from the stream (which reads and
// converts the file on goroutines of its own, ingest/pipeline.go) and
// building their values runs in a goroutine of its own, a batch of rows
// ahead of pgx's COPY encoder, so that decoding, encoding and the server's
// COPY share the machine's cores instead of taking turns.
type stagingSource struct {
	rows    ingest.Rows
	layer   *ingest.Layer
	batches chan [][]any
	stop    chan struct{} // closed by close: the reader gives up
	done    chan struct{} // closed by the reader when it has stopped
	cur     [][]any
	i       int
	// err is the reader's, written before it closes batches.
	err error
}

// stagingBatch rows travel together from the reader to the encoder.
const stagingBatch = 256

func newStagingSource(rows ingest.Rows, layer *ingest.Layer) *stagingSource {
	s := &stagingSource{rows: rows, layer: layer, batches: make(chan [][]any, 8),
		stop: make(chan struct{}), done: make(chan struct{})}
	go s.read()
	return s
}

func (s *stagingSource) read() {
	defer close(s.done)
	defer close(s.batches)
	batch := make([][]any, 0, stagingBatch)
	for s.rows.Next() {
		vals, err := s.values(s.rows.Row())
		if err != nil {
			s.err = err
			return
		}
		batch = append(batch, vals)
		if len(batch) == stagingBatch {
			select {
			case s.batches <- batch:
			case <-s.stop:
				return
			}
			batch = make([][]any, 0, stagingBatch)
		}
	}
	if len(batch) > 0 {
		select {
		case s.batches <- batch:
		case <-s.stop:
		}
	}
}

// close stops the reader (if COPY ended early) and waits for it, so that
// what the rows learned (errors, rejects) may be read safely afterwards.
func (s *stagingSource) close() {
	close(s.stop)
	<-s.done
}

func (s *stagingSource) values(r *ingest.Row) ([]any, error) {
	n := 1 + len(r.Values)
	if s.layer.Geom != ingest.NoGeom {
		n += 2
	}
	vals := make([]any, 0, n)
	vals = append(vals, r.Line)
	vals = append(vals, r.Values...)
	if s.layer.Geom != ingest.NoGeom {
		if r.Geom == nil {
			vals = append(vals, nil, nil)
		} else {
			b, err := encodeEWKBFast(r.Geom)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", r.Line, err)
			}
			vals = append(vals, b, r.Cell)
		}
	}
	return vals, nil
}

func (s *stagingSource) Next() bool {
	if s.i+1 < len(s.cur) {
		s.i++
		return true
	}
	b, ok := <-s.batches
	if !ok {
		return false
	}
	s.cur, s.i = b, 0
	return true
}

func (s *stagingSource) Values() ([]any, error) { return s.cur[s.i], nil }

// Err is called by pgx once Next has returned false: the reader is done.
func (s *stagingSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// encodeEWKBFast writes a point's EWKB directly (the common case, a million
// times per household register) and leaves other geometry to EncodeEWKB.
func encodeEWKBFast(g orb.Geometry) ([]byte, error) {
	p, ok := g.(orb.Point)
	if !ok {
		return EncodeEWKB(g)
	}
	b := make([]byte, 25)
	b[0] = 1                                         // little endian
	binary.LittleEndian.PutUint32(b[1:], 0x20000001) // point with SRID
	binary.LittleEndian.PutUint32(b[5:], SRID)       // 4326
	binary.LittleEndian.PutUint64(b[9:], math.Float64bits(p[0]))
	binary.LittleEndian.PutUint64(b[17:], math.Float64bits(p[1]))
	return b, nil
}
