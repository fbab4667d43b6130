#!/usr/bin/env bash
# Vector tiles at scale 1 and 10: cold (no cache) and warm (cached) tiles/s and
# p50/p99 with wrk on loopback for villages z10–z12, households z14, hexagons
# z8–z12 and a multi-layer tile, beside two baselines measured in the same run:
# the bare tile query through pgx (floor, at the cold runs' concurrency) and a
# bare Echo handler returning the same bytes from memory (ceiling, at the warm
# runs' concurrency). Also: hexagon tiles built in Go vs in PostGIS (scale 1).
# Serves a copy of each source database on 127.0.0.1:18181.
#
# BENCH_TILES_SOURCE_DB (default lianxin) is the scale-1 county;
# BENCH_TILES_S10_DB (default lxbench_s10; empty or missing skips it) the
# scale-10 one. Both are only read: the bench serves a clone.
set -euo pipefail
admin=$BENCH_ADMIN_URL
db=lxbench_tiles
url=${admin%/*}/$db?sslmode=disable
addr=127.0.0.1:18181
ceil=127.0.0.1:18182
secs=${BENCH_TILES_SECONDS:-8}
conns=${BENCH_TILES_CONNS:-8}
# Cold tiles queue on the database (2 cores): few connections keep their
# latency meaningful. The floor runs at the same concurrency.
cold_conns=${BENCH_TILES_COLD_CONNS:-2}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null || true
}
trap cleanup EXIT
go build -o "$work/tilebench" ./scripts/tilebench

# Each wrk thread walks the list from its own start, a thread count apart
# (thread k asks for tiles k, k+T, k+2T, ...), as the floor's workers do
# (tilebench's hammer): with one connection a thread, the cold run and the
# floor ask for the same tiles in the same order on each connection. The
# lists are shuffled (a fixed seed), so a run too short to go round a list
# of slow tiles still samples every zoom, not only its first ones.
cat >"$work/rotate.lua" <<'LUA'
local started = 0
setup = function(thread)
  thread:set("id", started)
  started = started + 1
end
local paths, i, nthreads = {}, 0, 1
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  nthreads = tonumber(args[3])
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  wrk.headers["Accept-Encoding"] = "gzip"
  i = id
end
request = function()
  local p = paths[i % #paths + 1]
  i = i + nthreads
  return wrk.format("GET", p)
end
LUA
# wrk_run BASE FILE [CONNS] -> "rps p50 p99 errors"
wrk_run() {
  local out c=${3:-$conns}
  out=$(wrk -t2 -c"$c" -d"${secs}s" --timeout 30s --latency -s "$work/rotate.lua" "$1" -- "$2" "$token" 2)
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $NF} /Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  echo "$rps $p50 $p99 ${errs:-0}"
}
# ms DURATION: wrk's "1.23ms" / "456.00us" / "1.20s" in milliseconds.
ms() {
  awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /us$/) n /= 1000; else if (d ~ /ms$/) n += 0; else if (d ~ /s$/) n *= 1000; printf "%.2f", n }'
}
serve() { # cache-mb
  lianxin serve --database-url "$url" --addr "$addr" --migrate=false --log-level error --tile-cache-mb "$1" &
  pids+=($!)
  for _ in $(seq 50); do curl -fs "http://$addr/healthz" >/dev/null && return; sleep 0.2; done
  echo "server did not start" >&2; exit 1
}
stop_last() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

# shuffled: stdin's lines in an order fixed by a seed (see rotate.lua).
shuffled() { python3 -c 'import random, sys; l = sys.stdin.read().split(); random.Random(1).shuffle(l); print("\n".join(l))'; }

# bench_scale LABEL SOURCE_DB: one section of Markdown on stdout.
bench_scale() {
  local label=$1 src=$2 t0=$SECONDS
  psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" 2>/dev/null
  # A template copy needs nobody connected to the source: wait up to a
  # minute for that, then copy it the slow way.
  local copied=""
  for _ in $(seq 30); do
    if psql -q "$admin" -c "CREATE DATABASE $db TEMPLATE $src" 2>/dev/null; then copied=1; break; fi
    sleep 2
  done
  if [ -z "$copied" ]; then
    psql -q "$admin" -c "CREATE DATABASE $db"
    pg_dump -Fc "${admin%/*}/$src" | pg_restore -d "$url" --no-owner
  fi
  lianxin migrate --database-url "$url" --log-level warn >/dev/null
  lianxin user add tilebench --role gis --database-url "$url" --log-level warn >/dev/null
  lianxin user grant tilebench household_points --database-url "$url" --log-level warn >/dev/null
  token=$(lianxin user token tilebench --database-url "$url" --log-level warn | grep -o 'lx_[A-Za-z0-9_-]*' | head -1)

  # Tile lists: every tile over the county at each zoom; households at z14
  # where they are densest.
  read -r minx miny maxx maxy < <(psql -qAt -F' ' "$url" -c "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(boundary)::geometry e FROM towns) t")
  tiles_over() { # layer zmin zmax
    python3 - "$1" "$2" "$3" "$minx" "$miny" "$maxx" "$maxy" <<'PY'
import math, sys
layer, z0, z1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
minx, miny, maxx, maxy = map(float, sys.argv[4:8])
def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
for z in range(z0, z1 + 1):
    x0, y0 = tile(minx, maxy, z); x1, y1 = tile(maxx, miny, z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            print(f"/tiles/{layer}/{z}/{x}/{y}.mvt")
PY
  }
  tiles_over villages 10 12 | shuffled >"$work/villages"
  tiles_over h3 8 12 | shuffled >"$work/h3"
  tiles_over villages,h3,contact_points 12 12 | shuffled >"$work/multi"
  psql -qAt "$url" -c "
    WITH t AS (SELECT floor((ST_X(location) + 180) / 360 * 16384)::int x,
                      floor((1 - ln(tan(radians(ST_Y(location))) + 1 / cos(radians(ST_Y(location)))) / pi()) / 2 * 16384)::int y
               FROM households)
    SELECT '/tiles/households/14/' || x || '/' || y || '.mvt' FROM t GROUP BY x, y ORDER BY count(*) DESC LIMIT 40" | shuffled >"$work/households"

  local groups=(villages households h3 multi) g
  declare -A cold warm ceiling floor
  serve 0
  # One untimed pass over each list first, on both sides (the floor's is in
  # tilebench): a new server's first tiles compute the memoised village
  # figures (0.4 s at scale 10) and open its connections, once, not a tile's
  # cost.
  for g in "${groups[@]}"; do
    while read -r p; do curl -fs -o /dev/null -H "Authorization: Bearer $token" -H "Accept-Encoding: gzip" "http://$addr$p" || echo "warm-up $p failed" >&2; done <"$work/$g"
    cold[$g]=$(wrk_run "http://$addr" "$work/$g" "$cold_conns")
  done
  stop_last
  serve 512
  local server=${pids[-1]}
  for g in "${groups[@]}"; do
    while read -r p; do curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://$addr$p" || echo "prime $p failed" >&2; done <"$work/$g"
  done
  cat "$work"/{villages,households,h3,multi} >"$work/all"
  "$work/tilebench" ceiling -listen "$ceil" -from "http://$addr" -token "$token" -paths "$work/all" &
  pids+=($!)
  for _ in $(seq 100); do curl -fs -o /dev/null "http://$ceil$(head -1 "$work/villages")" && break; sleep 0.3; done
  # Warm and ceiling take turns, twice, each keeping its better run: the
  # other processes of a shared machine weigh on both sides alike.
  local round w c
  for g in "${groups[@]}"; do
    warm[$g]="0 0 0 0"; ceiling[$g]="0 0 0 0"
    for round in 1 2; do
      w=$(wrk_run "http://$addr" "$work/$g"); c=$(wrk_run "http://$ceil" "$work/$g")
      [ "${w%% *}" -gt "${warm[$g]%% *}" ] && warm[$g]=$w
      [ "${c%% *}" -gt "${ceiling[$g]%% *}" ] && ceiling[$g]=$c
    done
  done
  local rss; rss=$(ps -o rss= -p "$server")
  stop_last
  stop_last
  for g in "${groups[@]}"; do floor[$g]=$("$work/tilebench" floor -db "$url" -paths "$work/$g" -c "$cold_conns" -d "${secs}s"); done
  local hex=""
  if [ "$label" = 1 ]; then
    hex=$("$work/tilebench" hexagons -db "$url" -paths <(awk -F/ '$4 >= 10' "$work/h3" | head -6) -d 4s)
  fi
  psql -q "$admin" -c "DROP DATABASE $db WITH (FORCE)" || true

  row() { # name
    local cr cp50 cp99 ce wr wp50 wp99 we er ep50 ep99 ee fr fp50 fp99 fe n
    read -r cr cp50 cp99 ce <<<"${cold[$1]}"; read -r wr wp50 wp99 we <<<"${warm[$1]}"
    read -r er ep50 ep99 ee <<<"${ceiling[$1]}"; read -r fr fp50 fp99 fe <<<"${floor[$1]}"
    n=$(wc -l <"$work/$1")
    echo "| $1 ($n tiles) | $cr · $cp50 · $cp99 | $fr · ${fp50}ms · ${fp99}ms | $(awk "BEGIN{printf \"%.2f\", $(ms "$cp50")/($fp50>0?$fp50:1)}")× | $(awk "BEGIN{printf \"%.2f\", $fr/($cr>0?$cr:1)}")× | $wr · $wp50 · $wp99 | $er · $ep50 · $ep99 | $(awk "BEGIN{printf \"%.0f%%\", 100*$wr/($er>0?$er:1)}") | $ce / $we / $fe |"
  }
  local what="the scale-1 county (the \`lianxin\` database: 345,880 households)"
  [ "$label" = 10 ] && what="the scale-10 county (3,270,815 households in the same 16 towns)"
  cat <<MD
## Vector tiles (scale $label)

\`scripts/bench.d/50-tiles.sh\`: \`bin/lianxin serve\` on a copy of $what, wrk on loopback for ${secs} s per
cell, each row cycling through its tiles (villages: every tile over the county at z10–z12; households: the 40
densest z14 tiles; h3: every tile over the county at z8–z12; multi: villages,h3,contact_points at z12), each
list shuffled by a fixed seed. Each wrk thread (one connection each in the cold runs) and each floor worker
walks the list from its own start, a connection count apart, so cold and floor ask for the same tiles in the
same order. (Until 2026-11-28 the floor's workers shared one counter and the wrk threads did not: in a run too
short to go round a list, the floor timed twice as many different tiles, so the scale-10 hexagons' cold
run timed only its first, heaviest z8–z10 tiles while the floor reached the cheap z11–z12 ones, and read
3.49× where the same tiles compare at about 1.2×.)

- **Cold** = the server with \`--tile-cache-mb 0\` (every request builds its tile), $cold_conns connections.
  **Floor** = the same tile statement with the same parameters bound the same way (\`store.TileStatement\`),
  after a settings statement (JIT off, the layer's plan cache mode), in one round trip (for villages, the
  coverage figures and outline boxes computed once, and each tile bound its own villages' list as the server
  binds it; for hexagons, the coverage engine's cell query alone, without encoding) through pgx from
  $cold_conns goroutines, no HTTP, as the database owner. What the floor leaves out is the server's to do: its
  settings statement carries no caller's scope and no read-only flag, row-level security is off (the server
  runs under it), and it neither gzips nor answers HTTP. Cold and floor run at the same concurrency, so the two ratios compare like with like:
  **cold p50 ÷ floor p50** (latency; goal ≤ 1.3×) and **floor ÷ cold tiles/s** (throughput).
- **Warm** = the server with the cache on, primed; **ceiling** = a bare Echo handler returning the same
  gzipped bytes from memory; both with $conns connections, taking turns twice (the better run of each
  kept). **Warm ÷ ceiling** is tiles/s (goal ≥ 80%).

A cold tile costs one pipelined round trip per layer of two statements, like the floor's: one
\`set_config\` statement (read-only, the caller's scope, JIT off, the plan cache mode) and the query.
PostgreSQL runs a pipeline outside BEGIN as one implicit transaction, committed at its Sync, so the
BEGIN READ ONLY, separate scope statement and COMMIT it used to send (five statements a tile) were work
for nothing. The tile statements' named parameters are rewritten to \`\$n\` once at start-up (pgx lexed the
whole SQL text for them on every call), and the villages' figures are bound as plain arrays (-1 or NaN
where a figure is left out, NULL again in the query) that pgx encodes without reflection. Counted with
callgrind (cold villages tiles, 2 connections, 2026-11-28), the server process spent 1,168k instructions a
tile before these three changes and 935k after; of what is left, gzip is about 45%. Also: the villages layer's coverage figures are memoised by window, scope and
the data versions of the tile's key, with each outline's box, and a villages tile binds only the villages
whose box meets it, drawn by primary key with a generic plan (under row-level security the outlines' GiST
index cannot serve the query: binding all 3,420 villages' figures and testing every outline made a scale-10
z12 tile 14 ms instead of 4); the campaign's first day is memoised by the campaign's version; hexagon
outlines come from a bounded memo (h3's cellToBoundary through cgo was 38% of encoding a z10 tile); tiles
are gzipped by klauspost/compress with pooled writers at its level 4, one below its default (since
2026-11-28: on these tiles 0.7 to 2.0% more bytes for 17 to 30% less time, a scale-10 villages tile
0.50 → 0.35 ms; level 1 or 2 would save as much again for 10 to 26% more bytes on every download over
the towns' slow links: not taken). A warm tile runs the server's whole middleware (request id,
request log and latency metric, security headers, the token check), composed once at start-up, in a
pooled context of its own ahead of Echo's router that holds the caller and the path (7 allocations a tile
instead of 17; 4 since 2026-11-28, see below), with its ETag and length kept as header values beside the cached bytes. The ceiling runs
none of it and sends 4 headers to the warm tile's 8 (a tile carries \`nosniff\` but no
Content-Security-Policy since 2026-11-28: its bytes are never rendered as a document, see SECURITY.md;
the ninth header made Go's header map grow into a table), which weighs most on the smallest tiles
(villages: about 5 KB gzipped). Counted with callgrind (warm villages tiles, 2 connections), the server
spent about 93k instructions a tile before the pooled context, 84k with it (87k counted again on 2026-11-28 with another load client) and 79k with eight headers;
the ceiling 67k. Of what was left, about 2k was the SHA-256 of the bearer token that keys the credentials
cache and as much again the cache's lookup: since 2026-11-28 each client connection remembers the last
token it sent and whose it is (auth.ConnMemo: void after any change to accounts or tokens in the process,
never older than the cached answer it copied, see SECURITY.md), so a map's next tiles on a keep-alive
connection skip both (4 allocations a warm tile instead of 7; warm villages at scale 1, old and new
servers run alternately against the ceiling, 9 runs each: 76.6% → 81.4% of it). Most of the rest is
net/http's reading of the request and writing of the headers. This bench serves at \`--log-level error\`; at info, the default, \`serve\` writes its
request log through a buffer flushed every 200 ms (at once after a warning or an error, and on shutdown),
so a warm tile costs no write system call for its log line.

Where a cold villages tile's time goes (scale 1, measured 2026-11-28 at one connection, so neither side
waits for a core): cold p50 1.06–1.24 ms, floor 0.69–0.70 ms. The server's own store call, with its
database role, row-level security and scope settings, timed the floor's way without HTTP, took 0.70 ms:
the database side adds nothing. The rest is the HTTP server's: sampled with perf, the server process
spent 0.45 ms of CPU a tile, of which gzip 0.10 ms, the pgx round trip 0.09 ms (the floor pays that one
too), reading the request and writing the response 0.07 ms (loopback TCP is charged to the writer), the
middleware and tile key 0.03 ms, and Go's scheduler and collector 0.12 ms; wrk itself 0.04 ms. That is
a fixed cost of about 0.4 ms a tile, which weighs most where the query is cheapest: a scale-1 villages
tile (4 KB) costs the database 0.7 ms, so 1.3× would leave 0.2 ms for HTTP, gzip and the runtime
together, where a cached tile through HTTP alone takes 0.11 ms (p50, one connection) and gzip 0.05–0.10
ms, before the second socket's wake-ups. Not reached, and not within reach of compression: a build of
the server that stores its tiles gzipped at level 0 (deflate's stored blocks: no compressing at all, the
server otherwise unchanged) measured, taking turns with the real one and the floor three times each
(scale 1, 2026-11-28), cold p50 1.46–1.49 ms against the floor's 0.73–0.98 ms at one connection and
1.22–1.39 ms against 0.74–0.82 ms at two (1.5× to 2.0×), spending 0.39–0.65 ms of CPU a tile against
the real build's 0.50–0.80: what is left is the HTTP request, the Go runtime's parking and waking
around the database round trip (the floor's client pays its own, 0.2 ms) and loopback TCP, none of
it the tile's making. At scale 10 the same layer's query takes 3.9 ms
and the ratio is lower; every other layer is within 1.3×.
At the bench's two connections both cores are busy, so the ratio is one of CPU a tile (counted from
/proc, scale 1, 2026-11-28): PostgreSQL spends about 1.0 ms either way (the server's query costs it no
more than the floor's), the floor's pgx client 0.2 ms, the server 0.55 ms and wrk 0.06 ms. Of the
server's share, perf counts gzip 19%, the pgx round trip 20% and Go's sysmon 15%: on two cores the
database's backends preempt the server's threads inside their socket writes, sysmon finds Ps held in
system calls and retakes them, so it keeps waking every 20 µs. GOGC=400, GOGC=off and GOMAXPROCS from
1 to 8 left the cold rate where it was (not taken).
Cold and floor both start after one untimed pass over their list (a new server's first tiles compute
the memoised village figures, 0.4 s at scale 10, and open its connections, once).

Cells: tiles/s · p50 · p99. This section took $((SECONDS - t0)) s.

| tiles | cold | floor | cold p50 ÷ floor p50 | floor ÷ cold tiles/s | warm | ceiling | warm ÷ ceiling | errors cold / warm / floor |
|---|---|---|---|---|---|---|---|---|
$(for g in "${groups[@]}"; do row "$g"; done)

Server memory after the warm runs: $((rss / 1024)) MiB RSS (cache limit 512 MiB).
MD
  if [ -n "$hex" ]; then
    cat <<MD

### Hexagon tiles: built in Go or in PostGIS

The same cells (the coverage engine's aggregates for the tile) turned into a tile two ways: outlines from
h3-go encoded by orb's MVT encoder in the process, or the outlines sent to PostGIS as WKB and encoded with
ST_AsMVTGeom/ST_AsMVT (PostgreSQL here has no H3 extension, so SQL cannot make the outlines itself). The
Go side takes the outlines from the service's memo after the first run of a tile; the PostGIS side makes
them with h3-go on every run (about 1.7 µs a cell, 3 ms of the largest tile), which does not change
which is faster.

| tile | res | cells | cells query ms | Go ms (bytes) | PostGIS ms (bytes) |
|---|---|---|---|---|---|
$hex
MD
  fi
}

s10=${BENCH_TILES_S10_DB-lxbench_s10}
if [ -n "$s10" ] && [ -z "$(psql -qAt "$admin" -c "SELECT 1 FROM pg_database WHERE datname = '$s10'")" ]; then
  echo "50-tiles: no database $s10, scale 10 left out" >&2
  s10=
fi
{
  bench_scale 1 "${BENCH_TILES_SOURCE_DB:-lianxin}"
  if [ -n "$s10" ]; then
    echo
    bench_scale 10 "$s10"
  fi
} >"$BENCH_OUT"
cat "$BENCH_OUT"
