"""Each race kind from a real kernel uevent ordering that should produce it; benign orderings produce none."""
import pytest

import scenarios
from conftest import findings, run_live


@pytest.mark.parametrize("name", scenarios.RACE_SCENARIOS)
def test_race_scenario_produces_its_finding(name, netns, start_daemon):
    steps, expected = scenarios.SCENARIOS[name]
    daemon = run_live(netns, start_daemon(netns), steps)
    assert findings(daemon.records) == sorted(expected)
    race = next(r for r in daemon.races() if r["kind"] == name)
    assert race["bus"] == "pwtest"
    assert race["seqnums"] and all(isinstance(s, int) for s in race["seqnums"])
    assert race["window_usec"] >= 0 and race["message"] and race["severity"] in ("warning", "error")
    if name != "unbind-without-bind":
        assert race["module"] == "pwtest_async"


@pytest.mark.parametrize("name", scenarios.BENIGN_SCENARIOS)
def test_benign_scenario_produces_no_finding(name, netns, start_daemon):
    steps, _ = scenarios.SCENARIOS[name]
    daemon = run_live(netns, start_daemon(netns), steps)
    assert findings(daemon.records) == []
    probes = [p for p in daemon.of_type("probe") if p["devpath"].startswith("/devices/pwtest/")]
    expected_modes = {"async-probe": ["async", "async"], "re-registration": ["device-add", "async"],
                      "sync-re-registration": ["sync", "unknown"]}[name]
    assert [p["mode"] for p in probes] == expected_modes
    if name == "async-probe":
        assert all(p["latency_usec"] >= 0 and len(p["seqnums"]) == 2 for p in probes)


def test_event_records_follow_seqnum_order_and_carry_the_contract_fields(netns, start_daemon):
    steps, _ = scenarios.SCENARIOS["async-probe"]
    daemon = run_live(netns, start_daemon(netns), steps)
    events = [r for r in daemon.of_type("event") if r["devpath"].startswith("/devices/pwtest/")
              or r["devpath"] in (scenarios.DRIVER_PATH, scenarios.MODULE_PATH)]
    assert len(events) == 6
    seqnums = [e["seqnum"] for e in events]
    assert seqnums == sorted(seqnums)
    for record in daemon.records:
        assert record["schema"] == 1 and record["boot_id"] and record["host"]
        assert record["time"].endswith("Z") and len(record["time"]) == 27
    bind = next(e for e in events if e["action"] == "bind")
    assert bind["driver"] == "pwtest_async" and bind["source"] == "kernel"
    assert bind["properties"]["SEQNUM"] == str(bind["seqnum"])


def test_udev_source_sees_udevd_copies(netns, start_daemon):
    """--source udev listens to group 2, where udevd multicasts processed events with libudev's header."""
    daemon = start_daemon(netns, "--source", "udev")
    steps = [dict(step, group="udev", seqnum=1000 + index) for index, step in enumerate(
        [scenarios.device_add("dev1"), scenarios.driver("add"), scenarios.driver("remove"), scenarios.sentinel()])]
    netns.inject(steps)
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    assert findings(daemon.records) == [scenarios.finding("driver-removed-before-bind", "dev1")]
    assert {e["source"] for e in daemon.of_type("event") if e["devpath"].startswith("/devices/pwtest/")} == {"udev"}
