"""probewatch.conf from the real binary: precedence, errors that stop the daemon, SIGHUP reload."""
import os
import signal
import subprocess
import time

import pytest

import scenarios
from conftest import findings

HERE = os.path.dirname(os.path.abspath(__file__))
STALL = scenarios.SCENARIOS["probe-stalled"][0][:-1]  # driver and device, without the await


def write(path, text):
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("layout", ["file", "drop-in", "flag"])
def test_defaults_then_file_then_drop_ins_then_flags(layout, netns, start_daemon, tmp_path):
    """Only the layer that says 1s can make a probe stall within 10 s; the default is 30 s."""
    main = tmp_path / "probewatch.conf"
    (tmp_path / "probewatch.conf.d").mkdir()
    write(main, "[Probes]\nProbeTimeout=1s\n" if layout == "file" else "[Probes]\nProbeTimeout=1h\n")
    if layout == "drop-in":
        write(tmp_path / "probewatch.conf.d" / "50-fast.conf", "[Probes]\nProbeTimeout=1s\n")
    flags = ["--probe-timeout", "1s"] if layout == "flag" else []
    daemon = start_daemon(netns, "--config", str(main), *flags, probe_timeout=None)
    netns.inject(STALL)
    daemon.wait_for(lambda records: any(r["type"] == "race" and r["kind"] == "probe-stalled" for r in records),
                    timeout=10, what="probe-stalled")
    assert daemon.stop() == 0


@pytest.mark.parametrize("text, where", [
    ("[Probes]\nProbeTimeout=soon\n", ":2: [Probes] ProbeTimeout=soon: invalid time span"),
    ("[Journal]\n\nRateLimit=5\n", ":3: [Journal] RateLimit"),
    ("Source=kernel\n", ":1:"),
])
def test_a_bad_file_is_an_error_naming_file_line_and_key_and_the_daemon_refuses_it(text, where, binary, tmp_path):
    path = write(tmp_path / "bad.conf", text)
    check = subprocess.run([binary, "config", "check", path], capture_output=True, text=True, timeout=30)
    assert check.returncode == 1 and f"{path}{where}" in check.stderr, check.stderr
    run = subprocess.run([binary, "run", "--config", path, "--no-journal", "--console", "none"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 78 and f"{path}{where}" in run.stderr, run.stderr


def test_config_check_prints_the_effective_configuration(binary, tmp_path):
    main = write(tmp_path / "probewatch.conf", "[Probes]\nProbeTimeout=2s\n")
    (tmp_path / "probewatch.conf.d").mkdir()
    write(tmp_path / "probewatch.conf.d" / "10-journal.conf", "[Journal]\nProbes=debug\n")
    check = subprocess.run([binary, "config", "check", main], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    assert "ProbeTimeout=2s" in check.stdout and "Probes=debug" in check.stdout
    assert "10-journal.conf" in check.stdout and "Source=kernel" in check.stdout


def test_events_arriving_during_reloads_are_all_kept(netns, start_daemon, tmp_path):
    config = tmp_path / "probewatch.conf"
    write(config, "[Probes]\nProbeTimeout=1h\n")
    daemon = start_daemon(netns, "--config", str(config))
    injector = subprocess.Popen(netns.command(["python3", os.path.join(HERE, "kernel_uevents.py"), "storm", "20000"]),
                                stdout=subprocess.PIPE)
    reloads = 0
    while injector.poll() is None:  # SIGHUPs for as long as the storm lasts
        daemon.process.send_signal(signal.SIGHUP)
        reloads += 1
        time.sleep(0.005)
    assert injector.wait() == 0 and reloads >= 5
    netns.inject([scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL, timeout=60)
    assert daemon.stop() == 0
    storm = [r["seqnum"] for r in daemon.of_type("event") if r["devpath"].startswith("/devices/probewatch-storm/")]
    assert len(storm) == 20000 and storm == sorted(storm)
    assert daemon.of_type("lost") == []
    assert daemon.stderr().count("configuration reloaded") >= 1


def test_sighup_reloads_without_losing_events_and_a_bad_reload_keeps_running(netns, start_daemon, tmp_path):
    config = tmp_path / "probewatch.conf"
    write(config, "[JSONLog]\nEventRecords=yes\n")
    daemon = start_daemon(netns, "--config", str(config))
    before = [{"action": "add", "devpath": f"/devices/pwreload/a{i}", "props": {"SUBSYSTEM": "pwreload"}}
              for i in range(50)]
    netns.inject(before)
    daemon.wait_for_event("/devices/pwreload/a49")

    write(config, "[JSONLog]\nEventRecords=no\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for_stderr("configuration reloaded")
    after = [{"action": "add", "devpath": f"/devices/pwreload/b{i}", "props": {"SUBSYSTEM": "pwreload"}}
             for i in range(50)]
    netns.inject(after + scenarios.SCENARIOS["double-bind"][0])
    daemon.wait_for(lambda records: findings(records), what="the double-bind after the reload")

    write(config, "[JSONLog]\nEventRecords=maybe\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for_stderr("reload failed; keeping the running configuration")
    netns.inject([scenarios.unbind("dev1"), scenarios.unbind("dev1")])
    daemon.wait_for(lambda records: len(findings(records)) == 2, what="the unbind-without-bind after it")
    assert daemon.stop() == 0

    events = {r["devpath"] for r in daemon.of_type("event")}
    assert {e["devpath"] for e in before} <= events
    assert not events & {e["devpath"] for e in after}, "EventRecords=no did not take effect"
    assert [r["kind"] for r in daemon.races()] == ["double-bind", "unbind-without-bind"]
    summary = daemon.of_type("summary")[0]
    assert summary["events"] == len(before) + len(after) + 5 + 2  # and the scenario's, and the unbinds
