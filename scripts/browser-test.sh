#!/usr/bin/env bash
# Browser tests of the web map: Debian's Chromium driven by playwright-core
# (never a downloaded browser) against bin/lianxin serving a small demo
# county in its own database. Run by `make test` (through `make test-browser`)
# after the Go tests; screenshots of each view go to test-artifacts/.
#
#   scripts/browser-test.sh              needs bin/lianxin and frontend/node_modules (make build does both)
#   UPDATE_SCREENSHOT=1 scripts/...      also copies the planner view to docs/screenshot.png
#   BROWSER_TESTS='tests/a.test.mjs ...' runs those files only (paths from frontend/)
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

# A copy of the county with one suppressed village (privacy rule 2: 1 to 4
# households), served beside it for the tests of how the map shows what the
# privacy rules hide; the synthetic county has none, and the other tests
# keep the county as generated. Same accounts (the copy is a clone).
small=${db}_suppressed
small_url="${base%/*}/$small$params"
psql -qX "$admin_url" -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $small WITH (FORCE)" -c "CREATE DATABASE $small TEMPLATE $db" 2>&1 | grep -v 'does not exist, skipping' || true
psql -qX "$small_url" -v ON_ERROR_STOP=1 -f scripts/shrink-one-village.sql >/dev/null

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
servers=()
stop_servers() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_servers EXIT
# serve URL PORT LOG starts a server and waits until it is ready.
serve() {
  bin/lianxin serve --addr "127.0.0.1:$2" --database-url "$1" --log-level warn >"$3" 2>&1 &
  local pid=$!
  servers+=("$pid")
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "browser-test: the server on $2 exited; its log:" >&2
      cat "$3" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "browser-test: the server on $2 was not ready in 20 s" >&2
  exit 1
}
port=$(free_port)
serve "$db_url" "$port" test-artifacts/browser-server.log
port_small=$(free_port)
while [ "$port_small" = "$port" ]; do port_small=$(free_port); done
serve "$small_url" "$port_small" test-artifacts/browser-server-suppressed.log

cd frontend
LIANXIN_URL="http://127.0.0.1:$port" \
LIANXIN_URL_SUPPRESSED="http://127.0.0.1:$port_small" \
LIANXIN_DEMO_ACCOUNTS="$top/$accounts" \
LIANXIN_ARTIFACTS="$top/test-artifacts" \
  node --test --test-concurrency=1 ${BROWSER_TESTS:-tests/}

if [ "${UPDATE_SCREENSHOT:-0}" = 1 ]; then
  mkdir -p "$top/docs"
  cp "$top/test-artifacts/planner-heat.png" "$top/docs/screenshot.png"
fi
