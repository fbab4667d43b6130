#!/usr/bin/env bash
# A team leader's first load of the web map: Debian's Chromium (headless,
# software WebGL) against `lianxin serve` on a scale 0.2 demo county, each
# load a fresh browser context signed in before the page opens
# (frontend/tests/team-load.bench.mjs). The floor, same run: the API requests
# of that load asked again all at once by a bare client with the same session.
set -euo pipefail
admin=$BENCH_ADMIN_URL
db=lxbench_webmap
base=${admin%%\?*}
url="${base%/*}/$db?sslmode=disable"
runs=${BENCH_WEBMAP_RUNS:-9}
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
  rm -rf "$tmp"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
lianxin demo --seed 42 --scale 0.2 --database-url "$url" --log-level warn >/dev/null
lianxin user demo --seed 42 --all --database-url "$url" --log-level warn >"$tmp/accounts"
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
lianxin serve --addr "127.0.0.1:$port" --database-url "$url" --migrate=false --log-level warn >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.2
done

(cd frontend && LIANXIN_URL="http://127.0.0.1:$port" LIANXIN_DEMO_ACCOUNTS="$tmp/accounts" RUNS="$runs" \
  node tests/team-load.bench.mjs) >"$tmp/out"
median=$(sed -n 's/^median //p' "$tmp/out")
[ -n "$median" ] || { cat "$tmp/out" >&2; echo "80-webmap: no medians" >&2; exit 1; }
field() { node -e "console.log(JSON.parse(process.argv[1])[process.argv[2]])" "$median" "$1"; }
gaps=$(field gaps); ready=$(field ready); idle=$(field idle); floor=$(field floor)
requests=$(field requests); tiles=$(field tiles); api=$(field apiRequests)
tile_kb=$(( $(field tileBytes) / 1024 )); all_kb=$(( $(field bytes) / 1024 ))
ratio=$(echo "scale=2; $gaps / $floor" | bc)
load=$(cut -d' ' -f1-3 /proc/loadavg)

cat >"$BENCH_OUT" <<MD
## Web map: a team leader's first load (scale 0.2)

\`scripts/bench.d/80-webmap.sh\` runs \`frontend/tests/team-load.bench.mjs\`: Debian's Chromium, headless with
software WebGL, 1400×1000, against \`lianxin serve\` on a scale 0.2 demo county (seed 42), a team leader signed
in through the API before the page opens, a fresh browser context each load ($runs loads, the first against a
cold tile cache); medians, ms from navigation start. **Gap table** is the team's gap table in the page, **map
idle** every tile asked drawn. **Floor** (same run): the load's $api API requests asked again all at once by a
bare client with the same session, until the last answer: the page cannot show its tables sooner.

| gap table | page ready | map idle | floor | gap table ÷ floor | requests | tile requests | tile bytes (gzip) | all bytes |
|---|---|---|---|---|---|---|---|---|
| $gaps | $ready | $idle | $floor | ${ratio}× | $requests | $tiles | $tile_kb KB | $all_kb KB |

Load average (1, 5, 15 min) at the end: $load on 2 cores.

When this was first measured (2026-11-27, the same script, the build before against the build after, three
fresh servers each, medians of 15 loads), the gap table came at 1964 → 599 ms, the map idle at 3070 → 1797
ms, with 74 → 35 requests, 51 → 12 of them tiles (130 → 26 KB). Before, the team's tables were asked only once
MapLibre (1.1 MB) had loaded, the map had loaded and its towns tiles had come, and the map opened on the whole
county at z10, then flew to the team's route through z11 and z12. Now the team view's code does not import
MapLibre, so its reports are asked as soon as the user and the window are known; the map waits up to 1.5 s
for the route and opens on it (else on the leader's own towns); the service worker installs once the page is
ready; map layers with nothing to show are not added. What is left of "map idle" is MapLibre drawing frames in
software WebGL (100–300 ms each on this machine).
MD
