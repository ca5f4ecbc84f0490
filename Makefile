# probewatch: one place for setting up, building, testing and running.
SWIFT       ?= swift
PYTHON      ?= python3
APT_PACKAGES = pkg-config libudev-dev libsystemd-dev libkmod-dev kmod udev util-linux gcc systemd-container librsvg2-bin
BIN_DEBUG    = .build/debug/probewatch
BIN_RELEASE  = .build/release/probewatch
ARGS        ?=

# Install locations (systemd's search paths for units and catalogs under /usr/local).
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
UNITDIR     ?= $(PREFIX)/lib/systemd/system
CATALOGDIR  ?= $(PREFIX)/lib/systemd/catalog
SYSCONFDIR  ?= /etc
DESTDIR     ?=
BIN         ?= $(BIN_RELEASE)

.PHONY: all deps build release run test unit e2e bench clean install install-files uninstall

all: build

# Installs what a fresh Debian 12 machine lacks; a no-op when everything is there.
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# Debian's own python3 refuses pip installs (PEP 668); its packages are the fallback there.
	@$(PYTHON) -c 'import pytest, jsonschema' 2>/dev/null || $(PYTHON) -m pip install -q pytest jsonschema \
		|| DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pytest python3-jsonschema >/dev/null

build: deps
	$(SWIFT) build

# The Swift runtime is linked in, so the installed daemon does not depend on where the toolchain lives.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

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

# Every benchmark of Benchmarks/README.md in turn (as root; about 15 minutes): the live 200,000-event storm,
# replay throughput with a perf profile, memory per device and under churn, idle wakeups. Each runs even
# when an earlier one failed; the target fails if any did.
.PHONY: bench-all
bench-all: release
	@failed=""; \
	for bench in "live/bench_live.py --events 200000 --reps 3" replay/bench_replay.py memory/bench_memory.py \
			idle/bench_idle.py; do \
		echo "== Benchmarks/$$bench"; \
		$(PYTHON) Benchmarks/$$bench --probewatch $(CURDIR)/$(BIN_RELEASE) || failed="$$failed $${bench%% *}"; \
	done; \
	if [ -n "$$failed" ]; then echo "failed:$$failed"; exit 1; fi

# libFuzzer over the parsers (uevent, udevadm text, JSON Lines, kmsg, config), FUZZ_SECONDS (default 60) each,
# built into .build-fuzz. Fails on any crash; the inputs land in .build-fuzz/fuzz/crashes. See Fuzz/README.md.
.PHONY: fuzz
fuzz: deps
	Fuzz/run_fuzzers.sh

# Binary, unit, journal catalog and default configuration (an existing configuration is kept).
install: release install-files

install-files:
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/probewatch
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(SYSCONFDIR)/probewatch/probewatch.conf.d
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/probewatch.service.in > $(DESTDIR)$(UNITDIR)/probewatch.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/probewatch.service
	install -m 0644 systemd/probewatch.catalog $(DESTDIR)$(CATALOGDIR)/probewatch.catalog
	test -e $(DESTDIR)$(SYSCONFDIR)/probewatch/probewatch.conf || \
		install -m 0644 config/probewatch.conf $(DESTDIR)$(SYSCONFDIR)/probewatch/probewatch.conf
	@if [ -z "$(DESTDIR)" ]; then \
		journalctl --update-catalog; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
		echo "installed; start with: systemctl enable --now probewatch"; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/probewatch $(DESTDIR)$(UNITDIR)/probewatch.service \
		$(DESTDIR)$(CATALOGDIR)/probewatch.catalog
	@if [ -z "$(DESTDIR)" ]; then journalctl --update-catalog; fi
	@echo "kept $(SYSCONFDIR)/probewatch/ and /var/log/probewatch/"

clean:
	rm -rf .build
