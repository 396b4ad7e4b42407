# Attest — run `make help` for the targets.
GO      ?= go
PKGS    ?= ./...
BIN     := bin/attest

.DEFAULT_GOAL := help
.PHONY: help run build test check-generated vet bench load generate deps deps-test db-stop psql clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

run: deps ## start PostgreSQL (unless DATABASE_URL is set), migrate, load demo data, serve on 127.0.0.1:8080
	$(GO) build -o $(BIN) ./cmd/attest
	./$(BIN) dev

build: ## build bin/attest
	$(GO) build -o $(BIN) ./cmd/attest

test: deps-test check-generated vet ## vet, check generated templ code, run every test against real PostgreSQL and Chromium
	$(GO) test -p 2 -parallel 4 -timeout 20m -count=1 $(PKGS)

check-generated: ## fail when committed *_templ.go files differ from `templ generate`
	@before=$$(cat templates/*_templ.go templates/**/*_templ.go 2>/dev/null | sha256sum); \
	$(GO) tool templ generate >/dev/null 2>&1; \
	after=$$(cat templates/*_templ.go templates/**/*_templ.go 2>/dev/null | sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "templ output was stale: regenerated; commit the *_templ.go changes"; exit 1; fi

vet: ## go vet
	$(GO) vet $(PKGS)

bench: deps-test ## run the benchmarks (figures go to docs/performance.md)
	$(GO) test -run '^$$' -bench . -benchmem -timeout 30m $(PKGS)

LOAD_ADDR ?= 127.0.0.1:8119
load: build deps ## load the scale fixture, start a server on LOAD_ADDR, warm it up 10 s, then drive 200 req/s for 30 s over seven pages (docs/performance.md)
	./$(BIN) seed --scale large
	@ATTEST_ADDR=$(LOAD_ADDR) ./$(BIN) serve >/tmp/attest-load-serve.log 2>&1 & pid=$$!; \
	for i in $$(seq 1 50); do curl -sf http://$(LOAD_ADDR)/healthz >/dev/null 2>&1 && break; sleep 0.2; done; \
	./$(BIN) loadtest -url http://$(LOAD_ADDR); status=$$?; kill $$pid; wait $$pid 2>/dev/null; exit $$status

generate: ## regenerate templ components
	$(GO) tool templ generate

deps: ## install the PostgreSQL server binaries if missing
	@.ci/install-deps postgres

deps-test: ## install PostgreSQL, Chromium, poppler-utils and qpdf if missing
	@.ci/install-deps test

db-stop: ## stop the project-local PostgreSQL
	$(GO) run ./cmd/attest localdb stop

psql: ## open psql on the project-local database
	$(GO) run ./cmd/attest localdb psql

clean: ## remove build output (keeps .data)
	rm -rf bin
