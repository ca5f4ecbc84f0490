"""Structured journal entries, checked in a private journald (its own mount namespace, a tmpfs on /run)."""
import json
import os
import re
import subprocess
import time

import pytest

import scenarios
from conftest import REPO, run_live
from namespaces import NetNamespace

# The ids of Sources/ProbeWatchCore/Journal/MessageIDs.swift: API, so the test spells them out.
MESSAGE_IDS = {
    "driver-removed-before-bind": "fa2f3448f73c45268b5ac6beb8ec3202",
    "bind-after-driver-removed": "e8c8b63592014736bb41674519983bf4",
    "device-removed-before-bind": "d803fd7974a34f419414f2e7c9355db4",
    "double-bind": "fca1cee222ac4237bce992df05c88072",
    "unbind-without-bind": "94a33e24f6094e2ba2fdddf296b53620",
    "probe-stalled": "a0b164a09d7f4a36966e4b728524e8d7",
    "lost": "dd17c7b144c74edcb024dd0116682b90",
    "probe": "35b2e5c0d9b44233841ec50d998b166e",
    "suppressed": "f91d46f12abf4c2db17ce68c6aa43060",
}


@pytest.fixture
def journal_ns():
    with NetNamespace(private_run=True) as namespace:
        namespace.start_journald()
        yield namespace


def synced_journal(namespace, *matches):
    """`journalctl --sync` asks journald to write out everything it received, then the entries are read."""
    subprocess.run(namespace.command(["journalctl", "--sync"]), check=True, timeout=30)
    return namespace.journal(*matches)


@pytest.mark.parametrize("kind", scenarios.RACE_SCENARIOS)
def test_each_finding_is_one_entry_with_every_structured_field(kind, journal_ns, start_daemon):
    steps, _ = scenarios.SCENARIOS[kind]
    daemon = run_live(journal_ns, start_daemon(journal_ns, "--journal"), steps)
    race = next(r for r in daemon.races() if r["kind"] == kind)
    entries = synced_journal(journal_ns, "SYSLOG_IDENTIFIER=probewatch", f"PROBEWATCH_KIND={kind}")
    assert len(entries) == 1, entries
    entry = entries[0]
    assert entry["MESSAGE"] == f"{kind}: {race['message']}"
    assert entry["PRIORITY"] == ("3" if race["severity"] == "error" else "4")
    assert entry["MESSAGE_ID"] == MESSAGE_IDS[kind]
    assert entry["PROBEWATCH_SEVERITY"] == race["severity"]
    assert entry["DEVPATH"] == race["devpath"]
    assert entry.get("DRIVER") == (race["driver"] or None)
    assert entry["SUBSYSTEM"] == race["bus"] == "pwtest"
    assert entry.get("MODULE") == race["module"]
    assert entry["SEQNUM"] == str(race["seqnums"][0])
    assert entry["PROBEWATCH_SEQNUMS"] == " ".join(map(str, race["seqnums"]))
    assert entry["PROBEWATCH_WINDOW_USEC"] == str(race["window_usec"])
    assert json.loads(entry["PROBEWATCH_JSON"]) == race
    assert int(entry["_PID"]) == daemon.process.pid


def test_probes_are_info_entries_and_raw_events_stay_out(journal_ns, start_daemon):
    steps, _ = scenarios.SCENARIOS["async-probe"]
    daemon = run_live(journal_ns, start_daemon(journal_ns, "--journal"), steps)
    entries = synced_journal(journal_ns, "SYSLOG_IDENTIFIER=probewatch")
    probes = [e for e in entries if e.get("PROBEWATCH_KIND") == "probe" and e["DEVPATH"].startswith("/devices/pwtest/")]
    assert [p["DEVPATH"] for p in probes] == [scenarios.dev("dev1"), scenarios.dev("dev2")]
    assert {p["PRIORITY"] for p in probes} == {"6"} and {p["MESSAGE_ID"] for p in probes} == {MESSAGE_IDS["probe"]}
    assert {p["PROBEWATCH_MODE"] for p in probes} == {"async"}
    assert not [e for e in entries if e.get("PROBEWATCH_KIND") == "event"]
    kinds = [e.get("PROBEWATCH_KIND") for e in entries]
    assert kinds[0] == "snapshot" and kinds[-1] == "summary"
    assert daemon.of_type("summary")


def test_own_rate_limit_writes_one_summary_and_the_json_log_keeps_everything(journal_ns, start_daemon, tmp_path):
    config = tmp_path / "probewatch.conf"
    config.write_text("[Journal]\nProbes=no\nRateLimitBurst=3\nRateLimitIntervalSec=1h\n")
    steps = []
    for index in range(10):
        name = f"rl{index}"
        steps += [scenarios.device_add(name), scenarios.bind(name), scenarios.bind(name)]
    daemon = run_live(journal_ns, start_daemon(journal_ns, "--journal", "--config", str(config)),
                      [scenarios.driver("add"), scenarios.module("add")] + steps)
    assert len([r for r in daemon.races() if r["kind"] == "double-bind"]) == 10
    entries = synced_journal(journal_ns, "SYSLOG_IDENTIFIER=probewatch")
    races = [e for e in entries if e.get("PROBEWATCH_KIND") == "double-bind"]
    summaries = [e for e in entries if e.get("PROBEWATCH_KIND") == "suppressed"]
    assert len(races) == 3
    assert len(summaries) == 1, summaries
    assert summaries[0]["MESSAGE_ID"] == MESSAGE_IDS["suppressed"]
    assert summaries[0]["PROBEWATCH_SUPPRESSED"] == "7" and summaries[0]["PROBEWATCH_SUPPRESSED_FINDINGS"] == "7"


def test_the_summary_of_held_back_entries_comes_when_the_interval_ends(journal_ns, start_daemon, tmp_path):
    config = tmp_path / "probewatch.conf"
    config.write_text("[Journal]\nProbes=no\nRateLimitBurst=1\nRateLimitIntervalSec=1s\n")
    daemon = start_daemon(journal_ns, "--journal", "--config", str(config))
    steps = [scenarios.driver("add"), scenarios.module("add"), scenarios.device_add("dev1")]
    journal_ns.inject(steps + [scenarios.bind("dev1")] * 4)  # three double-binds
    daemon.wait_for(lambda records: len(daemon.races()) == 3, what="three double-binds")
    deadline_entries = []
    for _ in range(50):  # the daemon is still running: only its timer can have sent the summary
        deadline_entries = synced_journal(journal_ns, "SYSLOG_IDENTIFIER=probewatch", "PROBEWATCH_KIND=suppressed")
        if deadline_entries:
            break
        time.sleep(0.1)
    assert daemon.process.poll() is None
    assert [e["PROBEWATCH_SUPPRESSED"] for e in deadline_entries] == ["2"]
    assert daemon.stop() == 0


def test_without_a_journal_findings_go_to_stderr_after_a_single_warning(start_daemon):
    with NetNamespace(private_run=True) as namespace:  # a private /run without journald: no socket
        steps, _ = scenarios.SCENARIOS["double-bind"]
        daemon = run_live(namespace, start_daemon(namespace, "--journal"), steps + steps[3:])
    stderr = daemon.stderr()
    assert len(daemon.races()) == 3
    assert stderr.count("cannot log to the journal") == 1, stderr
    assert stderr.count("double-bind: ") == 3


def test_the_catalog_explains_every_message_id(tmp_path):
    catalog = open(os.path.join(REPO, "systemd", "probewatch.catalog")).read()
    assert sorted(re.findall(r"^-- ([0-9a-f]{32})$", catalog, re.M)) == sorted(MESSAGE_IDS.values())
    root = tmp_path / "root"
    (root / "usr/lib/systemd/catalog").mkdir(parents=True)
    (root / "usr/lib/systemd/catalog/probewatch.catalog").write_text(catalog)
    update = subprocess.run(["journalctl", f"--root={root}", "--update-catalog"], capture_output=True, text=True)
    assert update.returncode == 0 and "rror" not in update.stderr, update.stderr
    for kind, message_id in MESSAGE_IDS.items():
        shown = subprocess.run(["journalctl", f"--root={root}", "--dump-catalog", message_id],
                               capture_output=True, text=True, check=True).stdout
        assert "Subject:" in shown and "Defined-By: probewatch" in shown, (kind, shown)
