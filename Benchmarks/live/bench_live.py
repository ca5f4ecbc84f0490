#!/usr/bin/env python3
"""Live uevent-storm CPU benchmark: probewatch vs. a plain C libudev receive loop.

One run injects the same synthetic storm (default 100,000 kernel uevents, then one sentinel) into a fresh
`unshare -n` network namespace per measurement, and measures the CPU the receiver consumed for exactly that
storm:

  * baseline   Benchmarks/live/udev_recv_baseline.c (libudev monitor, 128 MiB buffer, poll + receive,
               property list iterated, unref)
  * probewatch `probewatch run --json-log FILE` (full pipeline; JSON Lines log written to a file on disk)
  * udevadm    `udevadm monitor -k -p` writing to a file (optional peer: what users would run instead)
  * pyudev     Benchmarks/live/pyudev_recv.py: `pyudev.Monitor.from_netlink(context, source="kernel")`, 128 MiB
               buffer, every property of every device read (optional peer: the Python loop users write;
               `pip install pyudev` is tried when it is missing, and the peer is skipped if that fails)

CPU = sum over /proc/PID/task/*/schedstat of the first field (ns on CPU), read right after the receiver is
ready (just before the injector starts) and right after it has consumed the sentinel, which the injector sends
after the storm (the sentinel is a driver add, a device add and its bind; the bind is the last uevent):
  baseline   prints "SENTINEL count=..." when it receives the sentinel's bind (readiness: "READY")
  probewatch the `event` record of the sentinel's bind (or, with --no-event-records, the `probe` record it
             causes) appears in the JSON log (readiness: the `snapshot` record)
  udevadm    the sentinel's bind header appears in its output file (readiness: "KERNEL - the kernel uevent")
  pyudev     prints "SENTINEL count=..." like the baseline (readiness: "READY")

Measurements alternate between peers (order reversed on every other repetition); medians are reported with
the ratio to the baseline measured in the same run. Timings on a shared VM are noisy: compare ratios from one
run, never absolute numbers across runs.

Must run as root (unshare -n, nsenter, a 128 MiB SO_RCVBUFFORCE). Never writes /sys, loads no module:
synthetic uevents are sent to the kernel from inside the private namespace, which re-broadcasts them only
to that namespace's listeners.

    python3 Benchmarks/live/bench_live.py [--events 100000] [--reps 5] [--probewatch PATH] [--no-udevadm]
                                          [--no-pyudev]
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BUILD = HERE / ".build"  # ignored by the repo's .gitignore (".build/")
PREFIX = "/devices/virtual/pwbench"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- helpers

def cpu_ns(pid: int) -> int:
    """Nanoseconds on CPU, all threads of pid (schedstat field 1: se.sum_exec_runtime)."""
    total = 0
    task_dir = f"/proc/{pid}/task"
    for tid in os.listdir(task_dir):
        try:
            with open(f"{task_dir}/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass  # thread exited between listdir and open
    return total


def user_sys_ticks(pid: int) -> tuple[int, int]:
    """utime, stime of the whole process in clock ticks (coarse; for the user/system split only)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def status_kib(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def build_tools(force: bool) -> tuple[Path, Path]:
    BUILD.mkdir(exist_ok=True)
    pkg = subprocess.run(["pkg-config", "--cflags", "--libs", "libudev"], check=True,
                         capture_output=True, text=True).stdout.split()
    targets = [
        (BUILD / "udev_recv_baseline", HERE / "udev_recv_baseline.c", pkg),
        (BUILD / "uevent_storm", HERE / "uevent_storm.c", []),
    ]
    for out, src, libs in targets:
        if force or not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
            subprocess.run(["gcc", "-O2", "-Wall", "-o", str(out), str(src), *libs], check=True)
    return targets[0][0], targets[1][0]


def find_probewatch(explicit: str | None) -> Path | None:
    if explicit:
        p = Path(explicit)
        if not (p.is_file() and os.access(p, os.X_OK)):
            sys.exit(f"--probewatch {explicit}: not an executable file")
        return p.resolve()
    for sub in ("release", "debug"):
        p = REPO / ".build" / sub / "probewatch"
        if p.is_file() and os.access(p, os.X_OK):
            return p.resolve()
    return None


class LineReader:
    """Collects a pipe's lines on a thread; wait_for() blocks until a predicate matches a line."""

    def __init__(self, stream):
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait_for(self, pred, timeout: float, start: int = 0) -> tuple[int, str] | None:
        deadline = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    if pred(self.lines[i]):
                        return i, self.lines[i]
                    i += 1
                left = deadline - time.monotonic()
                if self.closed or left <= 0:
                    return None
                self.cond.wait(left)


class FileTail:
    """Polls a growing file; finds lines containing a token (only new bytes are read and searched).

    Follows size-based rotation (probewatch renames PATH to PATH.1 at [JSONLog] MaxFileSize, 64 MiB by
    default, and opens a new PATH): the open file is read to its end before the new PATH is opened."""

    def __init__(self, path: Path, interval: float = 0.005):
        self.path = path
        self.interval = interval
        self.partial = b""
        self.file = None
        self.rotations = 0

    def _read_new(self) -> bytes:
        if self.file is None:
            try:
                self.file = open(self.path, "rb")
            except FileNotFoundError:
                return b""
        chunk = self.file.read()
        try:
            rotated = os.stat(self.path).st_ino != os.fstat(self.file.fileno()).st_ino
        except FileNotFoundError:
            rotated = False  # between the rename and the new file: next time
        if rotated:
            chunk += self.file.read()  # whatever was written before the rename
            self.file.close()
            self.file = None
            self.rotations += 1  # a line is never split across files: self.partial carries over as is
            chunk += self._read_new()
        return chunk

    def wait_for_line(self, token: bytes, pred, timeout: float, alive) -> bytes | None:
        deadline = time.monotonic() + timeout
        while True:
            chunk = self._read_new()
            if chunk:
                data = self.partial + chunk
                cut = data.rfind(b"\n") + 1
                complete, self.partial = data[:cut], data[cut:]
                if token in complete:
                    for line in complete.split(b"\n"):
                        if token in line and pred(line):
                            return line
            if time.monotonic() > deadline or not alive():
                return None
            time.sleep(self.interval)


def read_lines(paths: list[Path]):
    for p in paths:
        with open(p, "rb") as f:
            yield from f


def log_files(path: Path) -> list[Path]:
    """PATH and its rotated copies, oldest first (PATH.N ... PATH.1, PATH)."""
    rotated = []
    for p in path.parent.glob(path.name + ".*"):
        suffix = p.name[len(path.name) + 1:]
        if suffix.isdigit():
            rotated.append((int(suffix), p))
    return [p for _, p in sorted(rotated, reverse=True)] + ([path] if path.exists() else [])


def netlink_uevent_listener(pid: int) -> tuple[int, int] | None:
    """(Rmem bytes queued, Drops) of pid's uevent listener socket, from its namespace's /proc/net/netlink.

    The namespace is private, so the only NETLINK_KOBJECT_UEVENT socket with multicast groups is the
    receiver's. Drops counts uevents the kernel could not queue (buffer full, or congested after ENOBUFS)."""
    try:
        with open(f"/proc/{pid}/net/netlink") as f:
            rows = [line.split() for line in f][1:]
    except FileNotFoundError:
        return None
    for row in rows:
        if len(row) >= 9 and row[1] == "15" and int(row[3], 16) != 0:
            return int(row[4]), int(row[8])
    return None


SENTINEL_DRIVER = b"/bus/pwsentinel/"


def is_sentinel_devpath(devpath, sentinel: str) -> bool:
    """The sentinel is 3 uevents: the pwsentinel driver's add, the sentinel device's add and bind."""
    return devpath == sentinel or str(devpath).startswith(SENTINEL_DRIVER.decode())


def parse_kv(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


# ---------------------------------------------------------------- peers

@dataclass
class Result:
    peer: str
    rep: int
    ok: bool = False
    error: str = ""
    received: int | None = None      # storm events the receiver handled (sentinel excluded)
    cpu_ns: int | None = None        # receiver CPU between injection start and sentinel consumed
    user_ticks: int | None = None
    sys_ticks: int | None = None
    wall_s: float | None = None      # injection start -> sentinel consumed
    inject_s: float | None = None    # injection start -> injector exited
    rss_hwm_kib: int | None = None
    threads: int | None = None
    extra: dict = field(default_factory=dict)

    def us_per_event(self, events: int) -> float | None:
        """CPU per event actually handled (after kernel drops, fewer events cost CPU)."""
        n = self.received if self.received else events
        return None if self.cpu_ns is None else self.cpu_ns / 1000 / n


class Peer:
    name = "?"
    ready_timeout = 120.0

    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir

    def command(self, sentinel: str) -> list[str]:
        raise NotImplementedError

    def start(self, rundir: Path, sentinel: str) -> subprocess.Popen:
        raise NotImplementedError

    def wait_ready(self, proc) -> bool:
        raise NotImplementedError

    def wait_done(self, proc, sentinel: str, timeout: float) -> bool:
        raise NotImplementedError

    def finish(self, proc, res: Result, sentinel: str):
        """After SIGTERM/exit: fill res.received and extras."""
        raise NotImplementedError


def spawn(cmd: list[str], stdout, stderr, pin: str | None) -> subprocess.Popen:
    # `unshare -n` execs the command, so the Popen pid is the receiver's pid.
    prefix = ["taskset", "-c", pin] if pin else []
    return subprocess.Popen(prefix + ["unshare", "-n", "--"] + cmd, stdout=stdout, stderr=stderr,
                            stdin=subprocess.DEVNULL)


class Baseline(Peer):
    name = "baseline"

    def __init__(self, args, workdir, binary: Path):
        super().__init__(args, workdir)
        self.binary = binary

    def start(self, rundir, sentinel):
        self.stderr = open(rundir / "stderr", "wb")
        proc = spawn([str(self.binary), sentinel], subprocess.PIPE, self.stderr, self.args.pin_receiver)
        self.reader = LineReader(proc.stdout)
        return proc

    def wait_ready(self, proc):
        return self.reader.wait_for(lambda l: l.startswith("READY"), self.ready_timeout) is not None

    def wait_done(self, proc, sentinel, timeout):
        hit = self.reader.wait_for(lambda l: l.startswith("SENTINEL"), timeout)
        if hit:
            self.done_line = hit[1]
        return hit is not None

    def finish(self, proc, res, sentinel):
        hit = self.reader.wait_for(lambda l: l.startswith("TOTAL"), 10)
        kv = parse_kv(hit[1]) if hit else parse_kv(getattr(self, "done_line", ""))
        if "count" in kv:
            res.received = int(kv["count"])  # the sentinel's own events are not counted
        res.extra.update({k: int(v) for k, v in kv.items() if k != "count"})
        self.stderr.close()


class Pyudev(Baseline):
    """pyudev_recv.py: same stdout protocol as the C baseline (READY, SENTINEL, TOTAL)."""
    name = "pyudev"

    def __init__(self, args, workdir, python: str):
        super().__init__(args, workdir, HERE / "pyudev_recv.py")
        self.python = python

    def start(self, rundir, sentinel):
        self.stderr = open(rundir / "stderr", "wb")
        # -u: unbuffered; the script flushes its lines anyway.
        proc = spawn([self.python, "-u", str(self.binary), sentinel], subprocess.PIPE, self.stderr,
                     self.args.pin_receiver)
        self.reader = LineReader(proc.stdout)
        return proc


def ensure_pyudev(python: str) -> str | None:
    """None when `python` can import pyudev (installing it with pip if needed), else why not."""
    probe = [python, "-c", "import pyudev"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    print("# pyudev missing: pip install pyudev", flush=True)
    pip = subprocess.run([python, "-m", "pip", "install", "-q", "pyudev"], capture_output=True, text=True)
    if pip.returncode == 0 and subprocess.run(probe, capture_output=True).returncode == 0:
        return None
    return f"pip install pyudev failed: {(pip.stderr or pip.stdout).strip()[-300:]}"


class FilePeer(Peer):
    """A receiver that writes to a file we tail."""

    def out_path(self, rundir: Path) -> Path:
        raise NotImplementedError

    def alive(self, proc):
        return lambda: proc.poll() is None


class Probewatch(FilePeer):
    name = "probewatch"

    def __init__(self, args, workdir, binary: Path):
        super().__init__(args, workdir)
        self.binary = binary

    def start(self, rundir, sentinel):
        self.log = rundir / "probewatch.jsonl"
        self.stdout = open(rundir / "stdout", "wb")
        self.stderr_path = rundir / "stderr"
        self.stderr = open(self.stderr_path, "wb")
        cmd = [str(self.binary), "run", "--json-log", str(self.log), *self.args.probewatch_arg]
        self.cmd = cmd
        self.tail = FileTail(self.log)
        return spawn(cmd, self.stdout, self.stderr, self.args.pin_receiver)

    def wait_ready(self, proc):
        def is_snapshot(line: bytes) -> bool:
            try:
                return json.loads(line).get("type") == "snapshot"
            except ValueError:
                return False
        return self.tail.wait_for_line(b"snapshot", is_snapshot, self.ready_timeout, self.alive(proc)) is not None

    def wait_done(self, proc, sentinel, timeout):
        token = sentinel.rsplit("/", 1)[1].encode()  # no "/" in it, however the encoder escapes slashes

        def is_sentinel_event(line: bytes) -> bool:
            # The sentinel's bind: its `event` record, or (--no-event-records) the `probe`/`race` it causes.
            try:
                rec = json.loads(line)
            except ValueError:
                return False
            if rec.get("devpath") != sentinel:
                return False
            return rec.get("type") in ("probe", "race") or \
                (rec.get("type") == "event" and rec.get("action") == "bind")
        return self.tail.wait_for_line(token, is_sentinel_event, timeout, self.alive(proc)) is not None

    def finish(self, proc, res, sentinel):
        self.stdout.close()
        self.stderr.close()
        counts: dict[str, int] = {}
        storm = 0
        summary = None
        lost = []
        bad_lines = 0
        seqnums = []
        files = log_files(self.log)
        for line in read_lines(files):
            try:
                rec = json.loads(line)
            except ValueError:
                bad_lines += 1
                continue
            t = rec.get("type")
            counts[t] = counts.get(t, 0) + 1
            if t == "event" and not is_sentinel_devpath(rec.get("devpath"), sentinel):
                storm += 1
                seqnums.append(rec.get("seqnum"))
            elif t == "summary":
                summary = rec
            elif t == "lost":
                lost.append(rec)
        res.received = storm
        if not counts.get("event") and summary and isinstance(summary.get("events"), int):
            # --no-event-records: the summary counts every event, the sentinel's 3 (x resends) included.
            res.received = summary["events"] - 3 * (1 + res.extra.get("sentinel_resent", 0))
            res.extra["received_from"] = "summary record"
        in_order = all(a is not None and b is not None and a < b for a, b in zip(seqnums, seqnums[1:]))
        res.extra.update({
            "records": counts,
            "summary": {k: v for k, v in (summary or {}).items()
                        if k not in ("schema", "time", "boot_id", "host", "type")},
            "lost_records": len(lost),
            "unparsable_lines": bad_lines,
            "storm_events_in_seqnum_order": in_order,
            "log_bytes": sum(p.stat().st_size for p in files),
            "log_files": len(files),
            "exit_code": proc.returncode,
        })
        err = self.stderr_path.read_text(errors="replace").strip()
        if err:
            res.extra["stderr_tail"] = err[-2000:]


class Udevadm(FilePeer):
    name = "udevadm"

    def start(self, rundir, sentinel):
        self.outp = rundir / "udevadm.out"
        self.out = open(self.outp, "wb")
        self.tail = FileTail(self.outp)
        return spawn(["udevadm", "monitor", "-k", "-p"], self.out, subprocess.STDOUT, self.args.pin_receiver)

    def wait_ready(self, proc):
        return self.tail.wait_for_line(b"KERNEL - ", lambda l: True, self.ready_timeout,
                                       self.alive(proc)) is not None

    def wait_done(self, proc, sentinel, timeout):
        # Header line of the sentinel's bind: "KERNEL[12.34] bind     /devices/.../sentinel-x (pwsentinel)"
        want = f" {sentinel} ".encode()
        return self.tail.wait_for_line(want, lambda l: l.startswith(b"KERNEL[") and b"] bind " in l, timeout,
                                       self.alive(proc)) is not None

    def finish(self, proc, res, sentinel):
        self.out.close()
        n = 0
        with open(self.outp, "rb") as f:
            for line in f:
                # The namespace is private: every event in it is ours; the sentinel's are not counted.
                if line.startswith(b"KERNEL[") and sentinel.encode() not in line and SENTINEL_DRIVER not in line:
                    n += 1
        res.received = n
        res.extra["out_bytes"] = self.outp.stat().st_size


# ---------------------------------------------------------------- one measurement

def measure(peer: Peer, rep: int, storm_bin: Path, args, workdir: Path) -> Result:
    res = Result(peer=peer.name, rep=rep)
    token = secrets.token_hex(6)
    sentinel = f"{PREFIX}/sentinel-{token}"
    rundir = workdir / f"{rep:02d}-{peer.name}"
    if rundir.exists():
        shutil.rmtree(rundir)
    rundir.mkdir(parents=True)
    proc = peer.start(rundir, sentinel)
    try:
        if not peer.wait_ready(proc):
            res.error = f"not ready within {peer.ready_timeout:.0f}s (exit code {proc.poll()})"
            return res
        time.sleep(args.settle)  # let startup work finish before the CPU reading
        pid = proc.pid
        nl0 = netlink_uevent_listener(pid)
        cpu0, (u0, s0) = cpu_ns(pid), user_sys_ticks(pid)
        t0 = time.monotonic()
        inj_cmd = ["nsenter", "-t", str(pid), "-n", "--", str(storm_bin), "-n", str(args.events),
                   "-m", args.mix, "-k", str(args.pool), "-g", str(args.gap_every), "-p", PREFIX, "-s", sentinel]
        if args.rate:
            inj_cmd += ["-r", str(args.rate)]
        if args.pin_injector:
            inj_cmd = ["taskset", "-c", args.pin_injector] + inj_cmd
        inj = subprocess.run(inj_cmd, capture_output=True, text=True)
        res.inject_s = time.monotonic() - t0
        res.extra["injector"] = inj.stdout.strip()
        if inj.returncode != 0:
            res.error = f"injector failed ({inj.returncode}): {inj.stderr.strip()[-500:]}"
        # Wait for the sentinel. If the kernel dropped it (the receiver overflowed: its socket shows drops
        # and an empty queue), resend it, at most 5 times; the run then reports the drops.
        deadline = time.monotonic() + args.timeout
        done = False
        resent = 0
        while not done and time.monotonic() < deadline and proc.poll() is None:
            done = peer.wait_done(proc, sentinel, min(2.0, max(0.0, deadline - time.monotonic())))
            if done or resent >= 5:
                continue
            nl = netlink_uevent_listener(pid)
            if nl and nl0 and nl[0] == 0 and nl[1] > nl0[1]:
                resent += 1
                subprocess.run(["nsenter", "-t", str(pid), "-n", "--", str(storm_bin), "-n", "0",
                                "-s", sentinel], capture_output=True)
        t1 = time.monotonic()
        if resent:
            res.extra["sentinel_resent"] = resent
        nl1 = netlink_uevent_listener(pid)
        if nl0 and nl1:
            res.extra["kernel_drops"] = nl1[1] - nl0[1]
        if proc.poll() is not None:
            res.error = (res.error + "; " if res.error else "") + f"receiver exited with {proc.returncode}"
            return res
        cpu1, (u1, s1) = cpu_ns(pid), user_sys_ticks(pid)
        res.rss_hwm_kib = status_kib(pid, "VmHWM")
        res.threads = thread_count(pid)
        if not done:
            res.error = (res.error + "; " if res.error else "") + \
                f"sentinel not consumed within {args.timeout:.0f}s"
            return res
        res.cpu_ns = cpu1 - cpu0
        res.user_ticks, res.sys_ticks = u1 - u0, s1 - s0
        res.wall_s = t1 - t0
        res.ok = not res.error
        return res
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=args.stop_timeout)
            except subprocess.TimeoutExpired:
                res.extra["sigterm"] = f"did not exit within {args.stop_timeout}s of SIGTERM; killed"
                proc.kill()
                proc.wait()
        try:
            peer.finish(proc, res, sentinel)
        except Exception as e:  # report, don't lose the other measurements
            res.extra["finish_error"] = repr(e)
        if res.received is not None and res.received != args.events:
            res.extra["missing_events"] = args.events - res.received
        if not args.keep and res.ok:
            shutil.rmtree(rundir, ignore_errors=True)


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=100_000, help="storm size (default 100000)")
    ap.add_argument("--reps", type=int, default=5, help="measurements per peer (default 5)")
    ap.add_argument("--probewatch", help="probewatch binary (default: .build/release, else .build/debug)")
    ap.add_argument("--build-kind", help="label for the probewatch build (default: from its path)")
    ap.add_argument("--no-copy", action="store_true", help="run the probewatch binary in place, not a copy")
    ap.add_argument("--probewatch-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for `probewatch run` (repeatable), e.g. --probewatch-arg=--no-event-records")
    ap.add_argument("--no-probewatch", action="store_true", help="measure only baseline (and udevadm)")
    ap.add_argument("--no-udevadm", action="store_true", help="skip the udevadm monitor peer")
    ap.add_argument("--no-pyudev", action="store_true", help="skip the pyudev peer")
    ap.add_argument("--pyudev-python", default=sys.executable,
                    help="Python interpreter for the pyudev peer (default: the one running this harness)")
    ap.add_argument("--mix", choices=["addremove", "probe"], default="probe",
                    help="probe (default): a driver registers, then add/bind/unbind/remove cycles over a "
                         "device pool; addremove: add/remove of ever-new devices, no driver")
    ap.add_argument("--pool", type=int, default=256, help="device pool for --mix probe (default 256)")
    ap.add_argument("--gap-every", type=int, default=0, metavar="K",
                    help="after every K events, burn one SEQNUM in another namespace, so receivers see "
                         "SEQNUM gaps (default 0: none)")
    ap.add_argument("--rate", type=float, default=0, help="injection rate, events/s (default 0: flat out)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds to wait for the sentinel (default 300)")
    ap.add_argument("--stop-timeout", type=float, default=60, help="seconds to wait after SIGTERM (default 60)")
    ap.add_argument("--settle", type=float, default=0.3, help="seconds between readiness and injection")
    ap.add_argument("--pin-receiver", metavar="CPUS", help="taskset -c CPUS for the receiver")
    ap.add_argument("--pin-injector", metavar="CPUS", help="taskset -c CPUS for the injector")
    ap.add_argument("--workdir", default="/var/tmp/probewatch-bench-live",
                    help="where logs go (on disk; default /var/tmp/probewatch-bench-live)")
    ap.add_argument("--keep", action="store_true", help="keep logs of successful runs too")
    ap.add_argument("--json-out", help="write all results as JSON to this file")
    ap.add_argument("--rebuild", action="store_true", help="recompile the C tools")
    args = ap.parse_args()

    # SIGTERM to the harness: unwind, so every receiver still running gets its SIGTERM too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if os.geteuid() != 0:
        sys.exit("must run as root (unshare -n, nsenter, SO_RCVBUFFORCE)")
    baseline_bin, storm_bin = build_tools(args.rebuild)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)

    peers: list[Peer] = [Baseline(args, workdir, baseline_bin)]
    pw_bin = None
    if not args.no_probewatch:
        pw_bin = find_probewatch(args.probewatch)
        if pw_bin is None:
            print("note: no probewatch binary (.build/release or .build/debug); measuring without it",
                  file=sys.stderr)
        else:
            peers.append(Probewatch(args, workdir, pw_bin))
    if not args.no_udevadm and shutil.which("udevadm"):
        peers.append(Udevadm(args, workdir))
    if not args.no_pyudev:
        why_not = ensure_pyudev(args.pyudev_python)
        if why_not:
            print(f"note: skipping the pyudev peer: {why_not}", file=sys.stderr, flush=True)
        else:
            peers.append(Pyudev(args, workdir, args.pyudev_python))

    build_kind = None
    pw_source = None
    if pw_bin is not None:
        build_kind = args.build_kind or (
            "release" if "/release/" in str(pw_bin) else "debug" if "/debug/" in str(pw_bin) else "unknown")
        pw_source = f"{pw_bin} (mtime {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(pw_bin.stat().st_mtime))})"
        if not args.no_copy:
            # Run a private copy: a concurrent `swift build` may relink the original mid-run.
            copy = workdir / "probewatch"
            shutil.copy2(pw_bin, copy)
            for peer in peers:
                if isinstance(peer, Probewatch):
                    peer.binary = copy
    print(f"# storm: {args.events} events (+3 sentinel uevents), mix={args.mix}, gap_every={args.gap_every}, "
          f"reps={args.reps}, kernel {os.uname().release}, "
          f"{os.cpu_count()} CPUs", flush=True)
    if pw_bin:
        print(f"# probewatch: {pw_source} ({build_kind} build) args: run --json-log FILE "
              f"{' '.join(args.probewatch_arg)}", flush=True)

    results: list[Result] = []
    stderr_shown: set[str] = set()
    for rep in range(args.reps):
        order = peers if rep % 2 == 0 else list(reversed(peers))
        for peer in order:
            r = measure(peer, rep, storm_bin, args, workdir)
            results.append(r)
            us = r.us_per_event(args.events)
            status = "ok" if r.ok else f"FAILED: {r.error}"
            print(f"rep {rep} {peer.name:10s} "
                  f"cpu {('%.3f' % (r.cpu_ns / 1e6)) if r.cpu_ns is not None else '-':>9} ms  "
                  f"{('%.3f' % us) if us is not None else '-':>7} us/event  "
                  f"wall {('%.3f' % r.wall_s) if r.wall_s is not None else '-':>7} s  "
                  f"received {r.received}/{args.events}  {status}", flush=True)
            inj = parse_kv(r.extra.get("injector", ""))
            if inj.get("enobufs_retries", "0") != "0":
                print(f"    injector: {r.extra['injector']} (the receiver overflowed; events were resent)")
            if r.extra.get("lost_records"):
                print(f"    probewatch wrote {r.extra['lost_records']} `lost` records")
            if r.extra.get("enobufs"):
                print(f"    baseline saw ENOBUFS {r.extra['enobufs']} times")
            if r.extra.get("exit_code") not in (None, 0):
                print(f"    exit code after SIGTERM: {r.extra['exit_code']}")
            if r.extra.get("kernel_drops"):
                print(f"    the kernel dropped {r.extra['kernel_drops']} uevents for this receiver (socket Drops); "
                      f"sentinel resent {r.extra.get('sentinel_resent', 0)} times")
            for k in ("missing_events", "sigterm", "finish_error", "stderr_tail"):
                if k in r.extra and (k != "stderr_tail" or peer.name not in stderr_shown or not r.ok):
                    text = str(r.extra[k]).replace("\n", "\n        ")
                    print(f"    {k}: {text}", flush=True)
                    if k == "stderr_tail":
                        stderr_shown.add(peer.name)

    print()
    print(f"{'peer':10s} {'ok':>2s} {'complete':>8s} {'median us/event':>16s} {'min':>8s} {'max':>8s} {'ratio/baseline':>15s} "
          f"{'median wall s':>14s} {'received (min..max)':>22s}")
    medians: dict[str, float] = {}
    summary = {}
    for peer in peers:
        rs = [r for r in results if r.peer == peer.name and r.ok]
        allr = [r for r in results if r.peer == peer.name]
        rec = [r.received for r in allr if r.received is not None]
        if not rs:
            print(f"{peer.name:10s}  0 (no successful measurement)")
            summary[peer.name] = {"ok": 0}
            continue
        us = [r.us_per_event(args.events) for r in rs]
        med = statistics.median(us)
        medians[peer.name] = med
        wall = statistics.median(r.wall_s for r in rs)
        summary[peer.name] = {"ok": len(rs), "complete": sum(r.received == args.events for r in rs),
                              "median_us_per_event": med, "min": min(us), "max": max(us),
                              "median_wall_s": wall, "received_min": min(rec) if rec else None,
                              "received_max": max(rec) if rec else None}
    for peer in peers:
        s = summary[peer.name]
        if not s.get("ok"):
            continue
        base = medians.get("baseline")
        ratio = s["median_us_per_event"] / base if base else None
        s["ratio_to_baseline"] = ratio
        print(f"{peer.name:10s} {s['ok']:2d} {s['complete']:8d} {s['median_us_per_event']:16.3f} {s['min']:8.3f} {s['max']:8.3f} "
              f"{('%.2f' % ratio) if ratio else '-':>15s} {s['median_wall_s']:14.3f} "
              f"{str(s['received_min']) + '..' + str(s['received_max']):>22s}")
    pw = [r for r in results if r.peer == "probewatch"]
    if pw and pw[-1].extra.get("summary"):
        print(f"\nprobewatch last summary record: {json.dumps(pw[-1].extra['summary'])}")
        print(f"probewatch last record counts: {json.dumps(pw[-1].extra.get('records'))}, "
              f"log {pw[-1].extra.get('log_bytes')} bytes, peak RSS {pw[-1].rss_hwm_kib} KiB, "
              f"threads {pw[-1].threads}")

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"events": args.events, "mix": args.mix, "pool": args.pool, "gap_every": args.gap_every, "reps": args.reps, "kernel": os.uname().release,
                       "cpus": os.cpu_count(), "probewatch": pw_source,
                       "probewatch_build": build_kind, "probewatch_args": args.probewatch_arg,
                       "summary": summary, "results": [asdict(r) for r in results]}, f, indent=2)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
