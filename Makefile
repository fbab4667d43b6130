# lianxin — `make run` serves the demo county at http://localhost:8080;
# `make test` runs every test against a real PostGIS. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       := bin/lianxin
PGPORT    ?= 54329
# The local cluster's admin URL and the app database; DATABASE_URL overrides both.
ADMIN_URL := postgres://postgres@127.0.0.1:$(PGPORT)/postgres?sslmode=disable
APP_URL   := $(if $(DATABASE_URL),$(DATABASE_URL),postgres://postgres@127.0.0.1:$(PGPORT)/lianxin?sslmode=disable)
export LIANXIN_PGPORT := $(PGPORT)

GO_SOURCES := $(shell find . -name '*.go' -not -path './node_modules/*' -not -path './frontend/node_modules/*') \
              $(wildcard migrations/*.sql) go.mod go.sum

.PHONY: help deps db-start db-stop db-create psql build run test test-go fuzz bench clean frontend test-browser

# The web map: npm ci when the lock file changes, vite build when a source does.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
                    frontend/index.html frontend/vite.config.js frontend/package.json frontend/package-lock.json
FRONTEND_DIST    := frontend/dist/index.html

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## install PostgreSQL, PostGIS and GDAL from the OS packages if missing
	@scripts/db.sh deps

db-start: deps ## start the project-local PostgreSQL under .data/ (initdb on first use)
	@scripts/db.sh start

db-stop: ## stop the project-local PostgreSQL
	@scripts/db.sh stop

db-create: db-start
	@if [ -z "$(DATABASE_URL)" ]; then \
	  psql -qAt "$(ADMIN_URL)" -c "SELECT 1 FROM pg_database WHERE datname = 'lianxin'" | grep 1 >/dev/null || \
	  psql -q "$(ADMIN_URL)" -c "CREATE DATABASE lianxin" ; fi

psql: db-start ## open psql on the app database
	@psql "$(APP_URL)"

build: $(BIN) ## build bin/lianxin (with the web map)

frontend: $(FRONTEND_DIST) ## build the web map into frontend/dist (npm ci + vite build, when sources changed)

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error

$(FRONTEND_DIST): frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run --silent build

$(BIN): $(GO_SOURCES) $(FRONTEND_DIST)
	@mkdir -p bin
	$(GO) build -o $(BIN) ./cmd/lianxin

run: build db-create ## set everything up and serve the demo county at http://localhost:8080
	@DATABASE_URL="$(APP_URL)" $(BIN) migrate --log-level warn
	@DATABASE_URL="$(APP_URL)" $(BIN) demo --if-empty --log-level warn
	@DATABASE_URL="$(APP_URL)" $(BIN) user demo --seed 1 --log-level warn
	@echo "lianxin: serving the demo county at http://$${LIANXIN_ADDR:-localhost:8080}"
	@DATABASE_URL="$(APP_URL)" $(BIN) serve

test: db-start frontend ## run every test against a real PostGIS (and Chromium for the web map)
	$(GO) vet ./...
	LIANXIN_TEST_DATABASE_URL="$(if $(DATABASE_URL),$(DATABASE_URL),$(ADMIN_URL))" \
	  $(GO) test -p 2 -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory test-browser

fuzz: db-start ## run every fuzz target briefly (FUZZTIME=5s each)
	LIANXIN_TEST_DATABASE_URL="$(if $(DATABASE_URL),$(DATABASE_URL),$(ADMIN_URL))" scripts/fuzz.sh

test-browser: build db-start ## drive the web map in Chromium against a demo county (screenshots in test-artifacts/)
	LIANXIN_TEST_DATABASE_URL="$(if $(DATABASE_URL),$(DATABASE_URL),$(ADMIN_URL))" scripts/browser-test.sh

bench: build db-start ## run the benchmarks and rewrite the figures in BENCHMARKS.md
	@WITH_BENCH=1 scripts/db.sh deps
	@scripts/bench.sh

clean: ## remove build output (the database under .data/ stays; make db-stop first to remove it)
	rm -rf bin
	find frontend/dist -mindepth 1 ! -name .gitkeep -delete
