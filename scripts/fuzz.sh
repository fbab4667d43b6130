#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short budget each
# (FUZZTIME, default 5s): the tile path and query parsers, the report
# filters, the export filters, the ingest decoders (CSV, GeoJSON, and the
# WKT of a geometry column) and the WKB decoder of geometries read back from
# PostGIS. Seeds live in each target's f.Add calls and testdata/fuzz/; a
# failing input is written there by `go test` and fails every later
# `go test` run until fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-5s}
# entries DIR: how many inputs a target's corpus holds (0 when it has none).
entries() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r target; do
    echo "fuzz $pkg $target for $fuzztime"
    corpus="$pkg/testdata/fuzz/$target"
    before=$(entries "$corpus")
    for attempt in 1 2; do
      out=$(go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" 2>&1) && { grep -v '^fuzz: elapsed' <<<"$out" | tail -3; break; }
      grep -v '^fuzz: elapsed' <<<"$out" | tail -20
      # A failing input is written to the corpus and fails every later run:
      # that is a finding. A failure that wrote nothing is the fuzzing
      # engine's own (a worker it judged hung on a loaded machine): run
      # the target once more before calling it a failure.
      if [ "$attempt" = 2 ] || [ "$(entries "$corpus")" != "$before" ]; then
        echo "fuzz target $target in $pkg failed" >&2
        exit 1
      fi
      echo "fuzz target $target in $pkg failed without a failing input; once more" >&2
    done
  done
done
