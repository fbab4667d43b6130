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
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //' | while read -r target; do
    echo "fuzz $pkg $target for $fuzztime"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" 2>&1 | grep -v '^fuzz: elapsed' | tail -3
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz target $target in $pkg failed" >&2; exit 1; }
  done
done
