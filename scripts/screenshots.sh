#!/usr/bin/env bash
# Remake the README's pictures (docs/screenshots/) from the demo data, in Chromium.
# Installs what it needs (redis-server, chromium, the board and Playwright into .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_commands redis-server:redis-server chromium:chromium
apt_install fonts-dejavu-core
PY="$(find_python 3.11 || find_python 3.12 || find_python 3.13)" || {
  echo "Python 3.11, 3.12 or 3.13 is required." >&2
  exit 1
}
make_venv .venv "$PY" -e ".[board]" "playwright>=1.50"
exec .venv/bin/python scripts/screenshots.py "$@"
