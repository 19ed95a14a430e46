#!/usr/bin/env bash
# Fuzz Keel's served OpenAPI document with schemathesis (v4).
#
#   scripts/fuzz.sh [DATABASE_URL]
#
# DATABASE_URL defaults to a fresh SQLite file in a temporary directory. A
# postgres:// URL names a database that this script creates with psql first
# and drops at the end (trust auth assumed), e.g.
#   scripts/fuzz.sh "postgres://postgres@127.0.0.1:5432/fuzz_$RANDOM$RANDOM"
#
# Environment:
#   KEEL_BIN            server binary (default target/debug/keel; not built here)
#   FUZZ_OUT            where the output and reports go (default target/fuzz)
#   FUZZ_MAX_EXAMPLES   schemathesis --max-examples (default 100)
#   FUZZ_MAX_TIME       schemathesis --max-time: the fuzzing and stateful phases
#                       repeat until this many seconds are spent (default 240)
#   FUZZ_TIMEOUT        hard limit on the schemathesis process, seconds
#                       (default FUZZ_MAX_TIME + 90)
#   FUZZ_WORKERS        schemathesis --workers (default 1: with more, schemathesis
#                       4.32 / Python 3.11 sometimes dies in the coverage phase with
#                       'AST constructor recursion depth mismatch', its own bug)
#   FUZZ_CATALOG=0      skip `keel seed` (the demo bakery gives the run real products)
#   FUZZ_SEED           schemathesis --seed (default: random)
#   FUZZ_EXTRA          extra schemathesis arguments, word-split
#   FUZZ_KEEP_ALL=1     do not exclude the token-killing operations below
#
# Operations that would end the admin's session or account, and with it the
# one bearer token the run uses, are excluded (see EXCLUDE below).
#
# Exit code: schemathesis's (124 if FUZZ_TIMEOUT cut it short).
set -euo pipefail
cd "$(dirname "$0")/.."

KEEL_BIN=${KEEL_BIN:-target/debug/keel}
case "$KEEL_BIN" in /*) ;; *) KEEL_BIN="$PWD/$KEEL_BIN" ;; esac
[ -x "$KEEL_BIN" ] || { echo "fuzz: no executable at $KEEL_BIN (build it or set KEEL_BIN)" >&2; exit 2; }
command -v schemathesis >/dev/null 2>&1 || { echo "fuzz: schemathesis missing (pip install schemathesis)" >&2; exit 2; }
command -v curl >/dev/null 2>&1 || { echo "fuzz: curl missing" >&2; exit 2; }

CONFIG="$PWD/scripts/schemathesis.toml"
OUT=${FUZZ_OUT:-target/fuzz}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-100}
MAX_TIME=${FUZZ_MAX_TIME:-240}
TIMEOUT=${FUZZ_TIMEOUT:-$((MAX_TIME + 90))}
WORKERS=${FUZZ_WORKERS:-1}

DIR=$(mktemp -d)
DB_URL=${1:-"sqlite://$DIR/keel.db?mode=rwc"}
KEEL_PID=""
PG_ADMIN_URL=""
PG_DB=""

cleanup() {
  local rc=$?
  if [ -n "$KEEL_PID" ]; then
    kill -TERM "$KEEL_PID" 2>/dev/null || true
    wait "$KEEL_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_DB" ]; then
    psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || echo "fuzz: could not drop database $PG_DB" >&2
  fi
  rm -rf "$DIR"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL: create the named database on the same server.
case "$DB_URL" in
  postgres://* | postgresql://*)
    command -v psql >/dev/null 2>&1 || { echo "fuzz: psql missing" >&2; exit 2; }
    base=${DB_URL%%\?*}
    PG_NAME=${base##*/}
    [[ "$PG_NAME" =~ ^[A-Za-z0-9_]+$ ]] || { echo "fuzz: database name '$PG_NAME' must be [A-Za-z0-9_]+" >&2; exit 2; }
    PG_ADMIN_URL="${base%/*}/postgres"
    psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "CREATE DATABASE \"$PG_NAME\"" >/dev/null
    PG_DB=$PG_NAME
    ;;
esac

rand() { python3 -c 'import secrets, string, sys; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for _ in range(int(sys.argv[1]))))' "$1"; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
ADMIN_EMAIL="fuzz-admin@example.com"
ADMIN_PASSWORD="fuzz-$(rand 20)"

# DATABASE_URL would win over APP__DATABASE__URL: keep a caller's out.
unset DATABASE_URL
export APP_ENV=development
export APP__SERVER__HOST=127.0.0.1
export APP__SERVER__PORT=$PORT
export APP__DATABASE__URL=$DB_URL
export APP__UPLOADS__DIR=$DIR/uploads
export APP__AUTH__JWT_SECRET
APP__AUTH__JWT_SECRET=$(rand 48)
export APP__AUTH__ACCESS_TOKEN_TTL_SECS=86400
# A webhook secret nobody knows: POST /webhooks/clerk and the admin event log
# are served (signature checks, 400s) instead of answering 404 "not configured".
export APP__CLERK__WEBHOOK_SECRET
APP__CLERK__WEBHOOK_SECRET="whsec_$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(24)).decode())')"
export RUST_LOG=${RUST_LOG:-warn}
export NO_COLOR=1

echo "== keel: $KEEL_BIN on $BASE, database $DB_URL"
"$KEEL_BIN" create-admin --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" >"$OUT/create-admin.log" 2>&1 \
  || { cat "$OUT/create-admin.log" >&2; echo "fuzz: create-admin failed" >&2; exit 2; }
if [ "${FUZZ_CATALOG:-1}" = 1 ]; then
  "$KEEL_BIN" seed >"$OUT/seed.log" 2>&1 || { cat "$OUT/seed.log" >&2; echo "fuzz: seed failed" >&2; exit 2; }
fi

"$KEEL_BIN" serve >"$OUT/keel.log" 2>&1 &
KEEL_PID=$!
for i in $(seq 1 150); do
  if curl -fsS -o /dev/null --max-time 2 "$BASE/health" 2>/dev/null; then break; fi
  if ! kill -0 "$KEEL_PID" 2>/dev/null; then cat "$OUT/keel.log" >&2; echo "fuzz: keel exited" >&2; exit 2; fi
  [ "$i" = 150 ] && { cat "$OUT/keel.log" >&2; echo "fuzz: keel did not answer /health in 30 s" >&2; exit 2; }
  sleep 0.2
done

login_body=$(curl -sS --max-time 10 -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}")
TOKEN=$(printf '%s' "$login_body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') \
  || { echo "fuzz: login failed: $login_body" >&2; exit 2; }

# Operations excluded because they end the session the run's one bearer
# token belongs to: logout revokes it, DELETE /auth/sessions/{id} revokes it
# once the stateful phase feeds it an id from GET /auth/sessions, and
# DELETE /users/me deactivates the admin and ends all its sessions. (Admins
# cannot demote, deactivate or delete themselves through /users/{id} (409),
# and a password change keeps the current session, so those stay in.)
EXCLUDE=(
  --exclude-name 'POST /api/v1/auth/logout'
  --exclude-name 'DELETE /api/v1/auth/sessions/{id}'
  --exclude-name 'DELETE /api/v1/users/me'
)
[ "${FUZZ_KEEP_ALL:-0}" = 1 ] && EXCLUDE=()

CMD=(schemathesis --config-file "$CONFIG" run "$BASE/api/v1/openapi.json"
  --checks all
  -H "Authorization: Bearer $TOKEN"
  --max-examples "$MAX_EXAMPLES"
  --max-time "$MAX_TIME"
  --workers "$WORKERS"
  --request-timeout 10
  --generation-database none
  --no-color
  --output-truncate false
  --report junit,ndjson
  --report-dir "$OUT"
  "${EXCLUDE[@]}")
[ -n "${FUZZ_SEED:-}" ] && CMD+=(--seed "$FUZZ_SEED")
# shellcheck disable=SC2206
[ -n "${FUZZ_EXTRA:-}" ] && CMD+=($FUZZ_EXTRA)

printf '%q ' "${CMD[@]}" | sed "s/$TOKEN/\$TOKEN/" >"$OUT/command.txt"
echo >>"$OUT/command.txt"
echo "== schemathesis $(schemathesis --version 2>/dev/null | awk '{print $NF}'): output in $OUT/schemathesis.txt"
set +e
# Run from $OUT: schemathesis keeps its crash cache (.schemathesis/, replayed
# first on the next run) in the working directory, not in the repository.
(cd "$OUT" && timeout --signal=INT --kill-after=20 "$TIMEOUT" "${CMD[@]}" >"$OUT/schemathesis.txt" 2>&1)
ST_RC=$?
set -e
tail -n 40 "$OUT/schemathesis.txt"

# Did the run keep the admin's token alive?
me=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/api/v1/users/me" -H "Authorization: Bearer $TOKEN" || true)
echo "== after the run GET /api/v1/users/me with the run's token: $me"
[ "$me" = 200 ] || echo "fuzz: the run's token no longer works; later results may be 401s" >&2
panics=$(grep -c 'panicked at' "$OUT/keel.log" || true)
echo "== server panics logged: $panics (see $OUT/keel.log)"
exit "$ST_RC"
