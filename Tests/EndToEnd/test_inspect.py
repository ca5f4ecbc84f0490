"""timeline, races and export on logs of the end-to-end scenarios, and the journal round trip:
journal -> export -> JSON Lines -> timeline gives what the daemon's own JSON log gives."""
import json
import subprocess

import pytest

import scenarios
from daemon import Daemon
from namespaces import NetNamespace

DEV1, DEV3, DEV4 = scenarios.dev("dev1"), scenarios.dev("dev3"), scenarios.dev("dev4")
STEPS = scenarios.SCENARIOS["async-probe"][0] + [
    scenarios.device_add("dev3", "pwtest:v0001d0003"), scenarios.driver("remove"), scenarios.module("remove"),
    scenarios.driver("add"), scenarios.device_add("dev4"), scenarios.bind("dev4"), scenarios.bind("dev4"),
    scenarios.sentinel()]


@pytest.fixture(scope="module")
def recorded(binary, modules_dir, tmp_path_factory):
    """One run of the scenario steps, logged both to a JSON Lines file and to a private journald."""
    directory = tmp_path_factory.mktemp("inspect")
    log, config = directory / "probewatch.jsonl", directory / "probewatch.conf"
    config.write_text("[Journal]\nEvents=yes\nRateLimitBurst=100000\n")
    with NetNamespace(private_run=True) as namespace:
        namespace.start_journald()
        daemon = Daemon(namespace, binary, ["--modules-dir", modules_dir, "--probe-timeout", "30s", "--journal",
                                            "--config", str(config)], str(directory / "daemon.stderr"), json_log=str(log))
        daemon.wait_ready()
        namespace.inject(STEPS)
        daemon.wait_for_line("RACE   double-bind")
        assert daemon.stop() == 0
        subprocess.run(namespace.command(["journalctl", "--sync"]), check=True, timeout=30)
        yield {"log": str(log), "journal": namespace.path("/run/log/journal"), "dir": directory}


def probewatch(binary, *args, ok=True):
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def test_a_device_timeline_shows_seqnums_notes_and_fits_80_columns(binary, recorded):
    text = probewatch(binary, "timeline", DEV1, "--from", recorded["log"]).stdout
    assert text.startswith(f"{DEV1}  (pwtest)")
    assert "driver pwtest_async add" in text and "probe pending by pwtest_async" in text
    assert "async bind" in text and "after the driver registered" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    rows = json.loads(probewatch(binary, "timeline", DEV1, "--from", recorded["log"], "--json").stdout)
    seqnums = [row["seqnum"] for row in rows["devices"][0]["rows"]]
    assert seqnums == sorted(seqnums) and len(seqnums) == 3
    assert rows["devices"][0]["rows"][0]["offset_usec"] == 0


def test_a_driver_view_by_name_or_module_shows_windows_and_concurrency(binary, recorded):
    by_driver = json.loads(probewatch(binary, "timeline", "--driver", scenarios.DRIVER, "--from", recorded["log"],
                                      "--json").stdout)
    by_module = json.loads(probewatch(binary, "timeline", "--module", "pwtest-async", "--from", recorded["log"],
                                      "--json").stdout)
    assert by_driver == by_module
    view = by_driver["drivers"][0]
    assert [r["what"] for r in view["registrations"]][:2] == ["driver pwtest_async add", "module pwtest_async add"]
    assert view["peak_concurrency"] == 2  # dev1 and dev2 pending from the same driver add
    outcomes = {(w["devpath"], w["outcome"]) for w in view["windows"]}
    assert (DEV3, "driver-removed-before-bind") in outcomes and (DEV4, "double-bind") in outcomes
    text = probewatch(binary, "timeline", "--driver", scenarios.DRIVER, "--from", recorded["log"]).stdout
    assert "at most 2 pending at once" in text and max(len(line) for line in text.splitlines()) <= 80


def test_races_counts_per_kind_and_driver_and_filters(binary, recorded):
    summary = json.loads(probewatch(binary, "races", "--from", recorded["log"], "--json").stdout)
    logged = [json.loads(line) for line in open(recorded["log"])]
    races = [r for r in logged if r["type"] == "race"]
    assert sum(c["count"] for c in summary["by_kind"]) == len(races) == len(summary["findings"])
    assert {c["name"] for c in summary["by_kind"]} == {r["kind"] for r in races}
    assert summary["by_driver"] == [{"name": "pwtest/pwtest_async", "count": len(races)}]
    only = json.loads(probewatch(binary, "races", "--from", recorded["log"], "--kind", "double-bind", "--json").stdout)
    assert [f["devpath"] for f in only["findings"]] == [DEV4]
    assert "double-bind" in probewatch(binary, "races", "--from", recorded["log"]).stdout


def test_export_from_the_journal_round_trips_to_the_same_timeline(binary, recorded):
    exported = recorded["dir"] / "exported.jsonl"
    probewatch(binary, "export", "--from-journal", "-D", recorded["journal"], "-o", str(exported))
    original = [json.loads(line) for line in open(recorded["log"]) if '"header"' not in line]
    assert [json.loads(line) for line in open(exported)] == original
    for args in (["timeline", "--json"], ["timeline", "--json", "--driver", scenarios.DRIVER], ["races", "--json"]):
        from_log = probewatch(binary, *args, "--from", recorded["log"]).stdout
        from_journal = probewatch(binary, *args, "--journal", "-D", recorded["journal"]).stdout
        from_export = probewatch(binary, *args, "--from", str(exported)).stdout
        assert from_journal == from_log and from_export == from_log, args


def test_since_and_until_select_a_time_range(binary, recorded):
    times = [json.loads(line)["time"] for line in open(recorded["log"])]
    after = probewatch(binary, "races", "--from", recorded["log"], "--since", "2999-01-01T00:00:00Z", ok=False)
    assert after.returncode == 1 and "no probewatch records" in after.stderr and "time range" in after.stderr
    first_only = probewatch(binary, "timeline", "--json", "--from", recorded["log"], "--until", times[1]).stdout
    assert json.loads(first_only)["devices"] == []
    bad = probewatch(binary, "races", "--from", recorded["log"], "--since", "yesterday", ok=False)
    assert bad.returncode == 64 and "RFC 3339" in bad.stderr


@pytest.mark.parametrize("command", [["timeline"], ["races"]])
def test_damaged_input_gets_a_clear_message(command, binary, recorded, tmp_path):
    missing = probewatch(binary, *command, "--from", str(tmp_path / "nope.jsonl"), ok=False)
    assert missing.returncode == 1 and "cannot read" in missing.stderr and "nope.jsonl" in missing.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = probewatch(binary, *command, "--from", str(empty), ok=False)
    assert result.returncode == 1 and "no probewatch records" in result.stderr

    lines = open(recorded["log"]).read().splitlines()
    damaged = tmp_path / "damaged.jsonl"
    newer = json.loads(lines[-1]) | {"schema": 2}
    damaged.write_text("\n".join(lines + [json.dumps(newer), lines[-1][: len(lines[-1]) // 2]]))
    result = probewatch(binary, *command, "--from", str(damaged))
    assert "the last line is cut off" in result.stderr and "schema 2 skipped" in result.stderr
    assert result.stdout == probewatch(binary, *command, "--from", recorded["log"]).stdout
    assert "Traceback" not in result.stderr and "Fatal" not in result.stderr


def test_export_needs_a_journal(binary, tmp_path):
    result = probewatch(binary, "export", "--from-journal", "-D", str(tmp_path / "none"), ok=False)
    assert result.returncode == 1 and "journal" in result.stderr
    assert probewatch(binary, "export", ok=False).returncode == 64
