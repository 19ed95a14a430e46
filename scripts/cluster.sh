#!/usr/bin/env bash
# `make cluster`: N keel processes (default 3) on the local PostgreSQL and
# Redis behind HAProxy (Debian's package, installed when missing), sharing
# one upload directory. The proxy config is deploy/haproxy/haproxy.cfg, the
# same file docker-compose.yml uses; only the server list is generated here.
#
#   scripts/cluster.sh start | stop | status
#
# Knobs (environment):
#   CLUSTER_N         instances (3)
#   CLUSTER_PORT      the proxy's port (8088); instances use the next N ports
#   CLUSTER_DIR       state: logs, pids, uploads, secret (data/cluster)
#   CLUSTER_DB        database name on the local PostgreSQL (keel_cluster)
#   PG_ADMIN_URL      where to create it (postgres://postgres@127.0.0.1:5432/postgres)
#   REDIS_URL         (redis://127.0.0.1:6379)
#   KEEL_BIN          the binary (default: built with cargo build --release)
#   CLUSTER_ENV       extra KEY=VALUE settings for every instance, space-separated
set -euo pipefail
cd "$(dirname "$0")/.."

N=${CLUSTER_N:-3}
PORT=${CLUSTER_PORT:-8088}
DIR=${CLUSTER_DIR:-data/cluster}
DB=${CLUSTER_DB:-keel_cluster}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
mkdir -p "$DIR"
DIR=$(realpath "$DIR")

answers() { curl -fs -o /dev/null --max-time 2 "$1"; }

stop() {
  for pidfile in "$DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

status() {
  for i in $(seq 1 "$N"); do
    local p=$((PORT + i))
    if answers "http://127.0.0.1:$p/health/ready"; then echo "keel$i :$p ready"; else echo "keel$i :$p DOWN"; fi
  done
  if answers "http://127.0.0.1:$PORT/health/ready"; then echo "proxy :$PORT ready"; else echo "proxy :$PORT DOWN"; fi
}

ensure_haproxy() {
  command -v haproxy >/dev/null 2>&1 && return
  echo "== installing HAProxy from Debian's packages"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null
}

start() {
  stop
  ensure_haproxy
  local bin=${KEEL_BIN:-}
  if [ -z "$bin" ]; then
    cargo build --release --bin keel
    bin=${CARGO_TARGET_DIR:-target}/release/keel
  fi
  bin=$(realpath "$bin")
  psql "$PG_ADMIN_URL" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$DB\""
  local db_url=${PG_ADMIN_URL%/*}/$DB
  [ -s "$DIR/jwt_secret" ] || head -c 48 /dev/urandom | base64 | tr -d '\n' > "$DIR/jwt_secret"
  mkdir -p "$DIR/uploads"
  : > "$DIR/servers.cfg"
  echo "backend keel" >> "$DIR/servers.cfg"
  for i in $(seq 1 "$N"); do
    local p=$((PORT + i))
    echo "    server keel$i 127.0.0.1:$p" >> "$DIR/servers.cfg"
    # shellcheck disable=SC2086
    env APP_ENV=production \
      DATABASE_URL="$db_url" \
      APP__AUTH__JWT_SECRET="$(cat "$DIR/jwt_secret")" \
      APP__SERVER__HOST=127.0.0.1 \
      APP__SERVER__PORT="$p" \
      APP__SERVER__WORKERS="${CLUSTER_WORKERS:-2}" \
      APP__SERVER__TRUSTED_PROXIES=127.0.0.1 \
      APP__REDIS__URL="$REDIS_URL" \
      APP__REDIS__PREFIX="${CLUSTER_REDIS_PREFIX:-$DB}" \
      APP__UPLOADS__DIR="$DIR/uploads" \
      APP__LOG__FORMAT=json \
      ${CLUSTER_ENV:-} \
      "$bin" serve > "$DIR/keel$i.log" 2>&1 &
    echo $! > "$DIR/keel$i.pid"
    # The first instance migrates the database; the others start after it.
    if [ "$i" -eq 1 ]; then
      for _ in $(seq 1 120); do answers "http://127.0.0.1:$p/health/ready" && break; sleep 0.5; done
      answers "http://127.0.0.1:$p/health/ready" || { echo "keel1 did not start: see $DIR/keel1.log"; tail -5 "$DIR/keel1.log"; exit 1; }
    fi
  done
  for i in $(seq 2 "$N"); do
    local p=$((PORT + i))
    for _ in $(seq 1 120); do answers "http://127.0.0.1:$p/health/ready" && break; sleep 0.5; done
  done
  KEEL_PROXY_BIND="127.0.0.1:$PORT" haproxy -D -p "$DIR/haproxy.pid" \
    -f deploy/haproxy/haproxy.cfg -f "$DIR/servers.cfg"
  for _ in $(seq 1 40); do answers "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.25; done
  status
  echo "== Keel cluster: http://127.0.0.1:$PORT (docs: http://127.0.0.1:$PORT/api/v1/docs/); stop with make cluster-stop"
}

case "${1:-start}" in
  start) start ;;
  stop) stop; echo "== cluster stopped" ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
