"""Helpers for the fault-injection tests: small file systems in a namespace's private mount namespace,
reading a JSON Lines log strictly, waiting on a file that only the daemon writes, and CPU time of a process."""
import errno
import glob
import json
import os
import subprocess
import time


def run_in(namespace, *args, check=True):
    """A command in the namespace (its mount namespace too, with private_run=True)."""
    return subprocess.run(namespace.command(list(args)), capture_output=True, text=True, check=check, timeout=30)


def mount_tmpfs(namespace, path, size):
    """A tmpfs of `size` (e.g. "1m") at `path` inside the namespace; returns the path as this process sees it."""
    run_in(namespace, "mkdir", "-p", path)
    run_in(namespace, "mount", "-t", "tmpfs", "-o", f"size={size},mode=755", "tmpfs", path)
    return namespace.path(path)


def fill(path, leave_bytes=0):
    """Writes zeros to `path` until the file system has at most `leave_bytes` left (or is full); returns
    the file's size."""
    directory = os.path.dirname(path)
    stats = os.statvfs(directory)
    want = max(0, stats.f_bavail * stats.f_frsize - leave_bytes)
    chunk = b"\0" * 4096
    written = 0
    with open(path, "wb") as handle:
        try:
            while written < want:
                written += handle.write(chunk[:min(len(chunk), want - written)])
                handle.flush()
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    return os.path.getsize(path)


def free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def strict_records(path):
    """Every line of a JSON Lines file, parsed: a torn, partial or glued line fails the test here."""
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.endswith(b"\n"), f"{path} does not end with a newline: {data[-200:]!r}"
    records = []
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"{path}:{number} is not a whole JSON record: {line[:300]!r}") from None
    return records


def wait_for_file(path, predicate, timeout, what, daemon=None):
    """Polls a file only the daemon writes (it has no other channel to wait on) until `predicate(bytes)`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            data = b""
        if predicate(data):
            return data
        if time.monotonic() > deadline or (daemon is not None and daemon.process.poll() is not None):
            stderr = daemon.stderr() if daemon is not None else ""
            raise AssertionError(f"timed out waiting for {what} in {path}; stderr:\n{stderr}")
        time.sleep(0.05)


def cpu_nanoseconds(pid):
    """Time all threads of `pid` spent on a CPU (schedstat: nanoseconds, not the 10 ms ticks of stat)."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as handle:
                total += int(handle.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # a thread that ended: its time is gone with it, and it is not the loop
    return total
