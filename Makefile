# phicrypt: `make test` runs every test of the repository.
GO ?= go
export PATH := $(PATH):/usr/local/go/bin

.PHONY: test test-main test-vault test-gorm check-tools deps lint quickstart

test: check-tools deps lint test-main test-vault test-gorm

check-tools:
	@command -v $(GO) >/dev/null || { echo "make test: Go is not installed (want Go 1.26 in PATH or /usr/local/go/bin)" >&2; exit 1; }

# Database servers that internal/testdb starts for the tests.
deps:
	bash scripts/test-deps.sh

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi
	$(GO) run $(STATICCHECK) ./...

test-main:
	$(GO) vet ./...
	$(GO) test -race -timeout 30m ./...

# The real Vault server runs in process; its module is kept apart so the main
# module does not depend on Vault's server code. -mod=mod lets it follow the
# main module (a replace directive) when that gains a dependency.
test-vault:
	cd integration/vault && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -race ./...

# The GORM integration and its example are modules of their own so that the
# main module does not depend on GORM. Its benchmarks are not run here.
test-gorm:
	cd integration/gorm && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -race ./...
	cd examples/gorm && $(GO) vet -mod=mod ./... && $(GO) test -mod=mod -race ./...

quickstart:
	$(GO) run ./examples/quickstart
