"""The JSON log on disk: size rotation without a split or lost line, a header first in every file, and a
torn last line from a crash terminated before new records are appended."""
import json
import os
import stat
import subprocess

import scenarios
from conftest import findings

STORM = 3000
PREFIX = "/devices/probewatch-storm/"


def read_lines(path):
    with open(path, "rb") as handle:
        return handle.read().split(b"\n")


def test_rotation_by_size_splits_and_loses_nothing_and_each_file_starts_with_a_header(
        netns, start_daemon, tmp_path, binary, modules_dir):
    log = tmp_path / "probewatch.jsonl"
    config = tmp_path / "probewatch.conf"
    config.write_text("[JSONLog]\nMaxFileSize=64K\nMaxFiles=100\n")
    daemon = start_daemon(netns, "--config", str(config), json_log=str(log))
    assert netns.storm(STORM) == STORM
    netns.inject(scenarios.SCENARIOS["double-bind"][0])  # its RACE line on stdout marks the end
    daemon.wait_for_line("RACE   double-bind", timeout=120)
    assert daemon.stop() == 0

    rotated = sorted((int(name.rsplit(".", 1)[1]) for name in os.listdir(tmp_path)
                      if name.startswith("probewatch.jsonl.")), reverse=True)
    files = [f"{log}.{index}" for index in rotated] + [str(log)]  # oldest first
    assert len(files) >= 10, files
    records, headers = [], []
    for path in files:
        assert os.path.getsize(path) <= 64 * 1024
        lines = read_lines(path)
        assert lines[-1] == b"", f"{path} does not end with a newline"
        parsed = [json.loads(line) for line in lines[:-1]]  # every line whole: parses as JSON
        assert parsed[0]["type"] == "header", path
        first_event = next((r for r in parsed[1:2] if r["type"] == "event"), None)
        assert parsed[0]["first_seqnum"] == (first_event["seqnum"] if first_event else None)
        headers.append(parsed[0])
        records += parsed[1:]
    assert len({h["file_id"] for h in headers}) == len(headers)
    assert [h["rotation"] for h in headers] == list(range(len(headers)))
    storm = [r["seqnum"] for r in records if r["type"] == "event" and r["devpath"].startswith(PREFIX)]
    assert len(storm) == STORM and storm == sorted(storm)
    assert findings(records) == [scenarios.finding("double-bind", "dev1")]
    assert records[-1]["type"] == "summary"

    replay = subprocess.run([binary, "replay", "--json-log", "-", "--modules-dir", modules_dir, *files],
                            capture_output=True, text=True, timeout=120)
    assert replay.returncode == 0, replay.stderr
    replayed = [json.loads(line) for line in replay.stdout.splitlines()]
    assert findings(replayed) == findings(records)


def test_a_torn_last_line_is_terminated_before_new_records(netns, start_daemon, tmp_path):
    log = tmp_path / "probewatch.jsonl"
    log.write_bytes(b'{"type":"event","schema":1,"time":"2026-11-25T10:00:00.000000Z"}\n{"type":"ev')
    daemon = start_daemon(netns, json_log=str(log))
    assert daemon.stop() == 0
    lines = read_lines(log)
    assert lines[0].startswith(b'{"type":"event"') and lines[1] == b'{"type":"ev'
    appended = [json.loads(line) for line in lines[2:-1]]
    # Appending to an existing log starts no new header: only a file's first line is one.
    assert appended[0]["type"] == "snapshot" and appended[-1]["type"] == "summary"
    assert not [r for r in appended if r["type"] == "header"]
    assert "torn line" in daemon.stderr()


def test_a_log_that_is_not_a_regular_file_is_never_rotated_away(netns, start_daemon, tmp_path):
    """`--json-log /dev/null` with rotation on once renamed the device node aside: only files rotate."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    config = tmp_path / "probewatch.conf"
    config.write_text("[JSONLog]\nMaxFileSize=64K\n")
    daemon = start_daemon(netns, "--config", str(config), json_log=str(null))
    assert netns.storm(2000) == 2000  # about 600 KB of records: nine rotations' worth
    netns.inject(scenarios.SCENARIOS["double-bind"][0])
    daemon.wait_for_line("RACE   double-bind", timeout=120)
    assert daemon.stop() == 0
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert not [name for name in os.listdir(tmp_path) if name.startswith("null.")]
