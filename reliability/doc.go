// Package reliability holds lianxin's end-to-end fault tests: the server
// under a database that stops, crashes, restarts and loses its connections
// (an import crashed mid-way leaves nothing and lands exactly once when run
// again), and under clients that send their requests too slowly. It is a
// package of its own because the database tests run their own PostgreSQL
// cluster (scripts/db.sh with LIANXIN_PGDATA), which they stop and start
// without disturbing the cluster every other test shares; the slow-client
// tests use that shared cluster and a real socket on 127.0.0.1.
package reliability
