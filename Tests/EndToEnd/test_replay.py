"""Replaying real `udevadm monitor` captures gives the findings the live daemon gives for the same scenario."""
import glob
import json
import os
import subprocess

import pytest

import scenarios
from conftest import findings, run_live

CAPTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Fixtures", "udevadm")


def capture_files():
    paths = sorted(glob.glob(os.path.join(CAPTURES, "*.txt")))
    assert paths, f"no captures in {CAPTURES} (make_captures.py records them)"
    return paths


def replay(binary, modules_dir, *args):
    result = subprocess.run(
        [binary, "replay", "--json-log", "-", "--modules-dir", modules_dir,
         "--probe-timeout", scenarios.PROBE_TIMEOUT, *args],
        capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("path", capture_files(), ids=os.path.basename)
def test_replay_of_a_capture_matches_the_live_run(path, binary, modules_dir, netns, start_daemon):
    name, variant = os.path.basename(path).split(".")[:2]
    steps, expected = scenarios.SCENARIOS[name]
    live = findings(run_live(netns, start_daemon(netns), steps).records)
    replayed = findings(replay(binary, modules_dir, path))
    assert replayed == live == sorted(expected)


def test_kernel_and_udev_copies_count_once(binary, modules_dir):
    path = os.path.join(CAPTURES, "async-probe.property-kernel-udev.txt")
    events = [r for r in replay(binary, modules_dir, path) if r["type"] == "event"]
    with open(path) as handle:
        text = handle.read()
    assert text.count("\nUDEV  [") == text.count("\nKERNEL[") > 0
    assert len(events) == text.count("\nKERNEL[")
    assert {e["source"] for e in events} == {"kernel"}


def test_replaying_our_own_json_log_gives_the_same_findings(binary, modules_dir, netns, start_daemon, tmp_path):
    steps, expected = scenarios.SCENARIOS["double-bind"]
    daemon = run_live(netns, start_daemon(netns), steps)
    log = tmp_path / "live.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in daemon.records))
    assert findings(replay(binary, modules_dir, str(log))) == findings(daemon.records) == sorted(expected)


@pytest.mark.parametrize("content,message", [
    ("", "no events found"),
    ('{"type":"event","schema":1,"action":"add","devpath":"/devices/x","subsystem":"x"}\n{"type":"ev',
     "truncated last line"),
    ('{"type":"event","schema":99,"action":"add","devpath":"/devices/x"}\n', "schema 99 is newer"),
    ("\x00\xff garbage \x00\n" * 3, "no events found"),
])
def test_bad_input_gets_a_clear_message_not_a_crash(content, message, binary, modules_dir, tmp_path):
    path = tmp_path / "input"
    path.write_bytes(content.encode("latin-1"))
    result = subprocess.run([binary, "replay", "--modules-dir", modules_dir, str(path)],
                            capture_output=True, timeout=60)
    assert result.returncode == 0
    assert message in result.stderr.decode()


def test_a_missing_file_is_an_error_naming_it(binary, modules_dir):
    result = subprocess.run([binary, "replay", "--modules-dir", modules_dir, "/nonexistent/capture.txt"],
                            capture_output=True, timeout=60)
    assert result.returncode == 1
    assert "/nonexistent/capture.txt" in result.stderr.decode()


def test_what_was_replayed_before_a_missing_file_is_still_printed(binary, modules_dir):
    path = os.path.join(CAPTURES, "async-probe.property-kernel-udev.txt")
    result = subprocess.run([binary, "replay", "--modules-dir", modules_dir, path, "/nonexistent/capture.txt"],
                            capture_output=True, timeout=60)
    assert result.returncode == 1
    assert "/nonexistent/capture.txt" in result.stderr.decode()
    assert b"PROBE  " in result.stdout  # the first file's probes, written although the second one failed

