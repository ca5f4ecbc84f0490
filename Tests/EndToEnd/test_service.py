"""probewatch.service under a real systemd (PID 1 of an nspawn container of this machine's own OS)."""
import json

import pytest

import scenarios
from conftest import REPO
from container import Container, ContainerError

DOUBLE_BIND_ID = "fca1cee222ac4237bce992df05c88072"
LOG = "/var/log/probewatch/probewatch.jsonl"


@pytest.fixture(scope="module")
def container(binary, tmp_path_factory):
    reason = Container.available()
    if reason:
        pytest.skip(f"cannot boot a systemd container here: {reason}")
    try:
        box = Container(REPO, binary, str(tmp_path_factory.mktemp("nspawn") / "console.log"))
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


def test_type_notify_service_reports_a_race_to_the_journal_with_its_catalog_text(container):
    pid = start(container)
    assert "events" in container.show("probewatch", "StatusText")
    steps, _ = scenarios.SCENARIOS["double-bind"]
    container.inject(steps)
    entry = container.wait_until(
        lambda: container.journal("-u", "probewatch", "PROBEWATCH_KIND=double-bind", "-o", "json").strip(),
        what="the double-bind entry in the container's journal")
    fields = json.loads(entry.splitlines()[-1])
    assert fields["MESSAGE_ID"] == DOUBLE_BIND_ID and fields["PRIORITY"] == "3"
    assert fields["DEVPATH"] == scenarios.dev("dev1") and fields["DRIVER"] == scenarios.DRIVER
    assert int(fields["_PID"]) == pid and fields["_SYSTEMD_UNIT"] == "probewatch.service"
    explained = container.journal("-x", "-u", "probewatch", "PROBEWATCH_KIND=double-bind")
    assert "really_probe() refuses a device" in explained, explained
    by_id = container.journal(f"MESSAGE_ID={DOUBLE_BIND_ID}", "-o", "cat")
    assert "double-bind:" in by_id

    container.run("systemctl", "reload", "probewatch")  # SIGHUP: RELOADING=1, then READY=1
    assert container.show("probewatch", "ActiveState") == "active"
    assert int(container.show("probewatch", "MainPID")) == pid

    container.run("systemctl", "stop", "probewatch")
    assert container.show("probewatch", "Result") == "success"
    assert container.show("probewatch", "ExecMainStatus") == "0"
    records = [json.loads(line) for line in container.run("cat", LOG).stdout.splitlines()]
    assert records[0]["type"] == "header" and records[-1]["type"] == "summary"
    assert any(r["type"] == "race" and r["kind"] == "double-bind" for r in records)


def test_the_watchdog_restarts_a_hung_daemon(container):
    container.run("mkdir", "-p", "/run/systemd/system/probewatch.service.d")
    container.run("sh", "-c", "printf '[Service]\\nWatchdogSec=2s\\nExecStart=\\nExecStart=/usr/local/bin/probewatch "
                  "run --test-freeze-on-sigusr2\\n' > /run/systemd/system/probewatch.service.d/watchdog.conf")
    container.run("systemctl", "daemon-reload")
    try:
        pid = start(container)
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
