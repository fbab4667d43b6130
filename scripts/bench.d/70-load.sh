#!/usr/bin/env bash
# Load (issue 9): a viewport mix — the tiles a map of the county asks for at
# z10–z16 (villages, hexagons, contact points, households) plus report calls —
# against `lianxin serve` on loopback with wrk at 8, 32 and 128 connections,
# LOAD_SECONDS each (default 20): throughput, error rate, p50/p95/p99, and
# whether PostgreSQL ever refused a connection ("too many clients").
# Serves a copy of the scale-1 `lianxin` database (LOAD_SOURCE_DB to change).
set -euo pipefail
admin=$BENCH_ADMIN_URL
src=${LOAD_SOURCE_DB:-lianxin}
db=lxbench_load
url=${admin%/*}/$db?sslmode=disable
addr=127.0.0.1:18383
secs=${LOAD_SECONDS:-20}
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT

psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
psql -q "$admin" -c "CREATE DATABASE $db TEMPLATE $src"
lianxin migrate --database-url "$url" --log-level warn >/dev/null
lianxin user add loadbench --role gis --database-url "$url" --log-level warn >/dev/null
lianxin user grant loadbench household_points --database-url "$url" --log-level warn >/dev/null
token=$(lianxin user token loadbench --database-url "$url" --log-level warn | grep -o 'lx_[A-Za-z0-9_-]*' | head -1)
max_conns=$(psql -qAt "$admin" -c "SHOW max_connections")
lianxin serve --database-url "$url" --addr "$addr" --log-level error >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://$addr/readyz" >/dev/null && break; sleep 0.2; done

# A viewport: the tiles over a 1200×800 px map centred on a town seat at each
# zoom, for the layers the web map shows there, plus the reports a team
# leader opens.
psql -qAt -F' ' "$url" -c "SELECT t.code, ST_X(base), ST_Y(base) FROM teams m JOIN towns t ON t.id = m.town_id ORDER BY m.code" >"$work/seats"
python3 - "$work/seats" >"$work/paths" <<'PY'
import math, sys
def tile(lon, lat, z):
    n = 2 ** z
    return ((lon + 180) / 360 * n, (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
layers = {10: ["villages", "h3"], 11: ["villages", "h3"], 12: ["villages", "h3", "contact_points"], 13: ["villages", "h3", "contact_points"],
          14: ["households", "villages"], 15: ["households", "villages"], 16: ["households", "contact_points"]}
for line in open(sys.argv[1]):
    code, lon, lat = line.split()
    lon, lat = float(lon), float(lat)
    for z, ls in layers.items():
        cx, cy = tile(lon, lat, z)
        for x in range(int(cx - 2), int(cx + 3)):
            for y in range(int(cy - 1.5), int(cy + 2.5)):
                for l in ls:
                    print(f"/tiles/{l}/{z}/{x}/{y}.mvt")
    team = "D%02d" % (int(code[-2:]))
    print(f"/api/v1/reports/gaps?town={code}")
    print(f"/api/v1/reports/next?team={team}&n=8")
    print(f"/api/v1/reports/summary?town={code}")
PY
cat >"$work/mix.lua" <<'LUA'
local paths, i = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Accept-Encoding"] = "gzip"
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f %.2f\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
LUA
# Warm the cache once over the whole mix, as a day of use would.
wrk -t2 -c8 -d"$((secs / 2))s" --timeout 30s -s "$work/mix.lua" "http://$addr" -- "$work/paths" "$token" >/dev/null
rows=""
for c in 8 32 128; do
  out=$(wrk -t2 -c"$c" -d"${secs}s" --timeout 30s -s "$work/mix.lua" "http://$addr" -- "$work/paths" "$token")
  read -r _ n errs rps p50 p95 p99 < <(grep '^RESULT' <<<"$out")
  rows+="| $c | $n | $rps | $errs ($(awk -v e="$errs" -v n="$n" 'BEGIN{printf "%.3f", (n ? 100*e/n : 0)}')%) | $p50 | $p95 | $p99 |"$'\n'
done
too_many=$(grep -c "too many clients" "$work/server.log" || true)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
cat >"$BENCH_OUT" <<MD
## Load: a viewport mix (scale 1)

\`scripts/bench.d/70-load.sh\`: \`lianxin serve\` on a copy of the scale-1 county, signed in with a
bearer token; wrk on loopback cycling through $(wc -l <"$work/paths") URLs — for each of the 16 town seats,
the tiles a 1200×800 map shows at z10–z16 (villages and hexagons at z10–z13, contact points from z12,
households from z14) and the gap, next-villages and summary reports. The cache is warmed by one pass
first; then ${secs} s at each connection count. Latencies in ms. Pool: the server's default; PostgreSQL
max_connections $max_conns.

| connections | requests | requests/s | errors (non-2xx, socket) | p50 | p95 | p99 |
|---|---|---|---|---|---|---|
${rows}
The warm-up pass reaches only part of the mix, so most requests here build their tile: these are the
figures of a largely cold cache, dominated by the hexagon aggregates of the coverage engine (warm tiles
alone are in the tiles section). "too many clients" in the server's log: $too_many. The pool never opens more than its size, so the database
refuses nothing; requests beyond it wait in the pool within their deadline.
MD
