"""The kernel log explains findings: a probe failure or deferral that /dev/kmsg reports (here a FIFO in its
record format; the machine's real /dev/kmsg is never written) lowers the finding to `info` and says why."""
import json
import os
import time

import pytest

import scenarios


def kmsg_record(text, device=None, level=3, sequence=[1000]):
    """One /dev/kmsg record: prio,seq,usec,flags;text, then dev_printk()'s SUBSYSTEM= and DEVICE= lines."""
    sequence[0] += 1
    usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    record = f"{level},{sequence[0]},{usec},-;{text}\n"
    if device:
        record += f" SUBSYSTEM={scenarios.BUS}\n DEVICE=+{scenarios.BUS}:{device}\n"
    return record.encode()


@pytest.fixture
def kmsg_fifo(tmp_path):
    path = tmp_path / "kmsg"
    os.mkfifo(path)
    writer = os.open(path, os.O_RDWR)  # a reader may come and go; the FIFO stays open
    yield str(path), writer
    os.close(writer)


@pytest.mark.parametrize("line, outcome, error", [
    ("pwtest_async: probe of dev1 failed with error -12", "failed", -12),
    ("pwtest dev1: probe with driver pwtest_async failed with error -5", "failed", -5),
    ("pwtest dev1: Driver pwtest_async requests probe deferral", "deferred", -517),
])
def test_a_logged_failure_gives_a_probe_outcome_and_explains_the_finding(line, outcome, error, netns, start_daemon,
                                                                         kmsg_fifo):
    path, writer = kmsg_fifo
    daemon = start_daemon(netns, "--kmsg", path)
    steps, _ = scenarios.SCENARIOS["driver-removed-before-bind"]
    netns.inject(steps[:2])  # the device, then its driver: the probe is pending
    daemon.wait_for(lambda records: any(r["type"] == "event" and r["devpath"] == scenarios.DRIVER_PATH for r in records))
    os.write(writer, kmsg_record(line, device="dev1" if line.startswith("pwtest ") else None))
    probe = daemon.wait_for(lambda records: [r for r in records if r["type"] == "probe" and r["outcome"] != "bound"],
                            what="the failed probe's record")[-1]
    probe = next(r for r in daemon.records if r["type"] == "probe" and r["outcome"] != "bound")
    assert (probe["devpath"], probe["driver"], probe["outcome"], probe["error"]) == (
        scenarios.dev("dev1"), scenarios.DRIVER, outcome, error)
    assert probe["mode"] == "async" and probe["latency_usec"] >= 0
    netns.inject(steps[2:])  # the driver goes away: the finding, explained
    race = daemon.wait_for(lambda records: [r for r in records if r["type"] == "race"], what="the finding")[-1]
    race = next(r for r in daemon.records if r["type"] == "race")
    assert race["kind"] == "driver-removed-before-bind" and race["severity"] == "info"
    assert race["explanation"] == line and line in race["message"]
    assert daemon.stop() == 0


def test_without_a_logged_failure_the_finding_stays_a_warning(netns, start_daemon, kmsg_fifo):
    path, writer = kmsg_fifo
    daemon = start_daemon(netns, "--kmsg", path)
    os.write(writer, kmsg_record("pwtest_async: probe of other9 failed with error -12"))  # another device
    os.write(writer, kmsg_record("usb 1-1: new high-speed USB device number 2 using xhci_hcd"))  # not a probe line
    steps, _ = scenarios.SCENARIOS["driver-removed-before-bind"]
    netns.inject(steps)
    race = daemon.wait_for(lambda records: [r for r in records if r["type"] == "race"], what="the finding")[-1]
    race = next(r for r in daemon.records if r["type"] == "race")
    assert race["severity"] == "warning" and "explanation" not in race
    assert daemon.stop() == 0


def test_a_saved_kernel_log_file_is_read_once_and_a_bind_after_removal_stays_an_error(netns, start_daemon, tmp_path):
    saved = tmp_path / "kmsg.txt"
    saved.write_bytes(kmsg_record("pwtest_async: probe of dev1 failed with error -19"))
    daemon = start_daemon(netns, "--kmsg", str(saved))
    steps, _ = scenarios.SCENARIOS["bind-after-driver-removed"]
    netns.inject([s for s in steps if "await" not in s])
    race = daemon.wait_for(lambda records: [r for r in records if r["type"] == "race"], timeout=10,
                           what="bind-after-driver-removed")[-1]
    race = next(r for r in daemon.records if r["type"] == "race")
    assert race["kind"] == "bind-after-driver-removed" and race["severity"] == "error"
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.stderr()
