package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"lianxin"
	"lianxin/ingest"
)

// BenchUpdateHouseholds stages the first n households with one more
// resident each and runs the households UPDATE over them, audited
// (updateAudited, as imports do) or plain (the UPDATE alone, as before the
// import_changed line), then rolls it all back: the two measured in turn.
func (s *Store) BenchUpdateHouseholds(ctx context.Context, audited bool, n int) (int64, error) {
	layer, err := ingest.LookupLayer("households")
	if err != nil {
		return 0, err
	}
	spec := ingestSpecs["households"]
	var changed int64
	errDone := errors.New("rolled back")
	err = s.InScope(ctx, lianxin.SystemScope(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, stagingDDL(layer)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO _ingest (line, external_id, village_code, residents, geom, cell)
			SELECT row_number() OVER (ORDER BY h.id), h.external_id, v.code, h.residents + 1, h.location, h.cell
			FROM households h JOIN villages v ON v.id = h.village_id ORDER BY h.id LIMIT $1`, n); err != nil {
			return fmt.Errorf("stage: %w", err)
		}
		if audited {
			changed, err = updateAudited(ctx, tx, ingest.Plan{Layer: layer}, "bench", spec.update)
		} else {
			tag, xerr := tx.Exec(ctx, spec.update)
			changed, err = tag.RowsAffected(), xerr
		}
		if err != nil {
			return err
		}
		return errDone
	})
	if !errors.Is(err, errDone) {
		return 0, err
	}
	return changed, nil
}
