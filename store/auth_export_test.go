package store

import "context"

// RawTownsSeen runs a query on a pooled connection outside any scoped
// transaction, as code that forgot its scope would: what it sees is what a
// previous request left behind.
func (s *Store) RawTownsSeen(ctx context.Context) (households int64, towns string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM households), coalesce(current_setting('lianxin.towns', true), '')`).
		Scan(&households, &towns)
	return households, towns, err
}
