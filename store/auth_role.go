package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the database role the server runs as (created by migration 004):
// it owns no table, cannot bypass row-level security and writes only where
// the server must.
const AppRole = "lianxin_app"

// asRole makes the pool log in as role instead of the URL's user. Logging in
// as the role, rather than SET ROLE from the owner, matters: a SET ROLE can
// be undone by RESET ROLE in the same session, a login cannot. Each new
// connection checks it is who it should be and no more.
func asRole(cfg *pgxpool.Config, role, password string) {
	cfg.ConnConfig.User = role
	cfg.ConnConfig.Password = password
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		var user string
		var super, bypass bool
		err := conn.QueryRow(ctx, `SELECT session_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = session_user`).
			Scan(&user, &super, &bypass)
		if err != nil {
			return fmt.Errorf("check database role %s: %w", role, err)
		}
		if user != role || super || bypass {
			return errors.New("database role " + role + " is a superuser or bypasses row-level security: refusing to serve through it")
		}
		return nil
	}
}

// ownerConn returns a connection acting as the URL's own user, for
// migrations. On a store with a Role it is a separate connection, outside the
// pool (whose role may not exist before the first migration creates it),
// closed afterwards.
func (s *Store) ownerConn(ctx context.Context) (*pgx.Conn, func(), error) {
	if s.role == "" {
		pc, err := s.pool.Acquire(ctx)
		if err != nil {
			return nil, nil, unavailable(err)
		}
		return pc.Conn(), pc.Release, nil
	}
	conn, err := pgx.ConnectConfig(ctx, s.owner.Copy())
	if err != nil {
		return nil, nil, unavailable(err)
	}
	return conn, func() { conn.Close(context.WithoutCancel(ctx)) }, nil
}
