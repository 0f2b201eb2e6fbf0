#!/usr/bin/env bash
# Installs Bull Board for the comparison (npm ci in bench/node) and runs the benchmarks,
# each of which starts and stops its own redis-server, daphne and node, and rewrites its
# bench/results/<name>.md. Run from anywhere; PYTHON overrides the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-/work/venv311/bin/python}"
(cd bench/node && npm ci --no-audit --no-fund)
"$PYTHON" bench/overview_round_trips.py
"$PYTHON" bench/overview_vs_bull_board.py
"$PYTHON" bench/failed_page_scaling.py
"$PYTHON" bench/search.py
[ -d tests/node/node_modules/bullmq ] || (cd tests/node && npm ci --no-audit --no-fund)
"$PYTHON" bench/retry_100k.py
