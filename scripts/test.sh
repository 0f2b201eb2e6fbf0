#!/usr/bin/env bash
# Run the whole test suite: installs what it needs, starts its own services, and tests
# Django 5.2 on Python 3.11 and Django 6.1 on Python 3.12 (or 3.13).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_commands redis-server:redis-server chromium:chromium node:nodejs npm:npm
apt_install fonts-dejavu-core gettext  # gettext: tests/test_translations.py extracts and compiles
export QUEUEBOARD_CHROMIUM="${QUEUEBOARD_CHROMIUM:-$(command -v chromium || true)}"

PY311="$(find_python 3.11)" || { echo "Python 3.11 is required" >&2; exit 1; }
PY312="$(find_python 3.12 || find_python 3.13)" || { echo "Python 3.12 or 3.13 is required" >&2; exit 1; }

echo "== Installing test environments"
make_venv .venv-dj52 "$PY311" -e ".[test]" "django>=5.2,<6.0"
make_venv .venv-dj61 "$PY312" -e ".[test]" "django>=6.1,<6.2"
(cd tests/node && npm ci --silent --no-audit --no-fund)

echo "== Lint and types"
.venv-dj52/bin/ruff check .
.venv-dj52/bin/ruff format --check .
.venv-dj52/bin/mypy

status=0
run_suite() {
  local venv="$1"
  shift
  echo "== pytest on $("$venv/bin/python" -c 'import sys, django; print(f"Python {sys.version.split()[0]}, Django {django.get_version()}")')"
  set +e
  "$venv/bin/python" -m pytest "$@"
  local rc=$?
  set -e
  if [ "$rc" -eq 5 ]; then
    echo "No test ran in $venv" >&2
    rc=1
  fi
  [ "$rc" -eq 0 ] || status=1
}
run_suite .venv-dj52 "$@"
run_suite .venv-dj61 "$@"
exit "$status"
