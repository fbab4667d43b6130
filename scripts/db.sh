#!/usr/bin/env bash
# Project-local PostgreSQL + PostGIS for `make run` and `make test`.
#
#   scripts/db.sh deps    install PostgreSQL, PostGIS, GDAL (and with
#                         WITH_BROWSER=1, Chromium) from the OS packages
#   scripts/db.sh start   initdb under .data/ on first use, then start it
#   scripts/db.sh stop    stop the cluster
#   scripts/db.sh url     print the admin connection URL
#
# With DATABASE_URL set, start and stop do nothing: that server is used as is.
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# `postgres` OS user; if that user cannot reach this checkout (a clone under
# /root, say), the cluster files live under /var/lib/lianxin and .data/pg
# links to them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
port=${LIANXIN_PGPORT:-54329}
# LIANXIN_PGDATA lets a test run a second, disposable cluster (the fault
# tests stop and start theirs) beside the one every other test shares.
data_dir=${LIANXIN_PGDATA:-$top/.data/pg}
log_file="$data_dir.log"

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  done
  return 1
}

as_db_owner() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

have_postgis() {
  local bin
  bin=$(pg_bin) || return 1
  local share
  share=$("$bin/pg_config" --sharedir 2>/dev/null) || return 1
  [ -f "$share/extension/postgis.control" ]
}

deps() {
  local want=()
  have_postgis || want+=(postgresql postgresql-contrib postgis)
  command -v ogr2ogr >/dev/null || want+=(gdal-bin)
  if [ "${WITH_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then want+=(chromium); fi
  if [ "${WITH_BENCH:-0}" = 1 ] && ! command -v wrk >/dev/null; then want+=(wrk); fi
  if [ ${#want[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing ${want[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${want[@]}" >/dev/null
  fi
}

url() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; return; fi
  echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

init_cluster() {
  local bin=$1
  mkdir -p "$(dirname "$data_dir")"
  if [ "$(id -u)" = 0 ]; then
    if ! (cd / && runuser -u postgres -- test -x "$(dirname "$data_dir")"); then
      local real="/var/lib/lianxin/$(echo "$data_dir" | md5sum | cut -c1-12)"
      mkdir -p "$real"
      ln -sfn "$real" "$data_dir"
      log_file="$real.log"
      # A checkout cloned again at the same path finds its cluster there.
      [ -f "$real/PG_VERSION" ] && return 0
    else
      mkdir -p "$data_dir"
    fi
    chown postgres:postgres "$(readlink -f "$data_dir")"
    touch "$log_file" && chown postgres:postgres "$log_file"
  else
    mkdir -p "$data_dir"
  fi
  as_db_owner "$bin/initdb" -D "$(readlink -f "$data_dir")" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$(readlink -f "$data_dir")/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
fsync = on
synchronous_commit = off
max_wal_size = 2GB
CONF
}

start() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  local bin
  bin=$(pg_bin) || { echo "PostgreSQL is not installed: run scripts/db.sh deps" >&2; exit 1; }
  [ -f "$(readlink -f "$data_dir" 2>/dev/null)/PG_VERSION" ] || init_cluster "$bin"
  [ -L "$data_dir" ] && log_file="$(readlink -f "$data_dir").log"
  # The server writes its log as the postgres user: a cluster made before
  # this log file existed (or restored by hand) needs it created for them.
  if [ "$(id -u)" = 0 ] && [ ! -f "$log_file" ]; then
    touch "$log_file" && chown postgres:postgres "$log_file"
  fi
  if as_db_owner "$bin/pg_ctl" -D "$(readlink -f "$data_dir")" status >/dev/null 2>&1; then
    return 0
  fi
  as_db_owner "$bin/pg_ctl" -D "$(readlink -f "$data_dir")" -l "$log_file" -w -t 60 start >/dev/null
  echo "PostgreSQL running on 127.0.0.1:$port (data in ${data_dir#$top/})" >&2
}

stop() {
  [ -n "${DATABASE_URL:-}" ] && return 0
  local bin
  bin=$(pg_bin) || return 0
  [ -f "$(readlink -f "$data_dir" 2>/dev/null)/PG_VERSION" ] || return 0
  as_db_owner "$bin/pg_ctl" -D "$(readlink -f "$data_dir")" -m fast stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  deps) deps ;;
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 deps|start|stop|url" >&2; exit 2 ;;
esac
