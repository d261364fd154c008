# phicrypt: `make test` runs every test of the repository.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: test test-main test-vault check-tools deps quickstart

test: check-tools deps test-main test-vault

check-tools:
	@command -v $(GO) >/dev/null || { echo "make test: Go is not installed (want Go 1.26 in PATH or /usr/local/go/bin)" >&2; exit 1; }

# Database servers that internal/testdb starts for the tests.
deps:
	bash scripts/test-deps.sh

test-main:
	$(GO) vet ./...
	$(GO) test -race ./...

# The real Vault server runs in process; its module is kept apart so the main
# module does not depend on Vault's server code. -mod=mod lets it follow the
# main module (a replace directive) when that gains a dependency.
test-vault:
	cd integration/vault && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -race ./...

quickstart:
	$(GO) run ./examples/quickstart
