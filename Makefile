# Targets: demo (README's first command), test (what CI runs), bench,
# plugin-local. Needs only Go (with cgo: plugins need a C toolchain) and make.
#
# Everything that imports Tyk is built in the test workspace
# internal/testhost/go.work, which resolves Tyk's modules to the stand-ins in
# internal/testhost/tykstub, the way Tyk's plugin compiler builds a plugin in
# a workspace with the gateway's source.

GO       ?= go
TESTHOST := internal/testhost
WORK     := GOWORK=$(CURDIR)/$(TESTHOST)/go.work
ROOT     := GOWORK=off
BENCHTIME ?= 2s

.PHONY: demo test test-root test-workspace bench plugin-local clean

# Build the plugin and the test host quietly (output only on failure), then
# run the demo: one request per failure case, one access-log line each.
demo:
	@mkdir -p bin
	@out=$$(cd $(TESTHOST) && $(WORK) $(GO) build -buildmode=plugin -tags goplugin -o $(CURDIR)/bin/upstreamcause.so ../../plugin 2>&1) || { echo "$$out" >&2; exit 1; }
	@out=$$(cd $(TESTHOST) && $(WORK) $(GO) build -tags goplugin -o $(CURDIR)/bin/testhost . 2>&1) || { echo "$$out" >&2; exit 1; }
	@./bin/testhost -plugin bin/upstreamcause.so -demo $(DEMO_FLAGS)

test: test-root test-workspace

# The module on its own, without the workspace: the untagged packages.
test-root:
	$(ROOT) $(GO) vet ./...
	$(ROOT) $(GO) test -race ./...

# The goplugin build in the workspace: the plugin loaded into the test host.
test-workspace:
	cd $(TESTHOST) && $(WORK) $(GO) vet -tags goplugin . ./tykstub/tyk/... ./tykstub/tyk-pump/...
	cd $(TESTHOST) && $(WORK) $(GO) test -race -tags goplugin .

bench:
	cd $(TESTHOST) && $(WORK) $(GO) test -tags goplugin -run '^$$' -bench BenchmarkSuccessPath -benchtime $(BENCHTIME) .

plugin-local:
	@mkdir -p dist
	cd $(TESTHOST) && $(WORK) $(GO) build -buildmode=plugin -tags goplugin -o $(CURDIR)/dist/upstreamcause.so ../../plugin

clean:
	rm -rf bin dist
