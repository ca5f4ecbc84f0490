import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import module_tree  # noqa: E402
import scenarios  # noqa: E402
from daemon import Daemon  # noqa: E402
from namespaces import NetNamespace  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("PROBEWATCH_BIN", os.path.join(REPO, ".build", "debug", "probewatch"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"no probewatch binary at {path}: run `swift build` or set PROBEWATCH_BIN")
    return path


@pytest.fixture(scope="session")
def modules_dir(tmp_path_factory):
    return module_tree.build(str(tmp_path_factory.mktemp("modtree")), scenarios.MODULES)


@pytest.fixture
def netns():
    with NetNamespace() as namespace:
        yield namespace


@pytest.fixture
def start_daemon(binary, modules_dir, tmp_path):
    """Starts probewatch in a namespace and waits for its readiness signal (the snapshot record)."""
    started = []

    def start(namespace, *args, probe_timeout=scenarios.PROBE_TIMEOUT, json_log="-"):
        # Off unless a test turns it on: a developer's own journal is no place for test findings.
        quiet = [] if "--journal" in args else ["--no-journal"]
        # The host's kernel log is not part of any scenario: a test that wants one passes --kmsg.
        quiet += [] if "--kmsg" in args else ["--no-kmsg"]
        timeout = ["--probe-timeout", probe_timeout] if probe_timeout else []
        daemon = Daemon(namespace, binary, ["--modules-dir", modules_dir, *timeout, *quiet, *args],
                        stderr_path=str(tmp_path / f"daemon{len(started)}.stderr"), json_log=json_log)
        started.append(daemon)
        daemon.wait_ready()
        return daemon

    yield start
    for daemon in started:
        daemon.kill()


def run_live(namespace, daemon, steps):
    """Injects the steps, honouring awaits, then a sentinel; returns after the daemon stopped cleanly."""
    batch = []
    for step in steps:
        if "await" in step:
            namespace.inject(batch)
            batch = []
            kind = step["await"]
            daemon.wait_for(lambda records: any(r["type"] == "race" and r["kind"] == kind for r in records),
                            what=f"{kind} finding")
        else:
            batch.append(step)
    namespace.inject(batch + [scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0, daemon.stderr()
    assert daemon.of_type("summary"), "no summary record at exit"
    return daemon


def findings(records, prefix="/devices/pwtest/"):
    return sorted((r["kind"], r["devpath"], r["driver"]) for r in records
                  if r["type"] == "race" and r["devpath"].startswith(prefix))
