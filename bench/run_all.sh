#!/usr/bin/env bash
# Installs Bull Board for the comparison (npm ci in bench/node) and runs the benchmarks,
# each of which starts and stops its own redis-server, daphne and node, and rewrites its
# bench/results/<name>.md. Run from anywhere; PYTHON overrides the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite's environment (made by `bash scripts/test.sh`) when there is one, else python3.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  [ -x .venv-dj52/bin/python ] && PYTHON=.venv-dj52/bin/python
fi
(cd bench/node && npm ci --no-audit --no-fund)
"$PYTHON" bench/overview_round_trips.py
"$PYTHON" bench/metrics_endpoint.py
"$PYTHON" bench/overview_vs_bull_board.py
"$PYTHON" bench/failed_page_scaling.py
"$PYTHON" bench/search.py
"$PYTHON" bench/search_starvation.py
[ -d tests/node/node_modules/bullmq ] || (cd tests/node && npm ci --no-audit --no-fund)
"$PYTHON" bench/retry_100k.py
"$PYTHON" bench/rq_actions.py
"$PYTHON" bench/rq_overview.py
