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
# table, \copy) always read the whole file. BENCH_INGEST_VISITS (default
# 300000) sets the size of the diary file imported after the households.
set -euo pipefail
db=lxbench_ingest
admin=$BENCH_ADMIN_URL
url=${admin%/*}/$db?sslmode=disable
pg="PG:dbname=$db host=127.0.0.1 port=${LIANXIN_PGPORT:-54329} user=postgres"
n=${BENCH_INGEST_ROWS:-1000000}
nv=${BENCH_INGEST_VISITS:-300000}
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

# The diary: nv visits of the demo's households by members of their towns
# (one in ten also naming a project), spread over the campaign, as a CSV;
# imported, then imported again unchanged, then \copy'd into a plain table.
psql -q "$url" -c "\copy (
  WITH m AS (SELECT town_id, array_agg(code ORDER BY id) AS codes FROM members GROUP BY town_id),
       p AS (SELECT town_id, array_agg(code ORDER BY id) AS codes FROM projects GROUP BY town_id),
       n AS (SELECT count(*) AS c, min(id) AS first FROM households)
  SELECT 'W' || lpad(g::text, 7, '0') AS external_id, m.codes[1 + g % cardinality(m.codes)] AS member_code,
         h.external_id AS household_id, v.code AS village_code,
         CASE WHEN g % 10 = 0 THEN p.codes[1 + g % cardinality(p.codes)] END AS project_code,
         to_char(timestamp '2026-03-01 08:00' + (g % 214) * interval '1 day' + (g % 600) * interval '1 minute',
                 'YYYY-MM-DD HH24:MI') AS occurred_at,
         'household_visit' AS kind, 2 AS participants, '了解生产生活情况' AS notes, g % 3 AS problems_collected,
         0 AS problems_resolved, round(ST_X(h.location)::numeric, 7) AS lon, round(ST_Y(h.location)::numeric, 7) AS lat
  FROM generate_series(1, $nv) g CROSS JOIN n
  JOIN households h ON h.id = n.first + (g::bigint * 7919) % n.c
  JOIN villages v ON v.id = h.village_id JOIN m ON m.town_id = h.town_id LEFT JOIN p ON p.town_id = h.town_id
  ORDER BY g) TO '$work/visits.csv' CSV HEADER"
vrows=$(($(wc -l < "$work/visits.csv") - 1))
read -r v_s v_kb <<<"$(timed lianxin ingest --database-url "$url" --log-level warn visits "$work/visits.csv")"
read -r v_again_s v_again_kb <<<"$(timed lianxin ingest --database-url "$url" --log-level warn visits "$work/visits.csv")"
vlanded=$(psql -qAt "$url" -c "SELECT count(*) FROM visits WHERE external_id LIKE 'W%'")
psql -q "$url" -c "CREATE TABLE copy_floor_visits (external_id text, member_code text, household_id text, village_code text,
  project_code text, occurred_at text, kind text, participants int, notes text, problems_collected int, problems_resolved int,
  lon float8, lat float8)"
read -r v_copy_s v_copy_kb <<<"$(timed psql -q "$url" -c "\copy copy_floor_visits FROM '$work/visits.csv' CSV HEADER")"

# Baselines. Scratch tables without the GiST index ogr2ogr would build after
# the load by default: the strictest reading of the issue's baseline.
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
real table with its six indexes (the location one SP-GiST since migration 016), its references to villages and towns checked once per
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

The diary, same run and database: $vrows visits of the demo's households (\`BENCH_INGEST_VISITS\`), each
naming its member, household and village, one in ten a project, imported with \`lianxin ingest visits FILE\`
into \`visits\` (ten indexes, the coverage triggers, five references checked once per statement since
migration 016), then the same file again; beside it \`psql \\copy\` of the CSV into a plain table.

| what | seconds | rows/s | peak RSS | time vs \\copy |
|---|---|---|---|---|
| lianxin ingest visits, CSV | $v_s | $(rate "$v_s" "$vrows") | $(mb "$v_kb") MB | $(ratio "$v_s" "$v_copy_s")× |
| lianxin ingest visits, the CSV again (all unchanged) | $v_again_s | $(rate "$v_again_s" "$vrows") | $(mb "$v_again_kb") MB | |
| psql \\copy, visits CSV into a plain table (floor) | $v_copy_s | $(rate "$v_copy_s" "$vrows") | $(mb "$v_copy_kb") MB | |

Visits landed: $vlanded.

Where lianxin's time goes (a 1M-row CSV; each statement timed in the server's log on a copy of this
database, one import at a time under the bench lock; the INSERT's parts as CPU seconds of its server
process, dropping one index or disabling one trigger at a time in a rolled-back transaction, two runs
each). Reading the file: the decoder runs on one goroutine and the conversion (typed values, the place
check, the H3 cell: H3's \`latLngToCell\` is 44% of a CSV row) on one worker per core, in batches handed
out in file order (\`ingest/pipeline.go\`): 859k CSV and 395k GeoJSON rows/s on 2 cores
(\`BenchmarkStreamHouseholds\`), against 506k and 257k on one goroutine (\`BenchmarkDecodeHouseholds\`).
The COPY into staging took 2.1 s with it and 2.7–3.0 s without it, the checks 0.5–0.6 s, the UPDATE
(nothing to update) 0.5 s. The check that each household's point lies in its village or within 200 m of it (\`outside_village\`: a point-in-polygon test against the row's own village for every row, the distance on the sphere only for the rows that fail it) took the checks statement from 0.63–0.64 s to 1.59–1.64 s on this 1M-row CSV (server log, two imports each with and without it, alternately, on a copy of the scale-1 county): about 1 s, 5–6% of a 17–21 s import. The INSERT is the rest, about 10 s of CPU for a million households: the
location index 2.9 s (4.6 s as GiST: migration 016 made it SP-GiST), the btree on cell 1.1 s, those on
town and on village 0.75 s each, the coverage triggers 1.1–1.7 s, the reference check 0.3 s, and the
heap, the primary key, the external_id index and the reading of staging 3.3 s. No query of the server
can use the location index: it runs as \`lianxin_app\` under row-level security, where \`&&\` (not
leakproof) is never an index condition, and the point tiles go through the btree on cell. The index
serves roles that bypass row-level security (a superuser's bounding-box export, desktop GIS), and there,
on the scale-10 county (3.27 M households), SP-GiST answers box queries about as fast or faster (warm,
as superuser): a 0.01° box 25 → 13 ms, a 0.1° box 285 → 148 ms, a z14 tile's box 1.6 → 1.8 ms; on its
0.6 M visits 0.51 → 0.43, 113 → 110 and 0.64 → 0.63 ms. The diary's five foreign keys (\`SELECT … FOR
KEY SHARE\` on five tables for every visit) cost 3.9 s of CPU in the 300,000-visit INSERT (21 s in all, of
which the coverage triggers 8.6 s and each of the six btrees 0.6–0.7 s); migration 016 checks them once
per statement, like migration 013 did for households' villages and towns: the distinct parents of all
written rows are locked FOR KEY SHARE, a parent's delete, renumbering or truncation is refused while a
visit names it, with the same errors (SQLSTATE 23503 naming the constraint), tested with concurrent
deletes in both orders and under row-level security; the diary's INSERT now takes 15–17 s of CPU. With
the two foreign keys of migration 002 the households' INSERT took 23.9 s. Side by side with the build
before this session's changes (same script, minutes apart): the CSV import 18.9 s, GeoJSON 17.1 s,
re-import of the unchanged CSV 5.7 s, the diary 23.7 s, its re-import 3.0 s; the like-for-like ogr2ogr
runs copy the table's indexes, so SP-GiST sped them up too (31 s before). Tried and not kept:
\`wal_compression\` (the INSERT writes 620 MB of WAL in 7.1 M records, only 3,400 of them full-page
images, all it could compress), deduplication off on the town and village btrees (0.3 s, within the
noise, for bigger indexes), GiST with fillfactor 70 (slower), sorting the rows by H3 cell before
inserting (20% slower at 1M rows). No index is redundant: \`households_town_idx\` serves town-filtered
reads (index scans at scale 10) and the parents' delete check. \\copy into a bare table does none of
this, so the \\copy goal is out of reach for a write into the real table on this machine; the like-for-like
ogr2ogr row is the fair rival.
MD
