"""Every record the daemon writes matches the published format, docs/probewatch-records.schema.json: races and
benign orderings, an overflow, hostile input and a log file with its header, all from real kernel uevents."""
import copy
import json
import os
import signal
import subprocess

import jsonschema
import pytest

import scenarios
from conftest import REPO, run_live
from namespaces import NetNamespace
from test_hostile_input import MALFORMED, raw
from test_storm import send_until_received

SCHEMA_PATH = os.path.join(REPO, "docs", "probewatch-records.schema.json")
# The record types each run below must produce: together, every type the schema knows.
EXPECTED_TYPES = {
    "scenarios": {"snapshot", "event", "probe", "race", "summary"},
    "overflow": {"snapshot", "event", "lost", "summary"},
    "hostile": {"snapshot", "event", "race", "summary"},
    "log_file": {"header", "snapshot", "event", "probe", "race", "summary"},
    "replay": {"event", "probe", "race", "summary"},
}


@pytest.fixture(scope="module")
def validator():
    with open(SCHEMA_PATH) as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def check(validator, records, run):
    """Validates every record and that the run produced its expected types; returns the records by type."""
    problems = [f"{error.json_path}: {error.message}\n    in {json.dumps(record)[:300]}"
                for record in records for error in validator.iter_errors(record)]
    assert not problems, f"{len(problems)} schema violations, e.g.:\n" + "\n".join(problems[:10])
    by_type = {}
    for record in records:
        by_type.setdefault(record["type"], []).append(record)
    missing = EXPECTED_TYPES[run] - set(by_type)
    assert not missing, f"run {run} wrote no {sorted(missing)} record"
    return by_type


def test_the_runs_below_cover_every_record_type(validator):
    assert set().union(*EXPECTED_TYPES.values()) == set(validator.schema["properties"]["type"]["enum"])


def test_race_and_benign_scenarios_from_both_sources_match_the_schema(validator, netns, start_daemon):
    records = []
    for steps, _ in scenarios.SCENARIOS.values():
        daemon = run_live(netns, start_daemon(netns), steps)
        assert daemon.bad_lines == []
        records += daemon.records
    daemon = start_daemon(netns, "--source", "udev")
    udev_steps = [scenarios.device_add("dev1"), scenarios.driver("add"), scenarios.driver("remove"),
                  scenarios.sentinel()]
    netns.inject([dict(step, group="udev", seqnum=1000 + index) for index, step in enumerate(udev_steps)])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0 and daemon.bad_lines == []
    records += daemon.records

    by_type = check(validator, records, "scenarios")
    assert {r["kind"] for r in by_type["race"]} >= set(scenarios.RACE_SCENARIOS)
    assert {r["mode"] for r in by_type["probe"]} == {"sync", "async", "device-add", "unknown"}
    assert {r["source"] for r in by_type["event"]} >= {"kernel", "udev"}


def test_an_overflow_with_its_lost_and_resync_records_matches_the_schema(validator, start_daemon, binary):
    # Without CAP_NET_ADMIN (a user namespace) the buffer cannot be forced up; a small one, not read while
    # the storm arrives, overflows whatever the machine's speed and net.core.rmem_max.
    with NetNamespace(user=True) as namespace:
        daemon = start_daemon(namespace, "--console", "none", "--receive-buffer", "65536")
        assert os.path.realpath(f"/proc/{daemon.process.pid}/exe") == os.path.realpath(binary)  # nsenter exec'd it
        os.kill(daemon.process.pid, signal.SIGSTOP)
        try:
            namespace.storm(5_000)
        finally:
            os.kill(daemon.process.pid, signal.SIGCONT)
        send_until_received(namespace, daemon, "/devices/probewatch-test/after-storm")
        assert daemon.stop() == 0
    assert daemon.bad_lines == []
    by_type = check(validator, daemon.records, "overflow")
    assert "resync" in {r["reason"] for r in by_type["snapshot"]}


def test_hostile_input_with_invalid_escaped_and_truncated_events_matches_the_schema(validator, netns, start_daemon):
    daemon = start_daemon(netns)
    steps, _ = scenarios.SCENARIOS["driver-removed-before-bind"]
    # The kernel takes at most 2 KiB per uevent, whose control bytes grow 6x when JSON-escaped: a DEVPATH,
    # written twice (devpath and properties), takes a line past 16 KiB. A short header line is enough for libudev.
    long_devpath = b"/devices/pwtest/" + b"\x01" * 1900
    netns.inject([item for step in steps for item in (step, *MALFORMED)] + [
        raw(b"change@/devices/pwtest/odd\0ACTION=change\0DEVPATH=/devices/pwtest/odd\0SUBSYSTEM=pwtest\0"
            b"LABEL=caf\xe9\\\xff\0"),
        raw(b"change@/\0ACTION=change\0DEVPATH=" + long_devpath + b"\0SUBSYSTEM=pwtest\0"),
        {"action": "change", "devpath": "/devices/pwtest/big", "props": {"SUBSYSTEM": "pwtest", "BIG": "\x01" * 1800}},
        scenarios.sentinel()])
    daemon.wait_for_event(scenarios.SENTINEL)
    assert daemon.stop() == 0
    assert daemon.bad_lines == []
    events = check(validator, daemon.records, "hostile")["event"]
    assert any("invalid" in e for e in events)
    assert any(e.get("escaped") == ["LABEL"] for e in events)
    assert any(e.get("truncated") is True for e in events)
    assert daemon.longest_line <= 16 * 1024


def test_a_json_log_file_with_its_header_and_its_replay_match_the_schema(
        validator, netns, start_daemon, tmp_path, binary, modules_dir):
    log = tmp_path / "probewatch.jsonl"
    daemon = start_daemon(netns, json_log=str(log))
    netns.inject(scenarios.SCENARIOS["double-bind"][0])
    daemon.wait_for_line("RACE   double-bind")
    assert daemon.stop() == 0
    lines = log.read_bytes().split(b"\n")
    assert lines[-1] == b""
    records = [json.loads(line) for line in lines[:-1]]
    assert records[0]["type"] == "header" and [r["type"] for r in records].count("header") == 1
    check(validator, records, "log_file")

    replay = subprocess.run([binary, "replay", "--json-log", "-", "--modules-dir", modules_dir, str(log)],
                            capture_output=True, timeout=60)
    assert replay.returncode == 0, replay.stderr
    replayed = [json.loads(line) for line in replay.stdout.splitlines()]
    check(validator, replayed, "replay")


def test_the_schema_rejects_a_missing_an_unknown_or_a_mistyped_field(validator, netns, start_daemon):
    steps, _ = scenarios.SCENARIOS["driver-removed-before-bind"]
    daemon = run_live(netns, start_daemon(netns), steps)
    race = next(r for r in daemon.races() if r["kind"] == "driver-removed-before-bind")
    assert list(validator.iter_errors(race)) == []

    def errors(change):
        """(keyword, field, message) of each violation in a changed copy of the record."""
        record = copy.deepcopy(race)
        change(record)
        return [(error.validator, "/".join(map(str, error.path)), error.message)
                for error in validator.iter_errors(record)]

    def violates(change, keyword, field="", mentioning=""):
        found = errors(change)
        return any(k == keyword and f == field and mentioning in m for k, f, m in found) or found

    assert violates(lambda r: r.pop("window_usec"), "required", mentioning="'window_usec'") is True
    assert violates(lambda r: r.update(window_us=r["window_usec"]), "additionalProperties",
                    mentioning="'window_us'") is True
    assert violates(lambda r: r.update(schema=2), "const", "schema") is True
    assert violates(lambda r: r.update(window_usec=str(r["window_usec"])), "type", "window_usec") is True
    assert violates(lambda r: r.update(kind="double-bound"), "enum", "kind") is True
    assert errors(lambda r: r.update(module=None)) == []  # null where the daemon writes null for unknown,
    assert violates(lambda r: r.pop("module"), "required", mentioning="'module'") is True  # never left out
