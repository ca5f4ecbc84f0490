#!/usr/bin/env python3
"""Instructions per uevent, counted by callgrind: the live benchmark's question without the VM's noise.

bench_live.py measures CPU time, which on this shared VM moves by 10-40% with whatever else runs (another
build on the second core inflates both peers, but not equally). Instructions executed in user space do not
move: this script runs the C libudev loop and `probewatch run --json-log FILE` under
`valgrind --tool=callgrind`, each in its own `unshare -n`, over the same `uevent_storm -m probe` storm twice
(N and 2N events), and reports (count(2N) - count(N)) / N by object (libudev, libc, the program itself),
so start-up and shutdown cancel out. The ratio of the totals is the same question as bench_live.py's CPU
ratio; it leaves out the kernel's side (receiving the datagrams, which both pay, and writing the log, which
only probewatch pays) and cache misses.

    python3 Benchmarks/live/bench_instructions.py [--events 20000] [--probewatch PATH] [--cache-sim] [--keep]
        [--json-out FILE]

--cache-sim also has callgrind simulate the caches and reports first-level instruction-cache misses per
event (32 KiB, the machine's own geometry): code that does not fit the instruction cache costs time that
instruction counts do not show (see Benchmarks/README.md, 2026-11-26 day).

Needs valgrind (`apt-get install valgrind`); runs as root like bench_live.py. Valgrind makes the receivers
about 50 times slower, so the storms stay small enough for the 128 MiB receive buffer (no drops: a drop
would show as a lost event, and the script stops).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import benchlib as bl  # noqa: E402  (storm_binary, private_binary, require_root, machine, remove_workdir)
import bench_live as live  # noqa: E402  (build_tools)

SENTINEL = "/devices/virtual/pwbench/sentinel"


def wait_for(predicate, what: str, timeout: float):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


CACHE_SIM: list[str] = []  # callgrind options; main() fills it for --cache-sim


def callgrind(cmd: list[str], out: Path, stdout: Path, stderr: Path) -> subprocess.Popen:
    """`cmd` under callgrind in a network namespace of its own. unshare execs valgrind, which runs the
    program in its own process: the child's pid is the receiver's, for nsenter."""
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    with open(stdout, "wb") as out_file, open(stderr, "wb") as err_file:
        return subprocess.Popen(["unshare", "-n", "--", "valgrind", "--tool=callgrind", *CACHE_SIM,
                                 f"--callgrind-out-file={out}", *cmd],
                                stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file, env=env)


def tail(path: Path, size: int = 65536) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode(errors="replace")


def run_baseline(events: int, workdir: Path, storm: Path, baseline: Path) -> Path:
    out, stdout = workdir / f"cg.baseline.{events}", workdir / "baseline.out"
    proc = callgrind([str(baseline), SENTINEL], out, stdout, workdir / "baseline.err")
    try:
        wait_for(lambda: "READY" in stdout.read_text(), "the baseline to start", 120)
        bl.inject(proc.pid, storm, "-n", str(events), "-m", "probe", "-s", SENTINEL)
        wait_for(lambda: "SENTINEL" in stdout.read_text(), "the baseline to receive the storm", 600)
        if f"count={events} " not in stdout.read_text():
            raise RuntimeError(f"baseline did not receive every event: {stdout.read_text().strip()[-200:]}")
    finally:
        bl.stop(proc, timeout=120)
    return out


def run_probewatch(events: int, workdir: Path, storm: Path, probewatch: Path) -> Path:
    out, log = workdir / f"cg.probewatch.{events}", workdir / "probewatch.jsonl"
    log.unlink(missing_ok=True)
    proc = callgrind([str(probewatch), "run", "--json-log", str(log)], out, workdir / "probewatch.out",
                     workdir / "probewatch.err")
    try:
        wait_for(lambda: '"type":"snapshot"' in tail(log), "probewatch to start", 300)
        bl.inject(proc.pid, storm, "-n", str(events), "-m", "probe", "-s", SENTINEL)
        wait_for(lambda: f'"action":"bind","devpath":"{SENTINEL}"' in tail(log), "probewatch to log the storm", 900)
        if '"type":"lost"' in log.read_text(errors="replace"):
            raise RuntimeError("probewatch lost events under valgrind: use fewer --events")
    finally:
        bl.stop(proc, timeout=300)
    return out


def instructions_by_object(profile: Path) -> collections.Counter:
    report = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", str(profile)],
                            capture_output=True, text=True, check=True).stdout
    # callgrind_annotate lists a function once per source file its code came from (inlined code counts
    # under its own file), and names the object on only one of those lines: the others are charged to
    # the object their function is named with. (Counting only the named lines missed a quarter of ours.)
    lines = []
    object_of: dict[str, str] = {}
    for line in report.split("file:function", 1)[-1].splitlines():
        match = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(?:.*?):(\S+)(?:\s+\[(.*)\])?\s*$", line)
        if not match:
            continue
        count, function, obj = int(match.group(1).replace(",", "")), match.group(2), match.group(3)
        if obj:
            object_of[function] = Path(obj).name
        lines.append((count, function))
    by_object: collections.Counter = collections.Counter()
    for count, function in lines:
        by_object[object_of.get(function, "unknown")] += count
    return by_object


def per_event(small: Path, large: Path, events: int) -> dict[str, float]:
    one, two = instructions_by_object(small), instructions_by_object(large)
    return {name: (two[name] - one.get(name, 0)) / events for name in two}


def profile_totals(profile: Path) -> dict[str, int]:
    """The profile's whole-run counts by event name (Ir, and I1mr... with the cache simulation)."""
    names: list[str] = []
    for line in profile.read_text(errors="replace").splitlines():
        if line.startswith("events:"):
            names = line.split()[1:]
        elif line.startswith(("summary:", "totals:")) and names:
            return dict(zip(names, (int(value) for value in line.split()[1:])))
    return {}


def instruction_cache_misses(small: Path, large: Path, events: int) -> float:
    one, two = profile_totals(small), profile_totals(large)
    return (two.get("I1mr", 0) - one.get("I1mr", 0)) / events


def label(name: str, program: str) -> str:
    for prefix, short in (("libudev", "libudev"), ("libc.", "libc"), ("ld-linux", "libc")):
        if name.startswith(prefix):
            return short
    return program


def summarize(rows: dict[str, float], program: str) -> dict[str, float]:
    grouped: collections.Counter = collections.Counter()
    for name, value in rows.items():
        grouped[label(name, program)] += value
    grouped["total"] = sum(v for k, v in grouped.items() if k != "total")
    return dict(grouped)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=20000, help="N: storms of N and 2N events (default 20000)")
    ap.add_argument("--probewatch", help="binary (default .build-bench/release/probewatch, else .build/release)")
    ap.add_argument("--workdir", default="/var/tmp/probewatch-bench-instructions")
    ap.add_argument("--cache-sim", action="store_true", help="also count instruction-cache misses (slower)")
    ap.add_argument("--json-out", help="write the results as JSON here too")
    ap.add_argument("--keep", action="store_true", help="keep the callgrind profiles (cg.*) in --workdir")
    args = ap.parse_args()
    if args.cache_sim:
        CACHE_SIM.append("--cache-sim=yes")
    bl.require_root()
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        sys.exit("needs valgrind: apt-get install valgrind")
    baseline, storm = live.build_tools(force=False)
    binary, workdir, probewatch = bl.private_binary(args.probewatch, Path(args.workdir))
    print(f"machine: {bl.machine()}\nprobewatch: {bl.binary_label(binary)}\nstorms: {args.events} and "
          f"{2 * args.events} events, mix probe", flush=True)
    results = {}
    try:
        for name, run in (("baseline", lambda n: run_baseline(n, workdir, storm, baseline)),
                          ("probewatch", lambda n: run_probewatch(n, workdir, storm, probewatch))):
            small, large = run(args.events), run(2 * args.events)
            results[name] = summarize(per_event(small, large, args.events), name)
            if args.cache_sim:
                results[name]["I1 misses"] = instruction_cache_misses(small, large, args.events)
            print(f"{name:10s} " + "  ".join(f"{k} {v:,.0f}" for k, v in results[name].items()), flush=True)
    finally:
        bl.remove_workdir(workdir, *(() if args.keep else ("cg.*",)), "*.out", "*.err", "*.jsonl", "probewatch")
    ratio = results["probewatch"]["total"] / results["baseline"]["total"]
    print(f"\ninstructions per event: baseline {results['baseline']['total']:,.0f}, probewatch "
          f"{results['probewatch']['total']:,.0f}; ratio {ratio:.3f}")
    if args.cache_sim:
        print(f"instruction-cache misses per event: baseline {results['baseline']['I1 misses']:,.0f}, "
              f"probewatch {results['probewatch']['I1 misses']:,.0f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"events": args.events, "per_event": results, "ratio": ratio},
                                                  indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
