#!/usr/bin/env bash
# Browser tests of the web map: Debian's Chromium driven by playwright-core
# (never a downloaded browser) against bin/lianxin serving a small demo
# county in its own database. Run by `make test` (through `make test-browser`)
# after the Go tests; screenshots of each view go to test-artifacts/.
#
#   scripts/browser-test.sh              needs bin/lianxin and frontend/node_modules (make build does both)
#   UPDATE_SCREENSHOT=1 scripts/...      also copies the planner view to docs/screenshot.png
#
# LIANXIN_TEST_DATABASE_URL (or DATABASE_URL) names a superuser URL of the
# server to use; by default the local cluster that scripts/db.sh starts.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

WITH_BROWSER=1 scripts/db.sh deps
# A CJK font, or the zh-CN page (and its screenshots) shows empty boxes.
if ! fc-list 2>/dev/null | grep -i 'wenquanyi\|noto sans cjk' >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing fonts-wqy-microhei" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null ||
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null; }
fi
scripts/db.sh start

admin_url=${LIANXIN_TEST_DATABASE_URL:-$(scripts/db.sh url)}
db=lxbrowser
# Swap the database name in the admin URL: scheme://user@host:port/NAME?query
base=${admin_url%%\?*}
params=${admin_url#"$base"}
db_url="${base%/*}/$db$params"

psql -qX "$admin_url" -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" 2>&1 | grep -v 'does not exist, skipping' || true
bin/lianxin demo --seed 42 --scale 0.2 --database-url "$db_url" --log-level warn

mkdir -p test-artifacts
# Demo accounts (sign-in). This once ran only when `lianxin help | grep -q`
# listed the command: under pipefail grep's early exit could kill the help
# with SIGPIPE, and the accounts file stayed empty.
accounts=test-artifacts/demo-accounts.txt
bin/lianxin user demo --seed 42 --all --database-url "$db_url" --log-level warn >"$accounts"

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
log=test-artifacts/browser-server.log
bin/lianxin serve --addr "127.0.0.1:$port" --database-url "$db_url" --log-level warn >"$log" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}
trap stop_server EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "browser-test: the server exited; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done

cd frontend
LIANXIN_URL="http://127.0.0.1:$port" \
LIANXIN_DEMO_ACCOUNTS="$top/$accounts" \
LIANXIN_ARTIFACTS="$top/test-artifacts" \
  node --test --test-concurrency=1 tests/

if [ "${UPDATE_SCREENSHOT:-0}" = 1 ]; then
  mkdir -p "$top/docs"
  cp "$top/test-artifacts/planner-heat.png" "$top/docs/screenshot.png"
fi
