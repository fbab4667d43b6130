#!/usr/bin/env bash
# Layer exports: GeoJSON and GeoPackage of every household, downloaded with
# curl from `lianxin serve` (GET /api/v1/export/households), beside ogr2ogr
# exporting the same rows straight from PostGIS (PG: connection) in the same
# run, with the server's peak RSS (/usr/bin/time -f %M, one server per
# format so each peak is that format's).
#
# The server needs accounts (a gis user with the household_points grant and
# an API token), so it serves its own copy of the scale-1 county: a clone of
# database `lianxin` when nobody is connected to it, else a fresh demo load.
# Scale 10 runs too when a database lxbench_s10 exists (it is not built here).
set -euo pipefail
admin=$BENCH_ADMIN_URL
base=${admin%/*}
port=18282
tmp=$(mktemp -d)
db=lxbench_export
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$tmp"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The same rows lianxin exports (store/export.go, households).
households_sql="SELECT h.id, h.external_id, v.code AS village_code, t.code AS town_code, h.residents,
 h.poor, h.seriously_ill, h.disabled, h.empty_nest, h.left_behind_children, h.community_correction,
 h.petition_case, h.location
 FROM households h JOIN villages v ON v.id = h.village_id JOIN towns t ON t.id = h.town_id"

pg_conn() { # database name -> GDAL PG: string
  local u=${base#postgres://}
  local hostport=${u#*@}
  local user=${u%%@*}
  echo "PG:host=${hostport%%:*} port=${hostport##*:} user=$user dbname=$1"
}

prepare() { # source database -> $db ready to serve, token in $tmp/token
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  if ! psql -q "$admin" -c "CREATE DATABASE $db TEMPLATE $1" 2>/dev/null; then
    echo "   ($1 is in use: loading a fresh scale-1 demo county instead)" >&2
    psql -q "$admin" -c "CREATE DATABASE $db"
    lianxin demo --database-url "$base/$db?sslmode=disable" --seed 1 --scale 1 --log-level warn >/dev/null
  fi
  local url="$base/$db?sslmode=disable"
  lianxin migrate --database-url "$url" --log-level warn >/dev/null
  lianxin user add benchgis --role gis --database-url "$url" --log-level warn </dev/null >/dev/null
  lianxin user grant benchgis household_points --database-url "$url" --log-level warn >/dev/null
  lianxin user token benchgis --database-url "$url" --log-level warn | grep -o 'lx_[A-Za-z0-9_-]*' | head -1 >"$tmp/token"
}

serve_and_get() { # format -> seconds of the download; peak RSS (kB) in $tmp/rss
  local format=$1 url="$base/$db?sslmode=disable"
  /usr/bin/time -f %M -o "$tmp/rss" lianxin serve --addr 127.0.0.1:$port --database-url "$url" \
    --migrate=false --log-level warn 2>"$tmp/server.log" &
  server_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local t
  t=$(curl -sf -o "$tmp/out.$format" -w '%{time_total}' -H "Authorization: Bearer $(cat "$tmp/token")" \
    "http://127.0.0.1:$port/api/v1/export/households?format=$format")
  # GNU time ignores SIGINT while it waits: signal the server itself.
  kill -INT "$(pgrep -P "$server_pid")"; wait "$server_pid" 2>/dev/null || true
  server_pid=
  echo "$t"
}

ogr_time() { # driver ext source-db -> seconds
  local start end
  rm -f "$tmp/ogr.$2"
  start=$(date +%s.%N)
  ogr2ogr -f "$1" "$tmp/ogr.$2" "$(pg_conn "$3")" -sql "$households_sql" -nln households 2>/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

rows_md=""
loads=""
run_scale() { # label source-db
  local label=$1 src=$2 n
  # Other work on the machine shows in every figure here: keep the load.
  loads+="${loads:+; }$label: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "   $label: preparing $db from $src" >&2
  prepare "$src"
  n=$(psql -qAt "$base/$db?sslmode=disable" -c "SELECT count(*) FROM households")
  local gj_t gj_rss gp_t gp_rss ogj ogp gj_n gp_n
  gj_t=$(serve_and_get geojson); gj_rss=$(( $(cat "$tmp/rss") / 1024 ))
  gj_n=$(ogrinfo -ro -so -al "$tmp/out.geojson" | sed -n 's/^Feature Count: //p')
  gp_t=$(serve_and_get gpkg); gp_rss=$(( $(cat "$tmp/rss") / 1024 ))
  gp_n=$(ogrinfo -ro -so -al "$tmp/out.gpkg" | sed -n 's/^Feature Count: //p')
  ogj=$(ogr_time GeoJSON geojson "$db")
  ogp=$(ogr_time GPKG gpkg "$db")
  rows_md+="| $label | GeoJSON | $n | $gj_n | ${gj_t}s | $(printf '%.2f' "$ogj")s | $(echo "scale=2; $ogj / $gj_t" | bc) | $gj_rss MB |
| $label | GeoPackage | $n | $gp_n | ${gp_t}s | $(printf '%.2f' "$ogp")s | $(echo "scale=2; $ogp / $gp_t" | bc) | $gp_rss MB |
"
}

run_scale "scale 1" lianxin
if psql -qAt "$admin" -c "SELECT 1 FROM pg_database WHERE datname = 'lxbench_s10'" | grep -q 1; then
  run_scale "scale 10" lxbench_s10
fi

cat >"$BENCH_OUT" <<MD
## Layer exports (households)

\`GET /api/v1/export/households?format=geojson|gpkg\` downloaded with curl from \`lianxin serve\` on
loopback, beside \`ogr2ogr\` writing the same rows (same columns, no personal field) straight from PostGIS
through its PG driver in the same run. GeoJSON is written by lianxin's own streaming writer; the
GeoPackage by ogr2ogr reading lianxin's CSV stream on stdin, then sent to the client. Peak RSS is the
whole server process (\`/usr/bin/time -f %M\`), started fresh for each format.
Goal: no slower than ogr2ogr (ratio ≥ 1), server RSS under 100 MB.

| county | format | households | features in the file (ogrinfo) | lianxin download | ogr2ogr from PostGIS | ogr2ogr ÷ lianxin | server peak RSS |
|---|---|---|---|---|---|---|---|
$rows_md
Load average (1, 5, 15 min) when each county's run began: $loads (2 cores; above ~2 the figures
include other work's share of the CPU).
MD
cat "$BENCH_OUT" >&2
