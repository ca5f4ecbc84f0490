"""Faults around the daemon: its journal goes away and comes back, its log's file system fills up or turns
read-only, it is stopped mid-storm or restarted mid-sequence, and it is flooded with hostile uevents. Every
test drives the real binary with real kernel uevents in a private network namespace."""
import os
import random
import subprocess
import sys

import pytest

import scenarios
from conftest import findings
from faults_support import fill, mount_tmpfs, run_in, strict_records, wait_for_file
from namespaces import HERE, NetNamespace

STORM_PREFIX = "/devices/probewatch-storm/"
LOG_DIR = "/run/pwlog"
LOG = f"{LOG_DIR}/probewatch.jsonl"
JOURNAL_SOCKET = "/run/systemd/journal/socket"


def double_bind(name):
    return [scenarios.device_add(name), scenarios.bind(name), scenarios.bind(name)]


def storm_seqnums(records):
    return [r["seqnum"] for r in records if r["type"] == "event" and r["devpath"].startswith(STORM_PREFIX)]


def assert_every_counted_event_was_written(records):
    summary = records[-1]
    assert summary["type"] == "summary", f"last record is {summary['type']}, not the summary"
    events = [r for r in records if r["type"] == "event" and not r.get("invalid")]
    assert summary["events"] == len(events), (summary, len(events))
    seqnums = [r["seqnum"] for r in events]
    assert seqnums == sorted(set(seqnums)), "events written twice or out of SEQNUM order"


# 1 ------------------------------------------------------------------------------------------------------


def synced_journal(namespace, *matches):
    subprocess.run(namespace.command(["journalctl", "--sync"]), check=True, timeout=30)
    return namespace.journal(*matches)


def test_journald_vanishes_and_comes_back(start_daemon):
    with NetNamespace(private_run=True) as namespace:
        namespace.start_journald()
        daemon = start_daemon(namespace, "--journal")

        def race_for(name):
            namespace.inject(double_bind(name))
            daemon.wait_for(lambda records: any(r["devpath"] == scenarios.dev(name) for r in daemon.races()),
                            what=f"double-bind of {name}")

        def journal_races():
            return [e["DEVPATH"] for e in synced_journal(namespace, "SYSLOG_IDENTIFIER=probewatch",
                                                         "PROBEWATCH_KIND=double-bind")]

        namespace.inject([scenarios.driver("add"), scenarios.module("add")])
        race_for("first")
        assert journal_races() == [scenarios.dev("first")]

        namespace.journald.kill()  # SIGKILL: no goodbye; the socket file would stay behind without this
        namespace.journald.wait()
        os.unlink(namespace.path(JOURNAL_SOCKET))
        race_for("second")
        daemon.wait_for_stderr("double-bind: ")  # the finding, on stderr instead
        assert daemon.process.poll() is None

        namespace.start_journald()
        race_for("third")
        # The daemon sent the third entry before its JSON record reached us; journald may still be writing
        # it out, which `journalctl --sync` waits for.
        assert journal_races() == [scenarios.dev("first"), scenarios.dev("third")]

        namespace.inject([scenarios.sentinel()])
        daemon.wait_for_event(scenarios.SENTINEL)
        assert daemon.stop() == 0
    assert [r["devpath"] for r in daemon.races()] == [scenarios.dev(n) for n in ("first", "second", "third")]
    stderr = daemon.stderr()
    assert stderr.count("cannot log to the journal") == 1, stderr
    assert stderr.count("double-bind: ") == 1, stderr  # only the finding the journal missed
    assert scenarios.dev("second") in stderr
    assert "journal is reachable again" in stderr


# 2 ------------------------------------------------------------------------------------------------------


def log_config(tmp_path, text):
    config = tmp_path / "probewatch.conf"
    config.write_text("[JSONLog]\n" + text)
    return str(config)


def test_a_full_disk_loses_no_line_and_tears_none(start_daemon, tmp_path):
    """While the log's file system is full the daemon holds whole lines (and the rest of a line a short
    write cut) in a bounded buffer and retries on its sync timer: once space is back, the file has every
    record, in order, and every line is whole."""
    storm = 1500  # ~560 KB of event records: over the space left, well under the daemon's 4 MiB backlog
    with NetNamespace(private_run=True) as namespace:
        mount = mount_tmpfs(namespace, LOG_DIR, "1m")
        filler = os.path.join(mount, "filler")
        fill(filler, leave_bytes=160 * 1024)
        daemon = start_daemon(namespace, "--config", log_config(tmp_path, "SyncInterval=1s\n"), json_log=LOG)
        assert namespace.storm(storm) == storm  # fills the disk part way through
        namespace.inject([scenarios.driver("add"), scenarios.module("add")] + double_bind("full"))
        daemon.wait_for_line("RACE   double-bind")
        daemon.wait_for_stderr("JSON log write failed")
        assert daemon.process.poll() is None

        os.unlink(filler)  # space is back: the retry on the sync timer writes the held records
        log = namespace.path(LOG)
        wait_for_file(log, lambda data: b'"kind":"double-bind"' in data and data.endswith(b"\n"), timeout=15,
                      what="the records held while the disk was full", daemon=daemon)
        namespace.inject([scenarios.device_add("after"), scenarios.device_remove("after")])
        daemon.wait_for_line("RACE   device-removed-before-bind")
        assert daemon.stop() == 0
        records = strict_records(log)
    stderr = daemon.stderr()
    assert stderr.count("JSON log write failed") == 1, stderr  # once for the outage, not per record
    assert "No space left on device" in stderr and "JSON log writable again" in stderr
    assert records[0]["type"] == "header"
    seqnums = storm_seqnums(records)
    assert len(seqnums) == storm and seqnums == sorted(set(seqnums))
    assert findings(records) == [scenarios.finding("device-removed-before-bind", "after"),
                                 scenarios.finding("double-bind", "full")]
    assert_every_counted_event_was_written(records)


def test_a_read_only_log_directory_keeps_the_log_going(start_daemon, tmp_path, binary):
    """`mount -o remount,ro` of the log's file system is refused (EBUSY) while the daemon holds the log open
    for writing, so its write()s cannot fail with EROFS; what a read-only directory does break is rotation,
    which must open a new file in it. The daemon says so once, appends to the current file meanwhile, and
    rotates once the directory is writable again; nothing is lost or torn."""
    with NetNamespace(private_run=True) as namespace:
        mount_tmpfs(namespace, LOG_DIR, "8m")
        config = log_config(tmp_path, "MaxFileSize=64K\nMaxFiles=100\nSyncInterval=1s\n")
        daemon = start_daemon(namespace, "--config", config, json_log=LOG)

        busy = run_in(namespace, "mount", "-o", "remount,ro", LOG_DIR, check=False)
        assert busy.returncode != 0, "remount,ro succeeded under an open log: write errors are testable now"
        # The same directory, read-only, on top: new opens in it fail with EROFS, the open log still works.
        run_in(namespace, "mount", "--bind", LOG_DIR, LOG_DIR)
        run_in(namespace, "mount", "-o", "remount,bind,ro", LOG_DIR)
        namespace.storm(250)  # ~95 KB: past MaxFileSize once, short of the retry at twice the size
        namespace.inject([scenarios.driver("add"), scenarios.module("add")] + double_bind("ro"))
        daemon.wait_for_line("RACE   double-bind")
        daemon.wait_for_stderr("cannot rotate the JSON log")
        assert daemon.process.poll() is None

        run_in(namespace, "umount", LOG_DIR)  # writable again
        namespace.storm(250)
        namespace.inject([scenarios.device_add("rw"), scenarios.device_remove("rw")])
        daemon.wait_for_line("RACE   device-removed-before-bind")
        assert daemon.stop() == 0
        names = os.listdir(namespace.path(LOG_DIR))
        rotated = sorted((int(n.rsplit(".", 1)[1]) for n in names if n.startswith("probewatch.jsonl.")),
                         reverse=True)
        files = [namespace.path(f"{LOG}.{index}") for index in rotated] + [namespace.path(LOG)]
        per_file = [strict_records(path) for path in files]

        # With no writer left, the file system can go read-only: a start then fails cleanly and says why.
        run_in(namespace, "mount", "-o", "remount,ro", LOG_DIR)
        refused = subprocess.run(namespace.command([binary, "run", "--json-log", LOG, "--no-journal", "--no-kmsg"]),
                                 capture_output=True, text=True, timeout=30)
    stderr = daemon.stderr()
    assert stderr.count("cannot rotate the JSON log") == 1, stderr
    assert "Read-only file system" in stderr
    assert not [n for n in names if n.endswith(".new")]
    assert len(files) >= 2, f"no rotation after the directory was writable again: {names}"
    assert [records[0]["type"] for records in per_file] == ["header"] * len(files)
    assert [records[0]["rotation"] for records in per_file] == list(range(len(files)))
    records = [record for records in per_file for record in records[1:]]
    seqnums = storm_seqnums(records)
    assert len(seqnums) == 500 and seqnums == sorted(set(seqnums))
    assert findings(records) == [scenarios.finding("device-removed-before-bind", "rw"),
                                 scenarios.finding("double-bind", "ro")]
    assert_every_counted_event_was_written(records)
    assert 0 < refused.returncode < 128, refused  # an error exit, not a signal
    assert LOG in refused.stderr and "Read-only file system" in refused.stderr, refused.stderr


def test_past_its_bound_the_backlog_drops_whole_lines_and_counts_them(start_daemon, tmp_path):
    """The memory backlog is bounded (4 MiB): a storm bigger than that on a full disk drops the newest whole
    lines, says so once, and reports how many when the log is writable again; every line stays whole."""
    storm = 15_000  # ~5.6 MB of event records
    with NetNamespace(private_run=True) as namespace:
        mount = mount_tmpfs(namespace, LOG_DIR, "8m")  # room for the whole backlog once the filler is gone
        filler = os.path.join(mount, "filler")
        fill(filler, leave_bytes=16 * 1024)
        daemon = start_daemon(namespace, "--config", log_config(tmp_path, "SyncInterval=1s\n"), json_log=LOG)
        namespace.storm(storm)
        namespace.inject([scenarios.driver("add"), scenarios.module("add")] + double_bind("bound"))
        daemon.wait_for_line("RACE   double-bind")
        daemon.wait_for_stderr("memory backlog is full")
        os.unlink(filler)
        daemon.wait_for_stderr("JSON log writable again")  # the idle daemon's retry timer did it
        assert daemon.stop() == 0
        records = strict_records(namespace.path(LOG))
    stderr = daemon.stderr()
    assert stderr.count("JSON log write failed") == 1 and stderr.count("memory backlog is full") == 1, stderr
    dropped = int(stderr.split("dropped_lines=")[1].split()[0])
    summary = records[-1]
    assert summary["type"] == "summary" and summary["events"] == storm + 5
    produced = summary["events"] + summary["probes"] + summary["races"]
    written = [r for r in records if r["type"] in ("event", "probe", "race")]
    assert dropped > 0 and len(written) + dropped == produced, (dropped, len(written), produced)
    seqnums = storm_seqnums(records)
    assert seqnums == sorted(set(seqnums))


def test_stopping_while_the_disk_is_still_full_keeps_the_file_whole_and_counts_what_is_lost(start_daemon, tmp_path):
    with NetNamespace(private_run=True) as namespace:
        mount = mount_tmpfs(namespace, LOG_DIR, "1m")
        fill(os.path.join(mount, "filler"), leave_bytes=64 * 1024)
        daemon = start_daemon(namespace, json_log=LOG)
        namespace.storm(1000)
        namespace.inject([scenarios.driver("add"), scenarios.module("add")] + double_bind("exit"))
        daemon.wait_for_line("RACE   double-bind")
        daemon.wait_for_stderr("JSON log write failed")
        assert daemon.stop() == 0
        records = strict_records(namespace.path(LOG))  # a line a short write cut was cut off the file
    stderr = daemon.stderr()
    lost = int(stderr.split("lost_lines=")[1].split()[0])
    summary = next(line for line in daemon.bad_lines if line.startswith(b"probewatch: ") and b" events, " in line)
    events, probes, races = (int(summary.split(word)[0].split()[-1]) for word in (b" events", b" probes", b" races"))
    assert (events, probes, races) == (1005, 2, 1), summary  # each bind completes a probe
    # header + snapshot + events + probes + races + summary: each either in the file or counted as lost
    assert len(records) + lost == 3 + events + probes + races, (len(records), lost)
    assert records[0]["type"] == "header" and records[1]["type"] == "snapshot"

# 3 ------------------------------------------------------------------------------------------------------


def test_sigterm_mid_storm_writes_every_counted_event(start_daemon, tmp_path):
    storm = 50_000
    log = tmp_path / "probewatch.jsonl"
    with NetNamespace() as namespace:
        daemon = start_daemon(namespace, "--console", "events", json_log=str(log))
        sender = subprocess.Popen(namespace.command([sys.executable, os.path.join(HERE, "kernel_uevents.py"),
                                                     "storm", str(storm)]), stdout=subprocess.DEVNULL)
        try:
            # Console lines are the live signal; the log file is what is checked.
            daemon.wait_for(lambda _: len(daemon.bad_lines) >= 5000, what="5000 events on the console")
            assert sender.poll() is None, "the storm was over before SIGTERM; nothing tested mid-storm"
            assert daemon.stop() == 0, daemon.stderr()
        finally:
            sender.kill()
            sender.wait()
    records = strict_records(log)
    assert records[0]["type"] == "header"
    assert_every_counted_event_was_written(records[1:])
    written = len(storm_seqnums(records))
    assert 5000 <= written < storm, written


# 4 ------------------------------------------------------------------------------------------------------

D, M = scenarios.driver, scenarios.module
RESTART_CASES = {
    # The new run never saw r bind: its unbind is not `unbind-without-bind` (state unknown, not unbound).
    "unbind-of-a-device-bound-before-the-restart": (
        [D("add"), M("add"), scenarios.device_add("r"), scenarios.bind("r")],
        [scenarios.unbind("r"), D("remove"), M("remove")]),
    # The new run never saw r at all: its bind is not `double-bind`, and a rebind after an unbind is fine.
    "bind-of-a-device-added-before-the-restart": (
        [scenarios.device_add("r"), D("add"), M("add")],
        [scenarios.bind("r"), scenarios.unbind("r"), scenarios.bind("r")]),
    # Unplugged and plugged in again: no probe the new run saw start was cut short.
    "replug-of-a-device-bound-before-the-restart": (
        [D("add"), M("add"), scenarios.device_add("r"), scenarios.bind("r")],
        [scenarios.unbind("r"), scenarios.device_remove("r"), scenarios.device_add("r"), scenarios.bind("r")]),
    # The driver comes back (async) after the restart and binds a device the new run never saw added.
    "re-registration-across-the-restart": (
        [D("add"), M("add"), scenarios.device_add("r"), scenarios.bind("r"), scenarios.unbind("r"),
         D("remove"), M("remove")],
        [D("add"), M("add"), scenarios.bind("r")]),
    # A synchronous re-registration binds before its driver's `add`; the restart falls between the two.
    "sync-re-registration-across-the-restart": (
        [scenarios.device_add("r"), scenarios.bind("r"), D("add"), M("add"), scenarios.unbind("r"),
         D("remove"), M("remove"), scenarios.bind("r")],
        [D("add"), M("add")]),
}


@pytest.mark.parametrize("before, after", RESTART_CASES.values(), ids=RESTART_CASES.keys())
def test_a_restart_mid_sequence_invents_no_race(before, after, start_daemon):
    with NetNamespace() as namespace:
        old = start_daemon(namespace)
        namespace.inject(before + [scenarios.sentinel()])
        old.wait_for_event(scenarios.SENTINEL)
        assert old.stop() == 0
        new = start_daemon(namespace)
        namespace.inject(after + [scenarios.sentinel()])
        new.wait_for_event(scenarios.SENTINEL)
        assert new.stop() == 0
    seen = [(r["action"], r["devpath"]) for r in new.of_type("event") if r["devpath"] != scenarios.SENTINEL]
    assert seen == [(step["action"], step["devpath"]) for step in after]  # the new run saw every step
    assert findings(old.records) == [], "the stopped run reported a race"
    assert findings(new.records) == [], "the restarted run reported a race"


# 5 ------------------------------------------------------------------------------------------------------


def hostile_payloads(count, seed=20261125):
    """Random bytes, headers without `@`, missing ACTION/DEVPATH/SUBSYSTEM, unknown actions, keys without
    `=`, non-UTF-8 and `..` and over-1-KiB DEVPATHs (some on the scenario's own devices), payloads over the
    kernel's 2 KiB limit, fake libudev headers; and valid events with non-UTF-8 values, tagged PWNOISE."""
    rng = random.Random(seed)
    makers = [
        lambda i: rng.randbytes(rng.randint(1, 600)),
        lambda i: b"no-at-sign-%d\0ACTION=add\0DEVPATH=/devices/pwtest/ha\0SUBSYSTEM=pwtest\0" % i,
        lambda i: b"add@/devices/pwtest/ha\0DEVPATH=/devices/pwtest/ha\0SUBSYSTEM=pwtest\0",
        lambda i: b"add@/devices/pwtest/ha\0ACTION=add\0SUBSYSTEM=pwtest\0",
        lambda i: b"bind@/devices/pwtest/ha\0ACTION=bind\0DEVPATH=/devices/pwtest/ha\0DRIVER=pwtest_async\0",
        lambda i: b"explode@/devices/pwtest/ha\0ACTION=explode\0DEVPATH=/devices/pwtest/ha\0SUBSYSTEM=pwtest\0",
        lambda i: b"add@/devices/pwtest/ha\0ACTION=add\0DEVPATH=/devices/pwtest/ha\0SUBSYSTEM\0MODALIAS\0",
        lambda i: b"bind@/devices/pwtest/\xff\xfe\0ACTION=bind\0DEVPATH=/devices/pwtest/\xff\xfe\0"
                  b"SUBSYSTEM=pwtest\0DRIVER=pwtest_async\0",
        lambda i: b"bind@/devices/pwtest/x/../ha\0ACTION=bind\0DEVPATH=/devices/pwtest/x/../ha\0"
                  b"SUBSYSTEM=pwtest\0DRIVER=pwtest_async\0",
        lambda i: b"add@/l\0ACTION=add\0DEVPATH=/devices/pwtest/" + b"l" * 1100 + b"\0SUBSYSTEM=pwtest\0",
        lambda i: b"add@/devices/pwtest/c\x01\0ACTION=add\0DEVPATH=/devices/pwtest/c\x01\0SUBSYSTEM=pwtest\0",
        lambda i: b"change@/devices/pwtest/huge\0ACTION=change\0DEVPATH=/devices/pwtest/huge\0SUBSYSTEM=pwtest\0"
                  b"BIG=" + b"b" * 3000 + b"\0",
        lambda i: b"libudev\0" + rng.randbytes(rng.randint(0, 200)),
        lambda i: b"\0",
        lambda i: b"change@/devices/pwnoise/n%d\0ACTION=change\0DEVPATH=/devices/pwnoise/n%d\0SUBSYSTEM=pwnoise\0"
                  b"PWNOISE=%d\0LABEL=caf\xe9\xff%s\0" % (i, i, i, rng.randbytes(8).replace(b"\0", b"?")),
    ]
    return [makers[i % len(makers)](i) for i in range(count)]


def test_a_flood_of_hostile_uevents_leaves_every_valid_one_processed_once_in_order(netns, start_daemon):
    steps = [
        D("add"), M("add"),
        *double_bind("ha"),                                                   # double-bind
        scenarios.device_add("hb"), scenarios.device_remove("hb"),           # device-removed-before-bind
        scenarios.device_add("hc"), scenarios.bind("hc"), scenarios.unbind("hc"),  # benign
        scenarios.device_add("he", modalias="pwtest:v9999d0009"), scenarios.unbind("he"),  # unbind-without-bind
        scenarios.device_add("hd"), D("remove"), M("remove"),                # driver-removed-before-bind
    ]
    expected = sorted([scenarios.finding("double-bind", "ha"), scenarios.finding("device-removed-before-bind", "hb"),
                       ("unbind-without-bind", scenarios.dev("he"), ""),
                       scenarios.finding("driver-removed-before-bind", "hd")])
    hostile = hostile_payloads(6000)
    per_step = len(hostile) // len(steps)
    batch = []
    for index, step in enumerate(steps):
        batch += [{"raw_hex": data.hex()} for data in hostile[index * per_step:(index + 1) * per_step]]
        batch.append({**step, "props": {**step["props"], "PWSTEP": str(index)}})
    batch += [{"raw_hex": data.hex()} for data in hostile[len(steps) * per_step:]]
    noise = {int(m.split(b"PWNOISE=")[1].split(b"\0")[0]) for m in hostile if b"PWNOISE=" in m}

    daemon = start_daemon(netns, probe_timeout="30s")  # a slow CI machine must not turn a probe into a stall
    netns.inject(batch + [scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL, timeout=60)
    assert daemon.process.poll() is None
    assert daemon.stop() == 0, daemon.stderr()

    events = daemon.of_type("event")
    tagged = [r for r in events if "PWSTEP" in r["properties"] and not r.get("invalid")]
    assert [int(r["properties"]["PWSTEP"]) for r in tagged] == list(range(len(steps)))
    assert [(r["action"], r["devpath"]) for r in tagged] == [(s["action"], s["devpath"]) for s in steps]
    assert [r["seqnum"] for r in tagged] == sorted({r["seqnum"] for r in tagged})
    valid_noise = [int(r["properties"]["PWNOISE"]) for r in events if "PWNOISE" in r["properties"]]
    assert sorted(valid_noise) == sorted(noise), "a valid event with odd bytes was lost or doubled"
    assert all(r.get("escaped") == ["LABEL"] for r in events if "PWNOISE" in r["properties"])
    invalid = [r for r in events if r.get("invalid")]
    assert {r["invalid"] for r in invalid} == {"DEVPATH is not UTF-8", "DEVPATH has . or .. segments",
                                              "DEVPATH longer than 1024 bytes", "DEVPATH has control characters"}
    assert all(r["devpath"].startswith("/devices/pwtest/") for r in invalid)  # and none reached the model:
    assert findings(daemon.records) == expected
    summary = daemon.of_type("summary")[0]
    assert summary["lost"] == 0 and summary["malformed"] >= len(invalid) + 1000
    assert daemon.bad_lines == []
