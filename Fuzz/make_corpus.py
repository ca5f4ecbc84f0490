#!/usr/bin/env python3
"""Regenerates the seed corpora in Fuzz/corpus/<target>/ from the repository's own examples.

    python3 Fuzz/make_corpus.py [--probewatch PATH]

uevent   the udevadm fixtures' KERNEL events as kernel datagrams (Tests/EndToEnd/kernel_uevents.py's
         format), one fixture per file, datagrams separated by an empty field; plus single hostile
         datagrams from Tests/EndToEnd/test_hostile_input.py.
udevadm  the udevadm fixtures, whole.
jsonl    JSON Lines written by `probewatch replay --json-log -` over the udevadm fixtures (with
         --probewatch, or one found in .build-fuzz), trimmed to a few records of each type.
kmsg     Tests/Fixtures/kmsg/probe-lines.txt, whole and record by record.
config   config/probewatch.conf, and the same with every key set to a value other than its default.
"""
import argparse
import glob
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "corpus"
UDEVADM = sorted(glob.glob(str(ROOT / "Tests/Fixtures/udevadm/*.txt")))


def write(target, name, data):
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def kernel_blocks(text):
    """(action, devpath, [(key, value)]) for each KERNEL block of a --property capture."""
    blocks, current = [], None
    for line in text.splitlines():
        if (line.startswith("KERNEL[") or line.startswith("UDEV")) and "]" in line:
            current = {"kernel": line.startswith("KERNEL"), "props": []}
            words = line.split("]", 1)[1].split()
            current["action"], current["devpath"] = words[0], words[1]
            blocks.append(current)
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current["props"].append((key, value))
        elif not line.strip():
            current = None
    return [(b["action"], b["devpath"], b["props"]) for b in blocks if b["kernel"] and b["props"]]


def datagram(action, devpath, props):
    """As Tests/EndToEnd/kernel_uevents.payload builds it: `action@devpath\\0KEY=VALUE\\0...`."""
    head = f"{action}@{devpath}".encode("utf-8", "surrogateescape") + b"\0"
    body = b""
    for key, value in props:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")
        body += key.encode() + b"=" + raw + b"\0"
    return head + body


HOSTILE_UEVENTS = {
    "no-at-sign": b"no-at-sign\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=x\0",
    "no-action": b"add@/devices/pwtest/noaction\0DEVPATH=/devices/pwtest/noaction\0SUBSYSTEM=pwtest\0",
    "unknown-action": b"explode@/devices/pwtest/x\0ACTION=explode\0DEVPATH=/devices/pwtest/x\0SUBSYSTEM=pwtest\0",
    "dot-dot": b"add@/devices/../../etc\0ACTION=add\0DEVPATH=/devices/../../etc\0SUBSYSTEM=pwtest\0",
    "relative": b"add@devices/rel\0ACTION=add\0DEVPATH=devices/rel\0SUBSYSTEM=pwtest\0",
    "non-utf8": b"change@/devices/pwtest/odd\0ACTION=change\0DEVPATH=/devices/pwtest/odd\0"
                b"SUBSYSTEM=pwtest\0LABEL=caf\xe9\\\xff\0",
    "control-bytes": datagram("change", "/devices/pwtest/big",
                              [("ACTION", "change"), ("DEVPATH", "/devices/pwtest/big"),
                               ("SUBSYSTEM", "pwtest"), ("BIG", "\x01" * 1800), ("SEQNUM", "9")]),
}


def uevent():
    for path in UDEVADM:
        if ".property-" not in path:
            continue
        blocks = kernel_blocks(pathlib.Path(path).read_text())
        data = b"\0".join(datagram(action, devpath, props) for action, devpath, props in blocks)
        write("uevent", pathlib.Path(path).name.split(".")[0], data)
    for name, data in HOSTILE_UEVENTS.items():
        write("uevent", "hostile-" + name, data)


def udevadm():
    for path in UDEVADM:
        write("udevadm", pathlib.Path(path).stem, pathlib.Path(path).read_bytes())


def jsonl(probewatch):
    if not probewatch:
        print("jsonl: no probewatch binary (build one into .build-fuzz or pass --probewatch); kept the "
              "existing seeds", file=sys.stderr)
        return
    for path in UDEVADM:
        if ".property-kernel.txt" not in path:
            continue
        out = subprocess.run([probewatch, "replay", "--json-log", "-", "--probe-timeout", "1s", path],
                             check=True, capture_output=True).stdout.decode()
        lines = out.splitlines()
        # The header, then at most three records of each type: enough to show every shape.
        kept, seen = [], {}
        for line in lines:
            kind = line.split('"type":"', 1)[1].split('"', 1)[0] if '"type":"' in line else "?"
            seen[kind] = seen.get(kind, 0) + 1
            if seen[kind] <= 3:
                kept.append(line)
        write("jsonl", pathlib.Path(path).name.split(".")[0] + ".jsonl", "\n".join(kept) + "\n")
    write("jsonl", "other-records.jsonl", "\n".join(OTHER_RECORDS) + "\n")


# Record shapes `replay` does not write: a file header, lost events, a snapshot, an invalid and a truncated
# event with escaped keys, a probe that failed, a race with an explanation, and a newer schema.
OTHER_RECORDS = [
    '{"type":"header","schema":1,"time":"2026-01-02T03:04:05.000006Z","boot_id":"b","host":"h",'
    '"file_id":"0123456789abcdef0123456789abcdef","started":"2026-01-02T03:04:00.000000Z","first_seqnum":7,'
    '"rotation":1}',
    '{"type":"lost","schema":1,"time":"2026-01-02T03:04:05.000006Z","boot_id":"b","host":"h",'
    '"reason":"ENOBUFS","lost_count":2,"after_seqnum":41}',
    '{"type":"snapshot","schema":1,"time":"2026-01-02T03:04:05+02:00","boot_id":"b","host":"h",'
    '"reason":"resync","devices":812,"bound":640,"unbound_with_module":3,"drivers":210}',
    '{"type":"event","schema":1,"time":"2026-01-02T03:04:05.5Z","boot_id":"b","host":"h","seqnum":null,'
    '"action":"add","devpath":"/devices/../../etc","subsystem":null,"driver":null,"source":"kernel",'
    '"monotonic_usec":12,"properties":{"ACTION":"add","DEVPATH":"/devices/../../etc"},'
    '"invalid":"DEVPATH has . or .. segments"}',
    '{"type":"event","schema":1,"time":"2026-01-02T03:04:06.000000Z","boot_id":"b","host":"h","seqnum":9,'
    '"action":"change","devpath":"/devices/pwtest/odd","subsystem":"pwtest","driver":null,"source":"udev",'
    '"monotonic_usec":13,"properties":{"LABEL":"caf\\\\xe9\\\\x5c\\\\xff","BIG":"\\u0001\\u0001…[1790 bytes cut]"},'
    '"escaped":["LABEL"],"truncated":true}',
    '{"type":"probe","schema":1,"time":"2026-01-02T03:04:07.000000Z","boot_id":"b","host":"h",'
    '"devpath":"/devices/pwtest/dev1","driver":"pwtest_async","bus":"pwtest","module":"pwtest_async",'
    '"mode":"async","latency_usec":null,"seqnums":[3,4],"outcome":"deferred","error":-517}',
    '{"type":"race","schema":1,"time":"2026-01-02T03:04:08.000000Z","boot_id":"b","host":"h",'
    '"kind":"probe-stalled","devpath":"/devices/pwtest/dev2","driver":"pwtest_async","bus":"pwtest",'
    '"module":null,"seqnums":[5],"window_usec":30000000,"message":"no bind","severity":"info",'
    '"explanation":"pwtest dev2: probe with driver pwtest_async failed with error -5"}',
    '{"type":"event","schema":2,"future":true}',
]


def kmsg():
    text = (ROOT / "Tests/Fixtures/kmsg/probe-lines.txt").read_text()
    write("kmsg", "probe-lines", text)
    records, current = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith(" ") and current:
            current.append(line)
        else:
            if current:
                records.append("".join(current))
            current = [line]
    if current:
        records.append("".join(current))
    for number, record in enumerate(records):
        write("kmsg", f"record-{number:02d}", record)


NON_DEFAULT = """\
[Monitor]
Source=udev
ReceiveBufferSize=3G
ReorderWindow=1min 30s 250ms
ModulesDirectory=/lib/modules/6.1.0-test
[Probes]
ProbeTimeout=1.5s
[JSONLog]
Path=/var/log/probewatch/probewatch.jsonl
EventRecords=no
MaxFileSize=65536
MaxFiles=100
SyncInterval=2h 1us
[Journal]
Enabled=off
Probes=debug
Events=true
RateLimitIntervalSec=500ms
RateLimitBurst=1
[Kmsg]
Enabled=0
Path=/run/probewatch/kmsg.fifo
[Output]
Console=findings
"""


def config():
    write("config", "probewatch.conf", (ROOT / "config/probewatch.conf").read_bytes())
    write("config", "non-default.conf", NON_DEFAULT)
    write("config", "crlf-bom-reset.conf", "\ufeff# drop-in\r\n[JSONLog]\r\n  Path = - \r\nMaxFiles=\r\n; done\r\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probewatch", help="probewatch binary for the jsonl seeds")
    args = parser.parse_args()
    probewatch = args.probewatch
    for candidate in (ROOT / ".build-fuzz/debug/probewatch", ROOT / ".build-fuzz/release/probewatch"):
        if not probewatch and candidate.exists():
            probewatch = str(candidate)
    for target in ("uevent", "udevadm", "kmsg", "config") + (("jsonl",) if probewatch else ()):
        shutil.rmtree(CORPUS / target, ignore_errors=True)
    uevent()
    udevadm()
    jsonl(probewatch)
    kmsg()
    config()
    for target in sorted(os.listdir(CORPUS)):
        files = list((CORPUS / target).iterdir())
        print(f"{target}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
