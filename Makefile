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

.PHONY: demo demo-fleet test test-root test-workspace test-triage bench plugin plugin-local check-shared-modules e2e clean

# Build the plugin and the test host quietly (output only on failure), then
# run the demo: one request per failure case, one access-log line each.
demo:
	@mkdir -p bin
	@out=$$(cd $(TESTHOST) && $(WORK) $(GO) build -buildmode=plugin -tags goplugin -o $(CURDIR)/bin/upstreamcause.so ../../plugin 2>&1) || { echo "$$out" >&2; exit 1; }
	@out=$$(cd $(TESTHOST) && $(WORK) $(GO) build -tags goplugin -o $(CURDIR)/bin/testhost . 2>&1) || { echo "$$out" >&2; exit 1; }
	@./bin/testhost -plugin bin/upstreamcause.so -demo $(DEMO_FLAGS)
	@$(MAKE) --no-print-directory demo-fleet

# The end of the demo: a simulated three-node incident (three test-host
# processes with the plugin, real loopback failures; internal/testhost/fleet.go),
# then the triage command's report of the three nodes' logs.
FLEET_DIR      ?= bin/fleet
FLEET_DURATION ?= 25s
demo-fleet:
	@if [ -f cmd/upstreamcause/go.mod ]; then out=$$(cd cmd/upstreamcause && $(ROOT) $(GO) build -o $(CURDIR)/bin/upstreamcause . 2>&1) || { echo "$$out" >&2; exit 1; }; fi
	@echo
	@./bin/testhost -plugin bin/upstreamcause.so -fleet $(FLEET_DIR) -fleet-duration $(FLEET_DURATION)
	@echo
	@if [ -f cmd/upstreamcause/go.mod ]; then \
		echo "### upstreamcause triage $(FLEET_DIR)"; \
		./bin/upstreamcause triage --format text $(FLEET_DIR); st=$$?; [ $$st -le 1 ] || exit $$st; \
	else echo "(the triage command, cmd/upstreamcause, is not in this tree yet: no report)"; fi

test: test-root test-workspace test-triage

# The module on its own, without the workspace: the untagged packages.
test-root:
	$(ROOT) $(GO) vet ./...
	$(ROOT) $(GO) test -race ./...

# The goplugin build in the workspace: the plugin loaded into the test host.
test-workspace:
	cd $(TESTHOST) && $(WORK) $(GO) vet -tags goplugin . ../../plugin ../../scripts/e2e/noopplugin ./tykstub/tyk/... ./tykstub/tyk-pump/...
	cd $(TESTHOST) && $(WORK) $(GO) test -race -tags goplugin .

# The triage command and its package: modules of their own (their libraries
# never join the plugin's build), each vetted and tested on its own.
test-triage:
	cd triage && $(ROOT) $(GO) vet ./... && $(ROOT) $(GO) test -race ./...
	cd cmd/upstreamcause && $(ROOT) $(GO) vet ./... && $(ROOT) $(GO) test -race ./...

bench:
	cd $(TESTHOST) && $(WORK) $(GO) test -tags goplugin -run '^$$' -bench BenchmarkSuccessPath -benchtime $(BENCHTIME) .

# The plugin for a gateway version: TYK_VERSION=v5.8.15 (official compiler
# image, Docker) or TYK_SRC=/path/to/tyk (local source, Go workspace).
# Checks the shared modules first. See scripts/build-plugin.sh.
plugin:
	TYK_VERSION=$(TYK_VERSION) TYK_SRC=$(TYK_SRC) scripts/build-plugin.sh

# Would building with the gateway of GATEWAY_GOMOD raise any module it links?
check-shared-modules:
	$(ROOT) $(GO) run ./scripts/sharedmods -gateway $(GATEWAY_GOMOD)

# End to end on a real gateway binary: TYK_BIN=/path/to/tyk (built with
# -tags goplugin) and PLUGIN_SO; skips, saying why, without TYK_BIN.
e2e:
	scripts/e2e.sh

plugin-local:
	@mkdir -p dist
	cd $(TESTHOST) && $(WORK) $(GO) build -buildmode=plugin -tags goplugin -o $(CURDIR)/dist/upstreamcause.so ../../plugin

clean:
	rm -rf bin dist
