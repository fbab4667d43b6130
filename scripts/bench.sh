#!/usr/bin/env bash
# make bench: runs every benchmark section in scripts/bench.d/ (in name order)
# and rebuilds BENCHMARKS.md from their outputs. Each section script writes
# Markdown to the file named by $BENCH_OUT and measures its own baseline in the
# same run, so every figure is a ratio against something measured beside it.
#
# BENCH_ONLY=name runs one section (e.g. BENCH_ONLY=10-demo).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p .data/bench
export BENCH_ADMIN_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:${LIANXIN_PGPORT:-54329}/postgres?sslmode=disable}
export PATH="$top/bin:$PATH"
for script in scripts/bench.d/*.sh; do
  name=$(basename "$script" .sh)
  [ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$name" ] && continue
  echo "== bench $name" >&2
  BENCH_OUT=".data/bench/$name.md" bash "$script"
done
{
  cat <<'HEAD'
# Benchmarks

Every figure here is written by `make bench` (`scripts/bench.sh`, one section per script in
`scripts/bench.d/`), on the project's standard machine: 2 cores, 24 GiB, everything on loopback. Each
section measures its baseline in the same run and reports ratios against it. Rerun one section with
`BENCH_ONLY=<script name> make bench`.

HEAD
  for f in .data/bench/*.md; do cat "$f"; echo; done
} > BENCHMARKS.md
echo "BENCHMARKS.md rewritten" >&2
