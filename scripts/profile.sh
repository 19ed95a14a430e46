#!/usr/bin/env bash
# `make profile`: where a cache miss spends its CPU. Release keel on
# PostgreSQL with the session and list caches off, wrk on one path at a
# time while `perf record` samples every thread of keel (software clock, so
# it works without hardware counters); writes the hottest symbols per path
# to docs/profile.md. Set PROFILE_SVG=1 with inferno installed
# (`cargo install inferno`) to also write flamegraphs beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${PROFILE_DURATION:-10}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
OUT=${PROFILE_OUT:-docs/profile.md}
SECRET="profile-secret-profile-secret-profile-0001"
WORK=$(mktemp -d)
KEEL_PID=""
DB="keel_profile_$(date +%s)"
cleanup() {
  if [ -n "$KEEL_PID" ]; then kill -TERM "$KEEL_PID" 2>/dev/null || true; wait "$KEEL_PID" 2>/dev/null || true; fi
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for tool in perf:linux-perf wrk:wrk psql:postgresql-client; do
  command -v "${tool%%:*}" >/dev/null 2>&1 && continue
  if [ "$(id -u)" = 0 ]; then apt-get install -y "${tool#*:}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${tool#*:}" >/dev/null; }; fi
  command -v "${tool%%:*}" >/dev/null 2>&1 || { echo "profile needs ${tool%%:*} (Debian package ${tool#*:})"; exit 1; }
done

cargo build --release --bin keel -p keel-bootstrap
KEEL=$PWD/target/release/keel
PG_PREFIX=${PG_URL%/*}
psql "$PG_URL" -qc "CREATE DATABASE $DB" >/dev/null
export APP_ENV=production APP__AUTH__JWT_SECRET=$SECRET DATABASE_URL="$PG_PREFIX/$DB" \
  APP__UPLOADS__DIR="$WORK/uploads" APP__AUTH__SESSION_CACHE_TTL_SECS=0 APP__SHOP__LIST_CACHE_MS=0
RUST_LOG=warn "$KEEL" seed --products 5000 >/dev/null
APP__SERVER__HOST=127.0.0.1 APP__SERVER__PORT=0 RUST_LOG="keel_bootstrap=info,warn" "$KEEL" serve >"$WORK/keel.log" 2>&1 &
KEEL_PID=$!
BASE=""
for _ in $(seq 1 100); do
  BASE=$(grep -o 'listening on http://[0-9.:]*' "$WORK/keel.log" | head -1 | sed 's/listening on //') || true
  [ -n "$BASE" ] && break
  sleep 0.1
done
[ -n "$BASE" ] || { cat "$WORK/keel.log"; exit 1; }
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"email":"profile@example.com","password":"profile password 1"}' | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || { echo "no token"; exit 1; }

profile() { # $1 = name, then wrk arguments
  local name=$1; shift
  wrk -t2 -c64 -d2s "$@" >/dev/null 2>&1 || true
  perf record -e cpu-clock -F 499 -g -p "$KEEL_PID" -o "$WORK/$name.data" -- sleep "$DURATION" >/dev/null 2>&1 &
  local perf_pid=$!
  local rps
  rps=$(wrk -t2 -c64 -d"${DURATION}s" "$@" 2>&1 | awk '$1 == "Requests/sec:" { printf "%.0f", $2 }')
  wait "$perf_pid" || true
  {
    echo "### $name ($rps req/s under perf)"
    echo
    echo '```'
    perf report -i "$WORK/$name.data" --stdio --no-children -g none --sort dso,symbol --percent-limit 0.7 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -40 | sed -E 's/[ -]+$//'
    echo
    echo "by object:"
    perf report -i "$WORK/$name.data" --stdio --no-children -g none --sort dso 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -8 | sed -E 's/[ -]+$//'
    echo '```'
    echo
  } >>"$WORK/report.md"
  if [ "${PROFILE_SVG:-0}" = 1 ] && command -v inferno-collapse-perf >/dev/null 2>&1; then
    perf script -i "$WORK/$name.data" 2>/dev/null | inferno-collapse-perf | inferno-flamegraph >"docs/profile-$name.svg"
  fi
}
: >"$WORK/report.md"
profile users_me -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/users/me"
profile product_mix -s scripts/wrk/product_mix.lua "$BASE"

mkdir -p "$(dirname "$OUT")"
{
  cat <<MD
# Where a cache miss spends its CPU

Written by \`make profile\` (scripts/profile.sh) on $(date -u +%Y-%m-%dT%H:%MZ),
$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)). Release keel on
PostgreSQL with the session and list caches off, \`wrk -t2 -c64\`, every
thread of keel sampled by \`perf record -e cpu-clock -g\` at 499 Hz for
${DURATION} s. Self time per symbol (no children), symbols above 0.7%, then the share of each binary;
\`[kernel.kallsyms]\` is time in the kernel on keel's behalf (mostly
socket reads and writes to the client and to PostgreSQL).

MD
  cat "$WORK/report.md"
} >"$OUT"
echo "wrote $OUT"
