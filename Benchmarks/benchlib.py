"""Shared helpers of the probewatch benchmarks under Benchmarks/ (memory, idle, replay; live has its own).

Everything runs the daemon in a fresh network namespace (`unshare -n`, which execs, so the Popen pid is the
daemon's, and the namespace dies with it) and injects synthetic uevents with Benchmarks/live/uevent_storm.c
through `nsenter -t PID -n`: the kernel re-broadcasts them to that namespace's listeners only. Nothing
writes to /sys or loads a module.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the tree
BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH / "live"))
import bench_live as live  # noqa: E402  (build_tools, cpu_ns, status_kib, FileTail, netlink_uevent_listener)

cpu_ns = live.cpu_ns
status_kib = live.status_kib
FileTail = live.FileTail
netlink_uevent_listener = live.netlink_uevent_listener


def storm_binary() -> Path:
    """Benchmarks/live/.build/uevent_storm, compiled if missing or older than its source."""
    return live.build_tools(force=False)[1]


def find_probewatch(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else [
        REPO / ".build-bench" / "release" / "probewatch", REPO / ".build" / "release" / "probewatch"]
    for p in candidates:
        if p.is_file() and os.access(p, os.X_OK):
            return p.resolve()
    sys.exit(f"no probewatch binary (tried {', '.join(map(str, candidates))}); pass --probewatch")


def private_copy(binary: Path, workdir: Path) -> Path:
    """A concurrent `swift build` may relink the original mid-run: run a copy."""
    copy = workdir / "probewatch"
    shutil.copy2(binary, copy)
    return copy


def private_binary(explicit: str | None, workdir: Path) -> tuple[Path, Path, Path]:
    """The probewatch binary to measure, the work directory (created) and the private copy to run."""
    workdir.mkdir(parents=True, exist_ok=True)
    binary = find_probewatch(explicit)
    return binary, workdir, private_copy(binary, workdir)


def binary_label(binary: Path) -> str:
    return f"{binary} (mtime {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(binary.stat().st_mtime))})"


def require_root():
    if os.geteuid() != 0:
        sys.exit("must run as root (unshare -n, nsenter, SO_RCVBUFFORCE)")


def ctx_switches(pid: int) -> tuple[int, int, int]:
    """(voluntary, nonvoluntary, threads) summed over /proc/PID/task/*/status."""
    vol = nonvol = threads = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol += int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        nonvol += int(line.split()[1])
            threads += 1
        except (FileNotFoundError, ProcessLookupError):
            pass
    return vol, nonvol, threads


class NotifySocket:
    """A $NOTIFY_SOCKET for sd_notify(3): an AF_UNIX datagram socket bound to a path (a path, not an abstract
    name: abstract sockets belong to a network namespace, and the daemon runs in its own). Keeps every
    datagram with its arrival time (CLOCK_MONOTONIC)."""

    def __init__(self, path: Path):
        self.path = path
        path.unlink(missing_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.messages: list[tuple[float, str]] = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                break
            with self.cond:
                self.messages.append((time.monotonic(), data.decode(errors="replace")))
                self.cond.notify_all()

    def wait_for(self, pred, timeout: float, alive=lambda: True) -> str | None:
        """First message (in arrival order) matching pred; polls `alive` every 0.2 s."""
        deadline = time.monotonic() + timeout
        i = 0
        with self.cond:
            while True:
                while i < len(self.messages):
                    if pred(self.messages[i][1]):
                        return self.messages[i][1]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or not alive():
                    return None
                self.cond.wait(min(left, 0.2))

    def between(self, t0: float, t1: float) -> list[str]:
        with self.cond:
            return [m for t, m in self.messages if t0 <= t < t1]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.path.unlink(missing_ok=True)


class KmsgWatcher:
    """Arrival times of new kernel log records (/dev/kmsg, read only, from its end): the daemon reads
    /dev/kmsg too (unless --no-kmsg), so every record logged on the machine, by anyone, wakes it."""

    def __init__(self):
        self.times: list[float] = []
        self.lock = threading.Lock()
        try:
            self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_CLOEXEC)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError as e:
            self.fd = None
            self.error = str(e)
            return
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                os.read(self.fd, 8192)  # one record per read
            except BrokenPipeError:
                continue  # records were overwritten before we read them
            except OSError:
                return
            with self.lock:
                self.times.append(time.monotonic())

    def between(self, t0: float, t1: float) -> int | None:
        if self.fd is None:
            return None
        with self.lock:
            return sum(1 for t in self.times if t0 <= t < t1)


STATUS_RE = re.compile(r"^STATUS=(\d+) events, (\d+) probes, (\d+) races, (\d+) overflows$", re.M)


def status_events(message: str) -> int | None:
    """Events counted in a STATUS= line ("1234 events, 56 probes, 1 races, 0 overflows")."""
    m = STATUS_RE.search(message)
    return int(m.group(1)) if m else None


def check_dev_null():
    """probewatch rotates its JSON log by renaming PATH to PATH.1 at [JSONLog] MaxFileSize (64M by default),
    whatever PATH is: with --json-log /dev/null, 64 MiB of records rename the device node and leave a regular
    file in its place (seen with the probewatch sources of 2026-11-25). Every benchmark that logs to
    /dev/null passes no_rotation_config(); this check stops a run before and after each daemon if
    /dev/null is not the character device 1:3 any more."""
    st = os.stat("/dev/null")
    if not stat.S_ISCHR(st.st_mode) or os.major(st.st_rdev) != 1 or os.minor(st.st_rdev) != 3:
        sys.exit("/dev/null is not the null device any more (a JSON log rotation renamed it?). Restore it as "
                 "root: mknod -m 666 /dev/null.new c 1 3 && mv -f /dev/null.new /dev/null; rm -f /dev/null.[0-9]*")


def no_rotation_config(workdir: Path) -> Path:
    """A configuration file that turns JSON log rotation off (MaxFileSize=0), for --config."""
    path = workdir / "no-rotation.conf"
    path.write_text("[JSONLog]\n# Never rotate: the benchmarks log to /dev/null (see check_dev_null).\nMaxFileSize=0\n")
    return path


def spawn_daemon(binary: Path, args: list[str], stderr_path: Path, env_extra: dict | None = None
                 ) -> subprocess.Popen:
    env = dict(os.environ)
    for key in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID"):
        env.pop(key, None)
    env.update(env_extra or {})
    with open(stderr_path, "wb") as err:
        return subprocess.Popen(["unshare", "-n", "--", str(binary), "run", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, env=env)


def stop(proc: subprocess.Popen, timeout: float = 30) -> int | None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def inject(pid: int, storm: Path, *storm_args: str) -> str:
    """Runs uevent_storm inside pid's network namespace; returns its SENT line."""
    r = subprocess.run(["nsenter", "-t", str(pid), "-n", "--", str(storm), *storm_args],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"uevent_storm failed ({r.returncode}): {r.stderr.strip()[-500:]}")
    return r.stdout.strip()


def machine() -> str:
    cpus = os.cpu_count()
    try:
        with open("/etc/os-release") as f:
            osname = next((l.split("=", 1)[1].strip().strip('"') for l in f if l.startswith("PRETTY_NAME=")), "?")
    except OSError:
        osname = "?"
    return f"{osname}, {cpus} CPUs, kernel {os.uname().release}, {time.strftime('%Y-%m-%d %H:%MZ', time.gmtime())}"


def remove_workdir(workdir: Path, *patterns: str):
    """Removes what a run left in `workdir` (files matching `patterns`), then the folder if it is empty."""
    for pattern in patterns:
        for p in workdir.glob(pattern):
            p.unlink()
    try:
        workdir.rmdir()
    except OSError:
        pass
