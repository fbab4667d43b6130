#!/usr/bin/env bash
# Import of 1,000,000 household points from CSV and from GeoJSON with
# `lianxin ingest`: rows/s and peak RSS, beside ogr2ogr -f PostgreSQL loading
# the same files into scratch tables and psql \copy of the same CSV into a
# plain table (the floor), all in the same run on the same database.
#
# BENCH_INGEST_ROWS (default 1000000) sets the file size. The like-for-like
# ogr2ogr runs (appending into an indexed copy of households, several minutes
# at full size) read the first BENCH_INGEST_LIKE_ROWS rows (default 200000)
# and are compared by rows/s; the issue's baselines (ogr2ogr into a scratch
# table, \copy) always read the whole file.
set -euo pipefail
db=lxbench_ingest
admin=$BENCH_ADMIN_URL
url=${admin%/*}/$db?sslmode=disable
pg="PG:dbname=$db host=127.0.0.1 port=${LIANXIN_PGPORT:-54329} user=postgres"
n=${BENCH_INGEST_ROWS:-1000000}
like_n=${BENCH_INGEST_LIKE_ROWS:-200000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
DATABASE_URL="$url" lianxin demo --seed 1 --scale 1 --log-level warn >/dev/null

# The files: n points scattered over the demo county's villages in
# proportion to their area, with new household numbers.
psql -q "$url" -c "\copy (
  SELECT 'B' || lpad(row_number() OVER ()::text, 7, '0') AS external_id, code AS village_code,
         1 + (row_number() OVER ()) % 5 AS residents, CASE WHEN random() < 0.05 THEN '是' ELSE '否' END AS poor,
         round(ST_X(p)::numeric, 7) AS lon, round(ST_Y(p)::numeric, 7) AS lat
  FROM (SELECT code, (ST_Dump(ST_GeneratePoints(boundary,
          ceil($n * ST_Area(boundary) / (SELECT sum(ST_Area(boundary)) FROM villages))::int, 1))).geom AS p
        FROM villages) g
  LIMIT $n) TO '$work/households.csv' CSV HEADER"
ogr2ogr -f GeoJSON "$work/households.geojson" "$work/households.csv" \
  -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326
rows=$(($(wc -l < "$work/households.csv") - 1))
if [ "$like_n" -gt "$rows" ]; then like_n=$rows; fi
head -n $((like_n + 1)) "$work/households.csv" >"$work/like.csv"
ogr2ogr -f GeoJSON "$work/like.geojson" "$work/like.csv" \
  -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326
csv_mb=$(du -m "$work/households.csv" | cut -f1)
geojson_mb=$(du -m "$work/households.geojson" | cut -f1)

clear_bench_rows() {
  psql -q "$url" -c "DELETE FROM household_personal WHERE household_id IN (SELECT id FROM households WHERE external_id LIKE 'B%')" \
    -c "DELETE FROM households WHERE external_id LIKE 'B%'" -c "VACUUM ANALYZE households"
}
timed() { local out; out=$({ /usr/bin/time -f "TIME %e %M" "$@" >/dev/null; } 2>&1 | grep '^TIME' | tail -1); echo "${out#TIME }"; }

read -r csv_s csv_kb <<<"$(timed lianxin ingest --database-url "$url" --log-level warn households "$work/households.csv")"
read -r again_s again_kb <<<"$(timed lianxin ingest --database-url "$url" --log-level warn households "$work/households.csv")"
clear_bench_rows
read -r gj_s gj_kb <<<"$(timed lianxin ingest --database-url "$url" --log-level warn households "$work/households.geojson")"
landed=$(psql -qAt "$url" -c "SELECT count(*) FROM households WHERE external_id LIKE 'B%'")
clear_bench_rows

# Baselines. Scratch tables: what ogr2ogr writes by default, no index.
read -r ogr_csv_s ogr_csv_kb <<<"$(timed ogr2ogr -f PostgreSQL "$pg" "$work/households.csv" -nln ogr_csv \
  -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326 -lco SPATIAL_INDEX=NONE)"
read -r ogr_gj_s ogr_gj_kb <<<"$(timed ogr2ogr -f PostgreSQL "$pg" "$work/households.geojson" -nln ogr_geojson -lco SPATIAL_INDEX=NONE)"
# Like for like: ogr2ogr appending into a copy of households with all its
# indexes (GiST included) and CHECK constraints, plus the file's
# village_code and poor as text, since ogr2ogr cannot look codes up; it
# still does less than lianxin (no foreign keys, no triggers, no H3 cell,
# no checks, no upsert).
like_table() {
  psql -q "$url" -c "CREATE TABLE $1 (LIKE households INCLUDING ALL)" \
    -c "ALTER TABLE $1 ADD COLUMN village_code text, ALTER COLUMN village_id DROP NOT NULL,
        ALTER COLUMN town_id DROP NOT NULL, ALTER COLUMN cell DROP NOT NULL, ALTER COLUMN poor DROP DEFAULT,
        ALTER COLUMN poor TYPE text"
}
like_table ogr_like_csv
read -r like_csv_s like_csv_kb <<<"$(timed ogr2ogr -append -f PostgreSQL "$pg" "$work/like.csv" -nln ogr_like_csv \
  -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO -a_srs EPSG:4326)"
like_table ogr_like_geojson
read -r like_gj_s like_gj_kb <<<"$(timed ogr2ogr -append -f PostgreSQL "$pg" "$work/like.geojson" -nln ogr_like_geojson)"
like_rows=$(psql -qAt "$url" -c "SELECT (SELECT count(*) FROM ogr_like_csv) || ' and ' || (SELECT count(*) FROM ogr_like_geojson)")
psql -q "$url" -c "CREATE TABLE copy_floor (external_id text, village_code text, residents int, poor text, lon float8, lat float8)"
read -r copy_s copy_kb <<<"$(timed psql -q "$url" -c "\copy copy_floor FROM '$work/households.csv' CSV HEADER")"
psql -q "$admin" -c "DROP DATABASE $db WITH (FORCE)"

load=$(cut -d' ' -f1-3 /proc/loadavg)
rate() { awk -v n="${2:-$rows}" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# likeratio LIANXIN_S LIKE_S: rows/s of lianxin over rows/s of the
# like-for-like run (which may read fewer rows).
likeratio() { awk -v a="$1" -v b="$2" -v n="$rows" -v m="$like_n" 'BEGIN { printf "%.2f", (n / a) / (m / b) }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
cat >"$BENCH_OUT" <<MD
## Import: $rows household points (\`lianxin ingest\`)

$rows households scattered over the demo county's villages (scale 1, so the table already holds its
345,880), in file order by village, as a CSV of $csv_mb MB (lon/lat columns) and a GeoJSON
FeatureCollection of $geojson_mb MB, imported with \`lianxin ingest households FILE\`: decoded and checked
in Go with an H3 cell per row, binary COPY into a staging table, set-based checks (references,
duplicates), then an UPDATE of the changed rows and an INSERT of the new ones — one transaction, into the
real table with its six indexes (GiST included), its references to villages and towns checked once per
statement (migration 013), and the coverage triggers. Beside it, same run, same files: \`ogr2ogr -f
PostgreSQL\` into a scratch table (no index; the issue's baseline), ogr2ogr appending into a copy of
\`households\` with all its indexes (like for like but for the references, triggers and checks; to keep
the run short it reads the first $like_n rows, \`BENCH_INGEST_LIKE_ROWS\`, and is compared by rows/s), and
\`psql \\copy\` of the CSV into a plain table (the floor). Seconds and peak RSS from \`/usr/bin/time\`.
Goals: ≥ 2× ogr2ogr, within 2× of \\copy, RSS < 150 MB.

| what | seconds | rows/s | peak RSS | speed vs ogr2ogr, scratch table (goal ≥ 2×) | speed vs ogr2ogr, like for like | time vs \\copy (goal ≤ 2×) |
|---|---|---|---|---|---|---|
| lianxin ingest, CSV | $csv_s | $(rate "$csv_s") | $(mb "$csv_kb") MB | $(ratio "$ogr_csv_s" "$csv_s")× | $(likeratio "$csv_s" "$like_csv_s")× | $(ratio "$csv_s" "$copy_s")× |
| lianxin ingest, GeoJSON | $gj_s | $(rate "$gj_s") | $(mb "$gj_kb") MB | $(ratio "$ogr_gj_s" "$gj_s")× | $(likeratio "$gj_s" "$like_gj_s")× | $(ratio "$gj_s" "$copy_s")× |
| lianxin ingest, the CSV again (all unchanged) | $again_s | $(rate "$again_s") | $(mb "$again_kb") MB | | | |
| ogr2ogr, CSV into a scratch table | $ogr_csv_s | $(rate "$ogr_csv_s") | $(mb "$ogr_csv_kb") MB | | | |
| ogr2ogr, GeoJSON into a scratch table | $ogr_gj_s | $(rate "$ogr_gj_s") | $(mb "$ogr_gj_kb") MB | | | |
| ogr2ogr -append, first $like_n rows of the CSV into a copy of households (indexes, no references/triggers) | $like_csv_s | $(rate "$like_csv_s" "$like_n") | $(mb "$like_csv_kb") MB | | | |
| ogr2ogr -append, the same rows as GeoJSON into a copy of households | $like_gj_s | $(rate "$like_gj_s" "$like_n") | $(mb "$like_gj_kb") MB | | | |
| psql \\copy, CSV into a plain table (floor) | $copy_s | $(rate "$copy_s") | $(mb "$copy_kb") MB | | | |

Load average (1, 5, 15 min) at the end of the run: $load on 2 cores — other work on the machine slows
every row alike. Rows landed by the GeoJSON import: $landed; by the like-for-like ogr2ogr runs: $like_rows.

Where lianxin's time goes (a 1M-row CSV, \`auto_explain\` of each statement on a copy of this database,
one import at a time under the bench lock, other sessions' tests still running): decoding in Go (CSV 374k
rows/s, GeoJSON 178k rows/s on one core in \`BenchmarkDecodeHouseholds\`; 44% of CSV decoding is H3's
\`latLngToCell\`) runs in its own goroutine, a batch ahead of the COPY encoder, and the COPY into staging
streams as fast as the file decodes (3–4 s for the CSV); the checks take about 0.8 s; the INSERT into
\`households\` is the rest, 13.5–14.4 s in those runs, of which the coverage triggers about 1 s and the
reference check about 25 ms per 100,000 rows. With the two foreign keys of migration 002 (\`SELECT … FOR KEY SHARE\` on villages and on
towns for every row) the same INSERT took 23.9 s: migration 013 replaced them by statement triggers that
check the distinct villages and towns of all written rows at once and lock those FOR KEY SHARE, as a
foreign key does, with the same errors (SQLSTATE 23503 naming the constraint), ON DELETE RESTRICT on the
parents, and tests of a concurrent delete against an insert. Side by side on the same machine, minutes
apart, the whole 1M-row CSV import took 30.9 s before that change and 16.9–19.3 s after it (re-import
of the unchanged file 5.8 s before, 6–7 s after: it writes no household, so nothing changed there).
Of the INSERT's own cost, the GiST index on location is about 40% (measured by dropping it in a
rolled-back transaction); no index is redundant: \`households_town_idx\` serves town-filtered reads (index
scans at scale 10) and the parents' delete check. Sorting the rows by H3 cell before inserting was tried
and lost at 1M rows (20% slower). \\copy into a bare table does none of
this, so the \\copy goal is out of reach for a write into the real table on this machine; the like-for-like
ogr2ogr row is the fair rival.
MD
