# probewatch: one place for setting up, building, testing and running.
SWIFT       ?= swift
PYTHON      ?= python3
APT_PACKAGES = pkg-config libudev-dev libsystemd-dev libkmod-dev kmod udev util-linux gcc systemd-container
BIN_DEBUG    = .build/debug/probewatch
BIN_RELEASE  = .build/release/probewatch
ARGS        ?=

.PHONY: all deps build release run test unit e2e bench clean

all: build

# Installs what a fresh Debian 12 machine lacks; a no-op when everything is there.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(PYTHON) -c 'import pytest' 2>/dev/null || $(PYTHON) -m pip install -q pytest

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Starts the daemon on this machine in the foreground (read-only: it only listens and reads /sys).
run: release
	$(BIN_RELEASE) run $(ARGS)

# The whole suite: pure core and adapter tests, then the real binary against real kernel uevents.
test: unit e2e

unit: deps
	$(SWIFT) test

e2e: release
	PROBEWATCH_BIN=$(CURDIR)/$(BIN_RELEASE) $(PYTHON) -m pytest -q Tests/EndToEnd

bench: release
	$(PYTHON) Benchmarks/live/bench_live.py --probewatch $(CURDIR)/$(BIN_RELEASE)

clean:
	rm -rf .build
