# Keel: `make run` serves on SQLite, `make test` runs every test.
SHELL := /bin/bash
CARGO ?= cargo
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
TEST_PG_URL ?= postgres://postgres@$(PG_HOST):$(PG_PORT)/postgres
REDIS_HOST ?= 127.0.0.1
REDIS_PORT ?= 6379
TEST_REDIS_URL ?= redis://$(REDIS_HOST):$(REDIS_PORT)

# cargo-nextest when installed (a process per test), plain cargo test otherwise.
TEST_RUNNER := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo "nextest run --no-fail-fast" || echo "test --no-fail-fast")

-include .env
export

.PHONY: run build cluster cluster-stop test test-sqlite test-postgres test-redis test-client client fuzz lint check-layers fmt bench profile clean-test-dbs

## Serve on SQLite (./data/keel.db), applying migrations first.
run:
	$(CARGO) run --bin keel -- serve

build:
	$(CARGO) build --workspace --all-targets

## N keel processes (CLUSTER_N, default 3) on the local PostgreSQL and Redis
## behind HAProxy (installed from Debian's packages when missing); prints the URL.
cluster:
	bash scripts/cluster.sh start

cluster-stop:
	bash scripts/cluster.sh stop

## Every test: unit, adapter and end-to-end on SQLite, then adapter and
## end-to-end again on PostgreSQL, then the Redis-backed tests (each
## required when CI=true).
test: test-sqlite test-postgres test-redis test-client

test-sqlite:
	$(CARGO) build --bin keel
	env -u TEST_DATABASE_URL KEEL_BIN=$$(realpath $${CARGO_TARGET_DIR:-target})/debug/keel $(CARGO) $(TEST_RUNNER) --workspace -- --skip postgres_ --skip redis_

test-postgres:
	@if (exec 3<>/dev/tcp/$(PG_HOST)/$(PG_PORT)) 2>/dev/null; then \
		$(MAKE) --no-print-directory clean-test-dbs; \
		echo "== PostgreSQL-backed tests against $(TEST_PG_URL)"; \
		$(CARGO) build --bin keel && \
		KEEL_BIN=$$(realpath $${CARGO_TARGET_DIR:-target})/debug/keel TEST_DATABASE_URL=$(TEST_PG_URL) $(CARGO) $(TEST_RUNNER) -p keel-infrastructure -p keel-e2e -- --skip redis_; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is required when CI=true but nothing answers on $(PG_HOST):$(PG_PORT)"; exit 1; \
	else \
		echo "== SKIPPED PostgreSQL-backed tests: nothing answers on $(PG_HOST):$(PG_PORT) (docker compose up -d postgres)"; \
	fi

## The Redis adapters, instances sharing Redis and the HAProxy cluster (on
## PostgreSQL): the tests named redis_*.
test-redis:
	@if (exec 3<>/dev/tcp/$(REDIS_HOST)/$(REDIS_PORT)) 2>/dev/null && (exec 3<>/dev/tcp/$(PG_HOST)/$(PG_PORT)) 2>/dev/null; then \
		echo "== Redis-backed tests against $(TEST_REDIS_URL) and $(TEST_PG_URL)"; \
		skip=""; \
		if ! command -v haproxy >/dev/null 2>&1; then \
			if [ "$$CI" = "true" ]; then echo "HAProxy is required when CI=true (apt-get install haproxy)"; exit 1; fi; \
			echo "== SKIPPED the cluster test: HAProxy is not installed (apt-get install haproxy)"; skip="--skip redis_cluster"; \
		fi; \
		$(CARGO) build --bin keel && \
		KEEL_BIN=$$(realpath $${CARGO_TARGET_DIR:-target})/debug/keel TEST_REDIS_URL=$(TEST_REDIS_URL) TEST_DATABASE_URL=$(TEST_PG_URL) $(CARGO) $(TEST_RUNNER) -p keel-infrastructure -p keel-e2e -- redis_ $$skip; \
	elif [ "$$CI" = "true" ]; then \
		echo "Redis ($(REDIS_HOST):$(REDIS_PORT)) and PostgreSQL are required when CI=true"; exit 1; \
	else \
		echo "== SKIPPED Redis-backed tests: Redis ($(REDIS_HOST):$(REDIS_PORT)) or PostgreSQL does not answer (docker compose up -d redis postgres)"; \
	fi

## The TypeScript client: fails when it is out of date with the served
## document, then type-checks it and runs its flow test against a live
## server (skipped without Node, required when CI=true).
test-client:
	cargo build --bin keel
	KEEL_BIN=$${CARGO_TARGET_DIR:-target}/debug/keel bash scripts/client.sh test

## Regenerates clients/typescript (openapi.json + src/schema.d.ts).
client:
	cargo build --bin keel
	KEEL_BIN=$${CARGO_TARGET_DIR:-target}/debug/keel bash scripts/client.sh generate

## schemathesis --checks all against the served document, as an admin, on a
## fresh SQLite database (pass FUZZ_DB=postgres://... for PostgreSQL).
fuzz:
	cargo build --bin keel
	KEEL_BIN=$${CARGO_TARGET_DIR:-target}/debug/keel bash scripts/fuzz.sh $(FUZZ_DB)

## Drops the per-test databases earlier PostgreSQL runs left behind.
clean-test-dbs:
	@if command -v psql >/dev/null 2>&1; then \
		psql "$(TEST_PG_URL)" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'" 2>/dev/null \
		| while read -r db; do psql "$(TEST_PG_URL)" -qc "DROP DATABASE IF EXISTS \"$$db\" WITH (FORCE)" >/dev/null 2>&1 || true; done; \
	fi

lint: check-layers
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## The hexagon points inward: domain and application reach no framework,
## driver or crypto crate, and http never reaches SeaORM.
check-layers:
	@for c in keel-domain keel-application; do \
		hit=$$($(CARGO) tree -p $$c -e normal --prefix none | grep -oE '^(actix-web|actix-http|sea-orm|sqlx|reqwest|jsonwebtoken|argon2|config|tokio|utoipa) ' | sort -u | tr '\n' ' '); \
		if [ -n "$$hit" ]; then echo "$$c reaches $$hit"; exit 1; fi; done
	@hit=$$($(CARGO) tree -p keel-http -e normal --prefix none | grep -oE '^(sea-orm|sqlx)[a-z-]* ' | sort -u | tr '\n' ' '); \
		if [ -n "$$hit" ]; then echo "keel-http reaches $$hit"; exit 1; fi
	@echo "layers: ok"

fmt:
	$(CARGO) fmt --all

## Release build + wrk on loopback, SQLite and PostgreSQL; writes docs/benchmarks.md.
bench:
	bash scripts/bench.sh

## perf profile of uncached /users/me and the product mix; writes docs/profile.md.
profile:
	bash scripts/profile.sh
