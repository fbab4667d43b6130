#!/usr/bin/env bash
# Load (issue 9): a viewport mix — the tiles a map of the county asks for at
# z10–z16 (villages, hexagons, contact points, households) plus report calls —
# against `lianxin serve` on loopback, at 8, 32 and 128 connections for
# BENCH_LOAD_SECONDS each (default 60): throughput, errors, p50/p95/p99 of
# warm tiles and of report calls (each measured by its own wrk), cold tiles
# (the priming pass), and whether PostgreSQL ever refused a connection.
#
# Serves a clone of the scale-10 county (BENCH_LOAD_SCALE=1: of the scale-1
# `lianxin`; LOAD_SOURCE_DB names any other), made with CREATE DATABASE …
# TEMPLATE once nobody is connected to the source, and dropped at the end.
# Shorter runs: BENCH_LOAD_SCALE=1 BENCH_LOAD_SECONDS=10.
set -euo pipefail
admin=$BENCH_ADMIN_URL
scale=${BENCH_LOAD_SCALE:-10}
case $scale in
  1) default_src=lianxin ;;
  10) default_src=lxbench_s10 ;;
  *) echo "BENCH_LOAD_SCALE=$scale: want 1 or 10" >&2; exit 2 ;;
esac
src=${LOAD_SOURCE_DB:-$default_src}
secs=${BENCH_LOAD_SECONDS:-${LOAD_SECONDS:-60}}
prime_conns=${BENCH_LOAD_PRIME_CONNS:-4}
cache_mb=${BENCH_LOAD_TILE_CACHE_MB:-512}
db=lxbench_load
url=${admin%/*}/$db?sslmode=disable
addr=127.0.0.1:18383
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The clone: CREATE DATABASE … TEMPLATE needs the source without sessions.
# Wait for them to end (never end them: the source belongs to everyone).
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
cloned=""
for _ in $(seq 90); do
  busy=$(psql -qAt "$admin" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$src'")
  if [ "$busy" = 0 ] && psql -q "$admin" -c "CREATE DATABASE $db TEMPLATE $src STRATEGY FILE_COPY" 2>/dev/null; then
    cloned=1
    break
  fi
  sleep 2
done
[ -n "$cloned" ] || { echo "70-load: $src stayed in use for 3 minutes; cannot clone it" >&2; exit 1; }
lianxin migrate --database-url "$url" --log-level warn >/dev/null
lianxin user add loadbench --role gis --database-url "$url" --log-level warn >/dev/null
lianxin user grant loadbench household_points --database-url "$url" --log-level warn >/dev/null
token=$(lianxin user token loadbench --database-url "$url" --log-level warn | grep -o 'lx_[A-Za-z0-9_-]*' | head -1)
max_conns=$(psql -qAt "$admin" -c "SHOW max_connections")
households=$(psql -qAt "$url" -c "SELECT count(*) FROM households")
lianxin serve --database-url "$url" --addr "$addr" --log-level error --migrate=false \
  --tile-cache-mb "$cache_mb" >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://$addr/readyz" >/dev/null && break; sleep 0.2; done
pool=$(curl -s "http://$addr/metrics" | awk '$1 == "lianxin_db_pool_max_connections" {print $2}')

# A viewport: the tiles over a 1200×800 px map centred on each town seat at
# each zoom, for the layers the web map shows there; and the reports a team
# leader opens.
psql -qAt -F' ' "$url" -c "SELECT t.code, ST_X(base), ST_Y(base) FROM teams m JOIN towns t ON t.id = m.town_id ORDER BY m.code" >"$work/seats"
python3 - "$work/seats" "$work/tiles" "$work/reports" <<'PY'
import math, sys
def tile(lon, lat, z):
    n = 2 ** z
    return ((lon + 180) / 360 * n, (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
layers = {10: ["villages", "h3"], 11: ["villages", "h3"], 12: ["villages", "h3", "contact_points"], 13: ["villages", "h3", "contact_points"],
          14: ["households", "villages"], 15: ["households", "villages"], 16: ["households", "contact_points"]}
with open(sys.argv[2], "w") as tiles, open(sys.argv[3], "w") as reports:
    for line in open(sys.argv[1]):
        code, lon, lat = line.split()
        lon, lat = float(lon), float(lat)
        for z, ls in layers.items():
            cx, cy = tile(lon, lat, z)
            for x in range(int(cx - 2), int(cx + 3)):
                for y in range(int(cy - 1.5), int(cy + 2.5)):
                    for l in ls:
                        print(f"/tiles/{l}/{z}/{x}/{y}.mvt", file=tiles)
        team = "D%02d" % (int(code[-2:]))
        print(f"/api/v1/reports/gaps?town={code}", file=reports)
        print(f"/api/v1/reports/next?team={team}&n=8", file=reports)
        print(f"/api/v1/reports/summary?town={code}", file=reports)
PY
n_tiles=$(wc -l <"$work/tiles")
n_reports=$(wc -l <"$work/reports")

# Prime the whole mix once, $prime_conns requests at a time, as a day of use
# would: every tile and report is built once here. These are the cold figures.
cat "$work/tiles" "$work/reports" | awk -v a="http://$addr" '{print "url = \"" a $0 "\"\noutput = /dev/null"}' >"$work/curl.cfg"
prime_start=$(date +%s.%N)
fetch() { # curl config → one line per request: status seconds bytes url
  curl -s --no-progress-meter -Z --parallel-max "$1" -K "$2" \
    -H "Authorization: Bearer $token" -H "Accept-Encoding: gzip" \
    -w '%{http_code} %{time_total} %{size_download} %{url_effective}\n' 2>/dev/null || true
}
fetch "$prime_conns" "$work/curl.cfg" >"$work/prime"
prime_secs=$(awk -v s="$prime_start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.0f", e - s}')
# A request that failed when first built (say, past its deadline while the
# others queued) is asked once more, alone, so the timed steps start warm.
awk '$1 !~ /^2/ {print "url = \"" $4 "\"\noutput = /dev/null"}' "$work/prime" >"$work/retry.cfg"
prime_failed=$(grep -c '^url' "$work/retry.cfg" || true)
prime_still_failed=0
if [ "$prime_failed" -gt 0 ]; then
  prime_still_failed=$(fetch 1 "$work/retry.cfg" | awk '$1 !~ /^2/' | wc -l)
fi
cold=$(python3 - "$work/prime" <<'PY'
import sys
from collections import defaultdict
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] * 1000 if v else 0
rows, errs, size = defaultdict(list), defaultdict(int), 0
for line in open(sys.argv[1]):
    code, secs, n, u = line.split()
    path = u.split("/", 3)[3]
    key = "reports" if path.startswith("api/") else "tiles: " + path.split("/")[1]
    rows[key].append(float(secs))
    if not code.startswith("2") and code != "304":
        errs[key] += 1
    if key != "reports":
        size += int(n)
for key in sorted(rows):
    v = rows[key]
    print(f"| {key} | {len(v)} | {errs[key]} | {pct(v, 50):.1f} | {pct(v, 95):.1f} | {pct(v, 99):.1f} |")
print(f"BYTES {size}")
PY
)
tile_bytes=$(awk '$1 == "BYTES" {print $2}' <<<"$cold")
cold=$(grep -v '^BYTES' <<<"$cold")

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
metric() { curl -s "http://$addr/metrics" | awk -v m="$1" '$1 == m {printf "%.0f", $2}'; }
pct_of() { awk -v e="$1" -v n="$2" 'BEGIN{printf "%.3f", (n ? 100*e/n : 0)}'; }
# Each step runs two wrk at once over the same server: one cycling through
# the tiles, one through the reports (a sixteenth of the connections, at
# least one), so each class has its own latency distribution.
rows=""
verdict=""
for c in 8 32 128; do
  rc=$((c / 16 > 0 ? c / 16 : 1))
  tc=$((c - rc))
  misses0=$(metric lianxin_tile_cache_misses_total)
  wrk -t1 -c"$rc" -d"${secs}s" --timeout 30s -s "$work/mix.lua" "http://$addr" -- "$work/reports" "$token" >"$work/wrk.reports" &
  rpid=$!
  wrk -t2 -c"$tc" -d"${secs}s" --timeout 30s -s "$work/mix.lua" "http://$addr" -- "$work/tiles" "$token" >"$work/wrk.tiles"
  wait "$rpid"
  misses=$(($(metric lianxin_tile_cache_misses_total) - misses0))
  read -r _ tn terr trps tp50 tp95 tp99 < <(grep '^RESULT' "$work/wrk.tiles")
  read -r _ rn rerr rrps rp50 rp95 rp99 < <(grep '^RESULT' "$work/wrk.reports")
  rows+="| $c ($tc + $rc) | $trps | $terr ($(pct_of "$terr" "$tn")%) | $misses | $tp50 | $tp95 | **$tp99** | $rrps | $rerr ($(pct_of "$rerr" "$rn")%) | $rp50 | $rp95 | $rp99 |"$'\n'
  if [ "$c" = 128 ]; then
    yes_no() { if [ "$1" = 1 ]; then echo "met"; else echo "**not met**"; fi; }
    verdict="At 128 connections: $((terr + rerr)) errors over $((tn + rn)) requests (goal: none — $(yes_no $((terr + rerr == 0))));"
    verdict+=" warm-tile p99 ${tp99} ms (goal: under 50 ms — $(yes_no "$(awk -v p="$tp99" 'BEGIN{print (p < 50) ? 1 : 0}')"))."
  fi
done
too_many=$(grep -c "too many clients" "$work/server.log" || true)
if [ "$too_many" = 0 ]; then
  pool_note="the pool never opens more than its $pool connections, well under max_connections, and requests beyond it wait in the pool within their deadline"
else
  pool_note="PostgreSQL refused connections: see the server's log"
fi
rss=$(ps -o rss= -p "$pid")
cache_bytes=$(metric lianxin_tile_cache_bytes)
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
scale_name="scale $scale"
[ -n "${LOAD_SOURCE_DB:-}" ] && scale_name="database $src"
cat >"$BENCH_OUT" <<MD
## Load: a viewport mix ($scale_name)

\`scripts/bench.d/70-load.sh\`: \`lianxin serve\` (default pool: $pool connections; PostgreSQL max_connections
$max_conns; \`--tile-cache-mb $cache_mb\`) on a clone of the $scale_name county ($households households),
signed in with a bearer token, driven by wrk on loopback. The mix, for each of the 16 town seats: the tiles a
1200×800 map shows at z10–z16 (villages and hexagons at z10–z13, contact points from z12, households from
z14) — $n_tiles tiles — and the gap, next-villages and summary reports — $n_reports calls.

**Cold**: the whole mix requested once, $prime_conns at a time, before the timed steps (${prime_secs} s;
$((tile_bytes / 1048576)) MiB of gzipped tiles). Latencies in ms. Requests that failed here were asked once
more, one at a time: $prime_failed retried, $prime_still_failed still failing.

| requests | count | errors | p50 | p95 | p99 |
|---|---|---|---|---|---|
${cold}

**Warm**: then ${secs} s at each connection count, two wrk side by side — one cycling through the tiles,
one through the reports with a sixteenth of the connections (at least one). "misses" counts tile requests
that had to build their tile during the step (0: every tile answered was warm). Latencies in ms.

| connections (tiles + reports) | tiles/s | tile errors | misses | tile p50 | tile p95 | tile p99 | reports/s | report errors | report p50 | report p95 | report p99 |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows}
${verdict} "too many clients" in the server's log: ${too_many}: ${pool_note}. Server RSS at the end: $((rss / 1024)) MiB, of which the tile cache reports
$((${cache_bytes:-0} / 1048576)) MiB (\`lianxin_tile_cache_bytes\`).
MD
