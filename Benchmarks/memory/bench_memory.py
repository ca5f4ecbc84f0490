#!/usr/bin/env python3
"""Memory of `probewatch run`: resident set per tracked device, and whether it stays flat under churn.

Each measurement starts a fresh daemon in its own network namespace:

    unshare -n -- probewatch run --json-log /dev/null --console none --no-journal

with $NOTIFY_SOCKET pointing at a datagram socket of this script: READY=1 says the startup sysfs snapshot is
loaded and the monitor receives; STATUS= ("N events, ...", sent at most once a second) says how many events
the pipeline has applied, so the script knows when a batch, its sentinel included, has been processed.
Uevents are injected with Benchmarks/live/uevent_storm.c inside the namespace; each batch ends with the
3-uevent sentinel (a driver add, a device add, its bind).

(a) devices: VmRSS (/proc/PID/status) 1 s after READY=1, then --devices `add` uevents of distinct devices
    (SUBSYSTEM unique per run, MODALIAS set), VmRSS again once STATUS counts them all:
    bytes per device = delta VmRSS / devices. --reps fresh daemons, median.
(b) churn: --churn-events add/remove events over ever-new devices (each device added, then removed), in
    chunks of --chunk events; VmRSS after each chunk's sentinel. The core keeps 4096 removed devices and 64
    timeline entries per device, so the series should level off after the first chunk. --churn-reps runs.

    python3 Benchmarks/memory/bench_memory.py [--devices 100000] [--churn-events 1000000] [--chunk 100000]
"""
from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import benchlib as bl  # noqa: E402

SENTINEL_EVENTS = 3
DAEMON_ARGS = ["--json-log", "/dev/null", "--console", "none", "--no-journal"]
# Set in main(): --config FILE with [JSONLog] MaxFileSize=0. probewatch rotates even /dev/null (renaming the
# device node) once 64 MiB were written to it, which the churn run does; see benchlib.check_dev_null.
CONFIG_ARGS: list[str] = []


class Daemon:
    def __init__(self, binary: Path, workdir: Path, name: str):
        self.workdir = workdir
        self.notify = bl.NotifySocket(workdir / f"{name}.notify")
        self.stderr = workdir / f"{name}.stderr"
        bl.check_dev_null()
        self.proc = bl.spawn_daemon(binary, CONFIG_ARGS + DAEMON_ARGS, self.stderr,
                                    {"NOTIFY_SOCKET": str(self.notify.path)})
        self.pid = self.proc.pid
        self.applied = 0

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float = 60):
        if self.notify.wait_for(lambda m: "READY=1" in m.split("\n"), timeout, self.alive) is None:
            raise RuntimeError(f"no READY=1 within {timeout:.0f}s (exit {self.proc.poll()}): {self.stderr_tail()}")
        self.applied = 0

    def wait_applied(self, total: int, timeout: float):
        """Until STATUS= reports `total` events applied."""
        got = self.notify.wait_for(lambda m: (bl.status_events(m) or -1) >= total, timeout, self.alive)
        if got is None:
            last = [bl.status_events(m) for _, m in self.notify.messages if bl.status_events(m) is not None]
            raise RuntimeError(f"STATUS never reached {total} events within {timeout:.0f}s (last: "
                               f"{last[-1] if last else None}; exit {self.proc.poll()}; "
                               f"socket drops {bl.netlink_uevent_listener(self.pid)}): {self.stderr_tail()}")
        self.applied = bl.status_events(got)

    def rss_kib(self) -> dict:
        return {k: bl.status_kib(self.pid, k) for k in ("VmRSS", "RssAnon", "RssFile", "VmHWM")}

    def stderr_tail(self) -> str:
        try:
            return self.stderr.read_text(errors="replace").strip()[-600:]
        except OSError:
            return ""

    def close(self) -> int | None:
        code = bl.stop(self.proc)
        self.notify.close()
        bl.check_dev_null()
        return code


def sentinel(prefix: str) -> str:
    return f"{prefix}/sentinel-{secrets.token_hex(6)}"


def measure_devices(binary: Path, storm: Path, workdir: Path, devices: int, rep: int, settle: float) -> dict:
    d = Daemon(binary, workdir, f"devices-{rep}")
    try:
        d.wait_ready()
        time.sleep(settle)
        before = d.rss_kib()
        subsystem = f"pwmem{secrets.token_hex(3)}"
        prefix = f"/devices/virtual/{subsystem}"
        t0 = time.monotonic()
        sent = bl.inject(d.pid, storm, "-m", "add", "-n", str(devices), "-S", subsystem, "-p", prefix,
                         "-s", sentinel(prefix))
        d.wait_applied(devices + SENTINEL_EVENTS, timeout=300)
        wall = time.monotonic() - t0
        time.sleep(0.3)
        after = d.rss_kib()
        drops = bl.netlink_uevent_listener(d.pid)
        delta = after["VmRSS"] - before["VmRSS"]
        return {"rep": rep, "ok": True, "before": before, "after": after, "delta_kib": delta,
                "bytes_per_device": delta * 1024 / devices, "wall_s": wall, "injector": sent,
                "socket_drops": drops[1] if drops else None, "events_applied": d.applied}
    except Exception as e:  # report, keep the other reps
        return {"rep": rep, "ok": False, "error": str(e)}
    finally:
        d.close()


def measure_churn(binary: Path, storm: Path, workdir: Path, events: int, chunk: int, rep: int, settle: float) -> dict:
    d = Daemon(binary, workdir, f"churn-{rep}")
    series = []
    try:
        d.wait_ready()
        time.sleep(settle)
        series.append({"events": 0, **d.rss_kib()})
        subsystem = f"pwchurn{secrets.token_hex(3)}"
        prefix = f"/devices/virtual/{subsystem}"
        done = 0
        applied = 0
        while done < events:
            n = min(chunk, events - done)
            # Offset `done`: device numbers (done + i) / 2 are new in every chunk (chunk is even).
            bl.inject(d.pid, storm, "-m", "addremove", "-n", str(n), "-o", str(done), "-S", subsystem,
                      "-p", prefix, "-s", sentinel(prefix))
            applied += n + SENTINEL_EVENTS
            d.wait_applied(applied, timeout=300)
            done += n
            time.sleep(0.3)
            series.append({"events": done, **d.rss_kib()})
        drops = bl.netlink_uevent_listener(d.pid)
        return {"rep": rep, "ok": True, "series": series, "socket_drops": drops[1] if drops else None}
    except Exception as e:
        return {"rep": rep, "ok": False, "error": str(e), "series": series}
    finally:
        d.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--probewatch", help="binary (default .build-bench/release, else .build/release)")
    ap.add_argument("--devices", type=int, default=100_000, help="(a) devices added (default 100000)")
    ap.add_argument("--reps", type=int, default=3, help="(a) fresh daemons (default 3)")
    ap.add_argument("--churn-events", type=int, default=1_000_000, help="(b) add/remove events (default 1000000)")
    ap.add_argument("--chunk", type=int, default=100_000, help="(b) events between samples (default 100000)")
    ap.add_argument("--churn-reps", type=int, default=3, help="(b) fresh daemons (default 3)")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds after READY=1 before the first sample")
    ap.add_argument("--workdir", default="/var/tmp/probewatch-bench-memory")
    ap.add_argument("--json-out", help="also write the results as JSON here")
    args = ap.parse_args()
    if args.chunk % 2:
        sys.exit("--chunk must be even (add/remove pairs)")
    bl.require_root()
    storm = bl.storm_binary()
    binary, workdir, copy = bl.private_binary(args.probewatch, Path(args.workdir))
    label = bl.binary_label(binary)
    config = bl.no_rotation_config(workdir)
    CONFIG_ARGS[:] = ["--config", str(config)]
    results: dict = {"machine": bl.machine(), "probewatch": label, "args": CONFIG_ARGS + DAEMON_ARGS}
    print(f"# {results['machine']}")
    print(f"# probewatch: {label}")
    print(f"# daemon: unshare -n -- probewatch run --config no-rotation.conf {' '.join(DAEMON_ARGS)}  "
          f"(NOTIFY_SOCKET for READY/STATUS; the file says [JSONLog] MaxFileSize=0)", flush=True)
    try:
        # (a)
        dev = []
        for rep in range(args.reps):
            r = measure_devices(copy, storm, workdir, args.devices, rep, args.settle)
            dev.append(r)
            if r["ok"]:
                print(f"(a) rep {rep}: VmRSS {r['before']['VmRSS']} -> {r['after']['VmRSS']} KiB "
                      f"(RssAnon {r['before']['RssAnon']} -> {r['after']['RssAnon']}), "
                      f"{r['bytes_per_device']:.0f} B/device, {args.devices} adds applied in {r['wall_s']:.2f} s, "
                      f"socket drops {r['socket_drops']}", flush=True)
            else:
                print(f"(a) rep {rep}: FAILED: {r['error']}", flush=True)
        results["devices"] = dev
        # (b)
        churn = []
        for rep in range(args.churn_reps):
            r = measure_churn(copy, storm, workdir, args.churn_events, args.chunk, rep, args.settle)
            churn.append(r)
            s = " ".join(str(x["VmRSS"]) for x in r["series"])
            print(f"(b) rep {rep}: VmRSS KiB at every {args.chunk} events: {s}"
                  + ("" if r["ok"] else f"  FAILED: {r['error']}"), flush=True)
        results["churn"] = churn

        print()
        ok = [r for r in dev if r["ok"]]
        if ok:
            med = lambda key, sub=None: statistics.median(r[key][sub] if sub else r[key] for r in ok)  # noqa: E731
            print(f"(a) {args.devices} devices added, {len(ok)}/{len(dev)} reps ok (median)")
            print(f"{'VmRSS before KiB':>17s} {'VmRSS after KiB':>16s} {'delta KiB':>10s} {'bytes/device':>13s} "
                  f"{'RssAnon after KiB':>18s} {'VmHWM KiB':>10s}")
            print(f"{med('before', 'VmRSS'):17.0f} {med('after', 'VmRSS'):16.0f} {med('delta_kib'):10.0f} "
                  f"{med('bytes_per_device'):13.0f} {med('after', 'RssAnon'):18.0f} {med('after', 'VmHWM'):10.0f}")
            results["devices_median_bytes_per_device"] = med("bytes_per_device")
        okc = [r for r in churn if r["ok"]]
        if okc:
            n = len(okc[0]["series"])
            print(f"\n(b) churn: {args.churn_events} add/remove events over ever-new devices, "
                  f"{len(okc)}/{len(churn)} reps ok; VmRSS KiB (median over reps, min..max)")
            print(f"{'events':>9s} {'VmRSS KiB':>10s} {'min..max':>17s} {'RssAnon KiB':>12s}")
            medians = []
            for i in range(n):
                vals = [r["series"][i]["VmRSS"] for r in okc]
                anon = statistics.median(r["series"][i]["RssAnon"] for r in okc)
                m = statistics.median(vals)
                medians.append(m)
                print(f"{okc[0]['series'][i]['events']:9d} {m:10.0f} {f'{min(vals)}..{max(vals)}':>17s} {anon:12.0f}")
            # Flat: after the first two chunks (the model fills to its caps), no further growth.
            tail = medians[2:] if n > 3 else medians
            growth = tail[-1] - tail[0]
            span = (n - 1 - (2 if n > 3 else 0)) * args.chunk
            per100k = growth / span * 100_000 if span else 0.0
            flat = abs(growth) <= max(2048, 0.05 * tail[0])
            verdict = "FLAT" if flat else "GROWING"
            print(f"\nchurn verdict: {verdict}: VmRSS {tail[0]:.0f} -> {tail[-1]:.0f} KiB from event "
                  f"{okc[0]['series'][2 if n > 3 else 0]['events']} to {okc[0]['series'][-1]['events']} "
                  f"({per100k:+.0f} KiB per 100,000 events; flat = within max(2 MiB, 5%))")
            results["churn_median_series_kib"] = medians
            results["churn_verdict"] = verdict
            results["churn_kib_per_100k_events"] = per100k
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(results, f, indent=2)
        return 0 if len(ok) == len(dev) and len(okc) == len(churn) else 1
    finally:
        copy.unlink(missing_ok=True)
        config.unlink(missing_ok=True)
        bl.remove_workdir(workdir, "*.stderr", "*.notify")


if __name__ == "__main__":
    sys.exit(main())
