"""probewatch.service under a real systemd (PID 1 of an nspawn container of this machine's own OS)."""
import json
import time

import pytest

import scenarios
from conftest import REPO
from container import Container, ContainerError

DRIVER_REMOVED_ID = "fa2f3448f73c45268b5ac6beb8ec3202"
LOG = "/var/log/probewatch/probewatch.jsonl"
DROP_IN_DIR = "/etc/probewatch/probewatch.conf.d"


@pytest.fixture(scope="module")
def container(binary, modules_dir, tmp_path_factory):
    reason = Container.available()
    if reason:
        pytest.skip(f"cannot boot a systemd container here: {reason}")
    try:
        box = Container(REPO, binary, modules_dir, str(tmp_path_factory.mktemp("nspawn") / "console.log"))
    except ContainerError as error:  # nspawn itself could not run; a boot that goes wrong fails instead
        pytest.skip(f"cannot boot a systemd container here: {error}")
    try:
        box.install()
        yield box
    finally:
        box.close()


def start(container):
    container.run("systemctl", "start", "probewatch")  # Type=notify: returns once READY=1 arrived
    assert container.show("probewatch", "ActiveState") == "active"
    assert container.show("probewatch", "SubState") == "running"
    return int(container.show("probewatch", "MainPID"))


def entries(container, *matches):
    text = container.journal("-u", "probewatch", *matches, "-o", "json")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_type_notify_service_reports_a_race_to_the_journal_with_its_catalog_text(container):
    pid = start(container)
    assert "events" in container.show("probewatch", "StatusText")
    steps, _ = scenarios.SCENARIOS["driver-removed-before-bind"]  # needs MODALIAS matching via libkmod
    container.inject(steps)
    found = container.wait_until(lambda: entries(container, "PROBEWATCH_KIND=driver-removed-before-bind"),
                                 what="the race in the container's journal")
    fields = found[-1]
    assert fields["MESSAGE_ID"] == DRIVER_REMOVED_ID and fields["PRIORITY"] == "4"
    assert fields["DEVPATH"] == scenarios.dev("dev1") and fields["MODULE"] == scenarios.DRIVER
    assert int(fields["_PID"]) == pid and fields["_SYSTEMD_UNIT"] == "probewatch.service"
    explained = container.journal("-x", "-u", "probewatch", "PROBEWATCH_KIND=driver-removed-before-bind")
    assert "async_synchronize_full()" in explained, explained
    assert "driver-removed-before-bind:" in container.journal(f"MESSAGE_ID={DRIVER_REMOVED_ID}", "-o", "cat")
    own_log = container.journal("-u", "probewatch", "-o", "cat")
    assert "no module index" not in own_log  # /lib/modules readable under the sandbox
    # nspawn gives containers no /dev/kmsg: then, and only then, the daemon says it runs without it.
    has_kmsg = container.run("test", "-c", "/dev/kmsg", check=False).returncode == 0
    assert ("cannot read the kernel log" in own_log) == (not has_kmsg)

    container.run("systemctl", "stop", "probewatch")
    assert container.show("probewatch", "Result") == "success"
    assert container.show("probewatch", "ExecMainStatus") == "0"
    records = [json.loads(line) for line in container.run("cat", LOG).stdout.splitlines()]
    assert records[0]["type"] == "header" and records[-1]["type"] == "summary"
    assert any(r["type"] == "race" and r["kind"] == "driver-removed-before-bind" for r in records)


def test_reload_applies_a_drop_in_and_refuses_a_bad_one(container):
    pid = start(container)
    try:
        container.run("sh", "-c", f"printf '[Probes]\\nProbeTimeout=1s\\n' > {DROP_IN_DIR}/50-test.conf")
        container.run("systemctl", "reload", "probewatch")
        container.wait_until(lambda: "configuration reloaded" in container.journal("-u", "probewatch", "-o", "cat"),
                             what="the reload")
        container.inject(scenarios.SCENARIOS["probe-stalled"][0][:-1])  # stalls within 30 s only at 1s
        container.wait_until(lambda: entries(container, "PROBEWATCH_KIND=probe-stalled"), timeout=15,
                             what="a stall under the reloaded timeout")

        container.run("sh", "-c", f"printf '[Probes]\\nProbeTimeout=soon\\n' > {DROP_IN_DIR}/50-test.conf")
        refused = container.run("systemctl", "reload", "probewatch", check=False)
        assert refused.returncode != 0  # ExecReload= runs `config check` first
        assert container.show("probewatch", "ActiveState") == "active"
        assert int(container.show("probewatch", "MainPID")) == pid
    finally:
        container.run("rm", "-f", f"{DROP_IN_DIR}/50-test.conf")
        container.run("systemctl", "stop", "probewatch", check=False)


def test_the_watchdog_keeps_a_live_daemon_and_restarts_a_hung_one(container):
    container.run("mkdir", "-p", "/run/systemd/system/probewatch.service.d")
    container.run("sh", "-c", "printf '[Service]\\nWatchdogSec=1s\\nExecStart=\\nExecStart=/usr/local/bin/probewatch "
                  "run --test-freeze-on-sigusr2\\n' > /run/systemd/system/probewatch.service.d/watchdog.conf")
    container.run("systemctl", "daemon-reload")
    try:
        pid = start(container)
        time.sleep(3)  # three watchdog periods with nothing to do: the pings alone must keep it alive
        assert container.show("probewatch", "NRestarts") == "0"
        assert int(container.show("probewatch", "MainPID")) == pid
        container.run("systemctl", "kill", "--kill-who=main", "--signal=SIGUSR2", "probewatch")
        container.wait_until(lambda: container.show("probewatch", "NRestarts") not in ("", "0"), timeout=30,
                             what="systemd to restart the frozen daemon")
        new_pid = container.wait_until(
            lambda: container.show("probewatch", "SubState") == "running"
            and int(container.show("probewatch", "MainPID")) not in (0, pid)
            and container.show("probewatch", "MainPID"), what="the restarted daemon")
        assert int(new_pid) != pid
        assert "Watchdog timeout" in container.journal("-u", "probewatch", "-o", "cat")
    finally:
        container.run("rm", "-rf", "/run/systemd/system/probewatch.service.d")
        container.run("systemctl", "daemon-reload")
        container.run("systemctl", "stop", "probewatch", check=False)


def test_the_installed_unit_verifies_clean_and_is_hardened(container):
    unit = "/usr/local/lib/systemd/system/probewatch.service"
    verify = container.run("systemd-analyze", "verify", unit, check=False)
    assert verify.returncode == 0 and verify.stderr.strip() == "", verify.stderr
    security = container.run("systemd-analyze", "security", "--offline=yes", unit, check=False).stdout
    exposure = float(security.rsplit("Overall exposure level for probewatch.service:", 1)[1].split()[0])
    assert exposure <= 2.0, security
