// Package reliability holds lianxin's end-to-end fault tests: the server
// under a database that stops, restarts and loses its connections. It is a
// package of its own because these tests run their own PostgreSQL cluster
// (scripts/db.sh with LIANXIN_PGDATA), which they stop and start without
// disturbing the cluster every other test shares.
package reliability
