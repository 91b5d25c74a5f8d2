#!/usr/bin/env bash
# Runs the test suite (or, with --bench, the benchmarks) against a real PostgreSQL and Redis.
# Works on a fresh Debian machine as root: installs what is missing, starts private instances on
# their own ports and data directories, and stops them on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=test
if [ "${1:-}" = "--bench" ]; then MODE=bench; shift; fi
PG_PORT=${MISURA_PG_PORT:-54329}
REDIS_PORT=${MISURA_REDIS_PORT:-63799}
RUN_DIR=${MISURA_RUN_DIR:-/tmp/misura-test-$PG_PORT}
PYTHON=${PYTHON:-python3}

log() { echo "[test.sh] $*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# WeasyPrint's system libraries and the fonts the reports embed.
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi dejavu || need_apt+=(fonts-dejavu-core)
# Browser tests drive Debian's chromium (Playwright with executable_path: no browser download); the
# Relazione benchmark prints the same HTML with it as its baseline.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium fonts-liberation)
# pdftotext / pdftoppm / pdffonts read the rendered Relazione back in the tests.
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
# The page benchmark drives gunicorn with wrk (HTTP load generator, Lua-scriptable report).
[ "$MODE" != "bench" ] || command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing: ${need_apt[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  log "creating virtualenv and installing the project with its test extras"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[test]'
  touch .venv/.installed
fi

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDATA="$RUN_DIR/pgdata"
PG_USER=postgres
run_pg() {
  # PostgreSQL refuses to run as root: use the postgres system user.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] || PG_USER=$(id -un)

cleanup() {
  run_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  if [ -f "$RUN_DIR/redis.pid" ]; then kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true; fi
}
trap cleanup EXIT

mkdir -p "$RUN_DIR"
chmod 755 "$RUN_DIR"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$RUN_DIR"; fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  log "initialising PostgreSQL in $PGDATA"
  run_pg "$PG_BIN/initdb" -D "$PGDATA" -U "$PG_USER" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
run_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
run_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$RUN_DIR/postgres.log" -w \
  -o "-p $PG_PORT -k $RUN_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
run_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" misura 2>/dev/null || true

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DATABASE_URL="postgres://$PG_USER@127.0.0.1:$PG_PORT/misura"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SECRET_KEY=${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')}
export DEBUG=0 ALLOWED_HOSTS=127.0.0.1,localhost,testserver SECURE_SSL_REDIRECT=0

if [ "$MODE" = "bench" ]; then
  exec_cmd=(.venv/bin/python -m tests.bench.run "$@")
else
  exec_cmd=(.venv/bin/python -m pytest "$@")
fi
# Production-shaped static files (manifest storage), as the pages under test will use them.
.venv/bin/python manage.py collectstatic --noinput -v 0
set +e
"${exec_cmd[@]}"
status=$?
set -e
exit $status
