#!/usr/bin/env bash
# Queueboard demo: installs into .venv, migrates the SQLite database, creates a login, fills
# demo queues with jobs in every state, starts small workers and serves the board on
# http://127.0.0.1:8000/ through daphne. Ctrl-C stops everything.
#
# Environment: REDIS_URL (default redis://127.0.0.1:6379/0; BullMQ is skipped when no Redis
# answers there), DATABASE_URL (default sqlite:///db.sqlite3), DEMO_PORT (default 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

PORT="${DEMO_PORT:-8000}"
PY="$(find_python 3.11 || find_python 3.12 || find_python 3.13)" || {
  echo "Python 3.11, 3.12 or 3.13 is required." >&2
  exit 1
}
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  apt_install "python$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
fi

echo "== Installing into .venv (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
make_venv .venv "$PY" -e ".[board]"
PYTHON=.venv/bin/python

# Settings of the board and of every demo process.
export DJANGO_SETTINGS_MODULE=board.settings
export DEBUG=1 # WhiteNoise then serves the static files from the apps, without collectstatic
export DATABASE_URL="${DATABASE_URL:-sqlite:///db.sqlite3}"
export TASKS_QUEUES=default,emails,images,reports
export PYTHONUNBUFFERED=1
if [ ! -s .demo-secret ]; then
  (umask 077 && "$PYTHON" -c 'import secrets
print(f"SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"DEMO_PASSWORD={secrets.token_urlsafe(12)}")' >.demo-secret)
fi
SECRET_KEY="$(sed -n 's/^SECRET_KEY=//p' .demo-secret)"
DEMO_PASSWORD="$(sed -n 's/^DEMO_PASSWORD=//p' .demo-secret)"
export SECRET_KEY DEMO_PASSWORD

REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if "$PYTHON" - "$REDIS_URL" <<'EOF'; then
import sys

import redis

url = sys.argv[1]
shown = redis.connection.parse_url(url)
where = f"{shown.get('host', 'localhost')}:{shown.get('port', 6379)}/{shown.get('db', 0)}"
try:
    redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
except Exception as exc:
    print(f"== No Redis answers at {where} ({exc}): continuing without BullMQ.")
    sys.exit(1)
print(f"== Redis at {where} answers: BullMQ queues will be seeded.")
EOF
  export REDIS_URL
  export RQ_REDIS_URL="$REDIS_URL"
  SEED_ARGS=(--redis-url "$REDIS_URL")
else
  unset REDIS_URL
  SEED_ARGS=(--no-bullmq)
fi

if ! "$PYTHON" -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null; then
  echo "Port $PORT is in use: stop what serves it, or set DEMO_PORT." >&2
  exit 1
fi

echo "== Migrating the database"
"$PYTHON" manage.py migrate --noinput -v 0
"$PYTHON" manage.py demo_user --username demo

echo "== Seeding the demo queues"
"$PYTHON" manage.py demo_seed "${SEED_ARGS[@]}"

PIDS=()
stop_all() {
  trap - EXIT INT TERM
  echo
  echo "== Stopping the board and the demo workers"
  local pid alive _
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do # up to 10 s for a task in progress to finish
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p .demo-logs
echo "== Starting the demo workers (logs in .demo-logs/)"
"$PYTHON" manage.py db_worker --queue-name '*' --no-reload --interval 1 \
  >.demo-logs/db_worker.log 2>&1 &
PIDS+=("$!")
"$PYTHON" manage.py demo_tasks_trickle >.demo-logs/tasks_trickle.log 2>&1 &
PIDS+=("$!")
if [ -n "${REDIS_URL:-}" ]; then
  "$PYTHON" manage.py demo_bullmq_worker >.demo-logs/bullmq_worker.log 2>&1 &
  PIDS+=("$!")
  .venv/bin/rq worker --url "$REDIS_URL" --serializer rq.serializers.JSONSerializer \
    --with-scheduler rq-invoices >.demo-logs/rq_worker.log 2>&1 &
  PIDS+=("$!")
fi

.venv/bin/daphne -b 127.0.0.1 -p "$PORT" board.asgi:application &
PIDS+=("$!")
DAPHNE_PID="$!"

cat <<EOF

  Queueboard demo: http://127.0.0.1:$PORT/
  Login:           demo
  Password:        $DEMO_PASSWORD   (kept in .demo-secret)

  Press Ctrl-C to stop the board and the workers.

EOF
wait "$DAPHNE_PID"
