#!/usr/bin/env python3
"""Idle wakeups of `probewatch run`: does a daemon with nothing to do stay asleep?

Four variants, --reps daemons each, all running at the same time, each in its own network namespace
(host uevents would still reach them: the kernel broadcasts device uevents to every network namespace of
the initial user namespace; the script does not count them, check the log if in doubt):

  plain     unshare -n -- probewatch run --json-log FILE --console none --no-journal
            readiness: the `snapshot` record in FILE. Expected: 0 wakeups per minute.
  watchdog  the same, with $NOTIFY_SOCKET (a datagram socket of this script) and WATCHDOG_USEC=10000000
            (no WATCHDOG_PID: it cannot be known before exec, and sd_watchdog_enabled() checks it only when
            set); readiness: READY=1. Expected: WATCHDOG=1 every 5 s (half of WATCHDOG_USEC), 12 a minute,
            and about as many wakeups.
  ... --no-kmsg  both again without the kernel log reader: probewatch reads /dev/kmsg by default, and every
            record anyone logs wakes it; the script counts the records logged in each window.

Each daemon: ready, one `add` uevent injected (Benchmarks/live/uevent_storm.c inside its namespace), its
`event` record seen in FILE, then --quiet-before seconds (default 10: the JSON log's fdatasync timer fires
5 s after a write), then --window seconds (default 60) with nothing happening, measured:
  wakeups = delta of voluntary_ctxt_switches + nonvoluntary_ctxt_switches summed over /proc/PID/task/*/status
  CPU     = delta of /proc/PID/task/*/schedstat field 1 (ns on CPU)
  datagrams received on the notify socket in the window (WATCHDOG=1, STATUS=, other)

    python3 Benchmarks/idle/bench_idle.py [--reps 3] [--window 60] [--quiet-before 10]
"""
from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import benchlib as bl  # noqa: E402

WATCHDOG_USEC = 10_000_000


VARIANTS = {  # name: (watchdog?, extra flags)
    "plain": (False, []),
    "plain --no-kmsg": (False, ["--no-kmsg"]),
    "watchdog": (True, []),
    "watchdog --no-kmsg": (True, ["--no-kmsg"]),
}


def one(binary: Path, storm: Path, workdir: Path, variant: str, rep: int, args, kmsg) -> dict:
    watchdog, extra = VARIANTS[variant]
    name = f"{variant.replace(' --', '-')}-{rep}"
    log = workdir / f"{name}.jsonl"
    notify = bl.NotifySocket(workdir / f"{name}.notify") if watchdog else None
    env = {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)} if notify else {}
    daemon_args = ["--json-log", str(log), "--console", "none", "--no-journal", *extra]
    proc = bl.spawn_daemon(binary, daemon_args, workdir / f"{name}.stderr", env)
    res = {"variant": variant, "rep": rep, "ok": False, "args": daemon_args, "env": env}
    alive = lambda: proc.poll() is None  # noqa: E731
    tail = bl.FileTail(log, interval=0.05)
    try:
        def is_type(t):
            def pred(line: bytes) -> bool:
                try:
                    return json.loads(line).get("type") == t
                except ValueError:
                    return False
            return pred
        if tail.wait_for_line(b'"snapshot"', is_type("snapshot"), 60, alive) is None:
            raise RuntimeError(f"no snapshot record within 60 s (exit {proc.poll()})")
        if notify and notify.wait_for(lambda m: "READY=1" in m.split("\n"), 30, alive) is None:
            raise RuntimeError("no READY=1 within 30 s")
        subsystem = f"pwidle{secrets.token_hex(3)}"
        bl.inject(proc.pid, storm, "-m", "add", "-n", "1", "-S", subsystem, "-p", f"/devices/virtual/{subsystem}")
        if tail.wait_for_line(subsystem.encode(), is_type("event"), 30, alive) is None:
            raise RuntimeError("the injected uevent's record did not appear within 30 s")
        time.sleep(args.quiet_before)
        pid = proc.pid
        v0, n0, threads = bl.ctx_switches(pid)
        c0 = bl.cpu_ns(pid)
        t0 = time.monotonic()
        time.sleep(args.window)
        t1 = time.monotonic()
        v1, n1, threads1 = bl.ctx_switches(pid)
        c1 = bl.cpu_ns(pid)
        if not alive():
            raise RuntimeError(f"daemon exited with {proc.returncode}")
        res.update(ok=True, voluntary=v1 - v0, nonvoluntary=n1 - n0, wakeups=(v1 - v0) + (n1 - n0),
                   cpu_us=(c1 - c0) / 1000, threads=threads1, window_s=t1 - t0,
                   kmsg_records=kmsg.between(t0, t1))
        if notify:
            msgs = notify.between(t0, t1)
            res["watchdog_pings"] = sum("WATCHDOG=1" in m.split("\n") for m in msgs)
            res["status_msgs"] = sum(any(l.startswith("STATUS=") for l in m.split("\n")) for m in msgs)
            res["other_msgs"] = len(msgs) - res["watchdog_pings"] - res["status_msgs"]
            res["ping_times"] = [round(t - t0, 2) for t, m in notify.messages if t0 <= t < t1 and "WATCHDOG=1" in m]
    except Exception as e:
        res["error"] = str(e)
    finally:
        res["exit_code"] = bl.stop(proc)
        if notify:
            notify.close()
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--probewatch", help="binary (default .build-bench/release, else .build/release)")
    ap.add_argument("--reps", type=int, default=3, help="daemons per variant (default 3)")
    ap.add_argument("--window", type=float, default=60, help="idle seconds measured (default 60)")
    ap.add_argument("--quiet-before", type=float, default=10,
                    help="seconds between the injected event and the window (default 10)")
    ap.add_argument("--workdir", default="/var/tmp/probewatch-bench-idle")
    ap.add_argument("--json-out", help="also write the results as JSON here")
    args = ap.parse_args()
    bl.require_root()
    storm = bl.storm_binary()
    binary, workdir, copy = bl.private_binary(args.probewatch, Path(args.workdir))
    label = bl.binary_label(binary)
    print(f"# {bl.machine()}")
    print(f"# probewatch: {label}")
    print(f"# {args.reps} daemons per variant at once; window {args.window:.0f} s, starting "
          f"{args.quiet_before:.0f} s after one injected uevent", flush=True)
    results: list[dict] = []
    lock = threading.Lock()
    kmsg = bl.KmsgWatcher()
    try:
        def run(variant, rep):
            r = one(copy, storm, workdir, variant, rep, args, kmsg)
            with lock:
                results.append(r)
        threads = [threading.Thread(target=run, args=(v, rep)) for rep in range(args.reps) for v in VARIANTS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        order = list(VARIANTS)
        results.sort(key=lambda r: (order.index(r["variant"]), r["rep"]))
        for r in results:
            if not r["ok"]:
                print(f"{r['variant']:18s} rep {r['rep']}: FAILED: {r.get('error')}")
                continue
            extra = ""
            if "watchdog_pings" in r:
                extra = (f", WATCHDOG=1 x{r['watchdog_pings']} at {r['ping_times']}, STATUS= x{r['status_msgs']}, "
                         f"other x{r['other_msgs']}")
            print(f"{r['variant']:18s} rep {r['rep']}: wakeups {r['wakeups']} (voluntary {r['voluntary']}, "
                  f"nonvoluntary {r['nonvoluntary']}), CPU {r['cpu_us']:.0f} us, threads {r['threads']}, "
                  f"kernel log records in the window {r['kmsg_records']}{extra}")
        print()
        per_min = 60 / args.window
        print(f"{'variant':18s} {'ok':>4s} {'wakeups/min (median)':>21s} {'min..max':>9s} {'CPU us/min':>11s} "
              f"{'WATCHDOG=1/min':>15s} {'kmsg records/min':>17s} {'expected':>24s}")
        summary = {}
        for variant in VARIANTS:
            watchdog, extra = VARIANTS[variant]
            expected = "~12 pings, ~12 wakeups" if watchdog else "0 wakeups"
            if not extra:
                expected += " + kmsg"
            ok = [r for r in results if r["variant"] == variant and r["ok"]]
            total = sum(1 for r in results if r["variant"] == variant)
            if not ok:
                print(f"{variant:18s} {0:>2d}/{total}")
                continue
            w = [r["wakeups"] * per_min for r in ok]
            cpu = statistics.median(r["cpu_us"] * per_min for r in ok)
            pings = statistics.median(r["watchdog_pings"] * per_min for r in ok) if watchdog else None
            km = [r["kmsg_records"] for r in ok if r["kmsg_records"] is not None]
            kmsg_min = statistics.median(km) * per_min if km else None
            summary[variant] = {"wakeups_per_min": statistics.median(w), "cpu_us_per_min": cpu,
                                "watchdog_per_min": pings, "kmsg_records_per_min": kmsg_min}
            print(f"{variant:18s} {len(ok):>2d}/{total} {statistics.median(w):21.0f} "
                  f"{f'{min(w):.0f}..{max(w):.0f}':>9s} {cpu:11.0f} "
                  f"{('%.0f' % pings) if pings is not None else '-':>15s} "
                  f"{('%.0f' % kmsg_min) if kmsg_min is not None else '-':>17s} {expected:>24s}")
        print("\n(kmsg records: kernel log records anyone on the machine logged during the windows; probewatch "
              "reads /dev/kmsg unless --no-kmsg, so each wakes it)")
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"machine": bl.machine(), "probewatch": label, "summary": summary,
                           "results": results}, f, indent=2)
        return 0 if all(r["ok"] for r in results) else 1
    finally:
        copy.unlink(missing_ok=True)
        bl.remove_workdir(workdir, "*.jsonl", "*.stderr", "*.notify")


if __name__ == "__main__":
    sys.exit(main())
