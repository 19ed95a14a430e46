#!/usr/bin/env bash
# The generated TypeScript client in clients/typescript.
#
#   scripts/client.sh generate   (make client)       serve Keel, snapshot its OpenAPI
#                                                     document into openapi.json and
#                                                     regenerate src/schema.d.ts
#   scripts/client.sh test       (make test-client)  fail if that snapshot is out of
#                                                     date, then run the client's tests
#                                                     (tsc + node --test) against Keel
#
# Keel is $KEEL_BIN (default target/debug/keel: build it first), served on a
# throwaway SQLite database and a free loopback port. Without node this prints
# SKIPPED and exits 0, unless CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CLIENT=$ROOT/clients/typescript
MODE=${1:-}
START=$SECONDS

case "$MODE" in
  generate | test) ;;
  *) echo "usage: scripts/client.sh generate|test" >&2; exit 2 ;;
esac

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "client: node and npm are required when CI=true (TypeScript client $MODE)" >&2
    exit 1
  fi
  echo "== SKIPPED TypeScript client $MODE: node/npm not installed"
  exit 0
fi

KEEL_BIN=${KEEL_BIN:-target/debug/keel}
if [ ! -x "$KEEL_BIN" ]; then
  echo "client: no Keel binary at $KEEL_BIN (run: cargo build --bin keel, or set KEEL_BIN)" >&2
  exit 1
fi
KEEL_BIN=$(cd "$(dirname "$KEEL_BIN")" && pwd)/$(basename "$KEEL_BIN")

WORK=$(mktemp -d)
KEEL_PID=""
stop_keel() {
  [ -n "$KEEL_PID" ] || return 0
  kill -TERM "$KEEL_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do # at most 10 s, then SIGKILL
    kill -0 "$KEEL_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$KEEL_PID" 2>/dev/null || true
  wait "$KEEL_PID" 2>/dev/null || true
  KEEL_PID=""
}
trap 'stop_keel; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Installs the client's pinned tools when node_modules is missing or older than the lock.
ensure_node_modules() {
  if [ ! -f "$CLIENT/node_modules/.package-lock.json" ] ||
    [ "$CLIENT/package-lock.json" -nt "$CLIENT/node_modules/.package-lock.json" ]; then
    echo "== npm ci in clients/typescript"
    (cd "$CLIENT" && npm ci --no-audit --no-fund)
  fi
}

# Starts Keel on port 0 and reads the address it bound from its log; sets BASE.
start_keel() {
  local log=$WORK/keel.log secret
  secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n') # 48 hex chars
  mkdir -p "$WORK/run"
  (
    cd "$WORK/run" # no ./config here: built-in defaults plus the variables below
    exec env -u DATABASE_URL -u RUST_LOG \
      APP_ENV=development \
      APP__SERVER__HOST=127.0.0.1 APP__SERVER__PORT=0 APP__SERVER__SHUTDOWN_TIMEOUT_SECS=2 \
      APP__DATABASE__URL="sqlite://$WORK/keel.db?mode=rwc" \
      APP__UPLOADS__DIR="$WORK/uploads" \
      APP__AUTH__JWT_SECRET="$secret" \
      APP__JOBS__SHUTDOWN_GRACE_SECS=2 \
      APP__LOG__LEVEL=info \
      "$KEEL_BIN" serve
  ) >"$log" 2>&1 &
  KEEL_PID=$!
  BASE=""
  for _ in $(seq 1 300); do # at most 30 s
    if ! kill -0 "$KEEL_PID" 2>/dev/null; then
      cat "$log" >&2
      echo "client: keel exited during startup" >&2
      KEEL_PID=""
      exit 1
    fi
    [ -n "$BASE" ] || BASE=$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's/^listening on //') || true
    if [ -n "$BASE" ] && node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$BASE/health"; then
      echo "== keel ($KEEL_BIN) at $BASE"
      return 0
    fi
    sleep 0.1
  done
  cat "$log" >&2
  echo "client: keel did not answer /health within 30 s" >&2
  exit 1
}

# Fetches the served document into $1/openapi.json (keys sorted, two-space
# indent: the same bytes as `jq -S .`) and generates $1/schema.d.ts from it.
generate_into() {
  local out=$1
  mkdir -p "$out"
  node - "$BASE/api/v1/openapi.json" "$out/openapi.json" <<'JS'
const fs = require("node:fs");
const [url, file] = process.argv.slice(2);
const sorted = (v) =>
  Array.isArray(v) ? v.map(sorted)
  : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]))
  : v;
fetch(url)
  .then(async (r) => {
    if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
    const doc = await r.json();
    if (typeof doc.openapi !== "string" || !doc.paths) throw new Error(`GET ${url}: not an OpenAPI document`);
    fs.writeFileSync(file, JSON.stringify(sorted(doc), null, 2) + "\n");
  })
  .catch((e) => { console.error(`client: ${e.message}`); process.exit(1); });
JS
  "$CLIENT/node_modules/.bin/openapi-typescript" "$out/openapi.json" --output "$out/schema.d.ts" >"$WORK/openapi-typescript.log" 2>&1 ||
    { cat "$WORK/openapi-typescript.log" >&2; echo "client: openapi-typescript failed" >&2; exit 1; }
}

ensure_node_modules
start_keel

case "$MODE" in
  generate)
    generate_into "$WORK/gen"
    cp "$WORK/gen/openapi.json" "$CLIENT/openapi.json"
    cp "$WORK/gen/schema.d.ts" "$CLIENT/src/schema.d.ts"
    stop_keel
    echo "== wrote clients/typescript/openapi.json and clients/typescript/src/schema.d.ts ($((SECONDS - START)) s)"
    ;;
  test)
    generate_into "$WORK/check"
    stale=0
    for pair in "openapi.json:openapi.json" "schema.d.ts:src/schema.d.ts"; do
      fresh=$WORK/check/${pair%%:*} committed=$CLIENT/${pair#*:}
      if ! diff -u --label "committed clients/typescript/${pair#*:}" --label "served by keel" \
        "$committed" "$fresh" >"$WORK/diff" 2>&1; then
        head -n 40 "$WORK/diff" >&2
        stale=1
      fi
    done
    if [ "$stale" = 1 ]; then
      echo "client out of date: run make client (scripts/client.sh generate) and commit clients/typescript" >&2
      exit 1
    fi
    echo "== clients/typescript/openapi.json and src/schema.d.ts match the served document"
    (cd "$CLIENT" && KEEL_URL=$BASE npm test)
    stop_keel
    echo "== TypeScript client: ok ($((SECONDS - START)) s)"
    ;;
esac
