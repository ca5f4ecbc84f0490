"""Records real `udevadm monitor` captures of every scenario, for the replay tests.

    python3 Tests/EndToEnd/make_captures.py [OUTPUT_DIR]

Each scenario runs in a fresh network namespace while `udevadm monitor` listens there; its output is
stored exactly as printed. Variants cover what users paste: `--property --kernel` for every scenario, both
KERNEL and UDEV copies (udevd's copies are multicast to group 2 with the kernel's SEQNUM), and a plain
capture without properties or SEQNUM. Where a scenario waits for a timeout, the capture waits 1.5 s, past
the 1 s probe timeout the replay tests use.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import scenarios  # noqa: E402
from kernel_uevents import Injector  # noqa: E402
from namespaces import NetNamespace  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(os.path.dirname(HERE), "Fixtures", "udevadm")
VARIANTS = {
    "property-kernel": ["--property", "--kernel"],
    "property-kernel-udev": ["--property", "--kernel", "--udev"],
    "plain-kernel-udev": ["--kernel", "--udev"],
}
# Which scenarios get which variant: every scenario with --property --kernel, two with udev copies too.
PLAN = [(name, "property-kernel") for name in scenarios.SCENARIOS] + [
    ("driver-removed-before-bind", "property-kernel-udev"),
    ("async-probe", "property-kernel-udev"),
    ("unbind-without-bind", "plain-kernel-udev"),
]


def capture(name, variant, workdir):
    """udevadm writes to a file (not a pipe we might stop reading), polled until the sentinel's block ends."""
    path = os.path.join(workdir, f"{name}.{variant}.raw")
    with NetNamespace() as namespace, open(path, "w") as sink:
        # stdbuf: udevadm's stdout is block-buffered otherwise, and the file is read while it runs.
        monitor = subprocess.Popen(
            namespace.command(["stdbuf", "-oL", "udevadm", "monitor", *VARIANTS[variant]]), stdout=sink)
        try:
            wait_for_listeners(monitor.pid, count=2 if "udev" in variant else 1)
            subprocess.run(namespace.command([sys.executable, __file__, "--inject", name, variant]),
                           check=True, timeout=60)
            wait_for_sentinel_block(path)
        finally:
            monitor.terminate()
            monitor.wait(timeout=10)
    with open(path) as handle:
        return handle.read()


def wait_for_listeners(pid, count, timeout=10):
    """udevadm is ready when its uevent sockets have joined their multicast groups (/proc/PID/net/netlink)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/net/netlink") as table:
            rows = [line.split() for line in table.readlines()[1:]]
        if sum(1 for row in rows if row[1] == "15" and int(row[3], 16) != 0) >= count:
            return
        time.sleep(0.01)
    raise RuntimeError("udevadm monitor did not start listening")


def wait_for_sentinel_block(path, timeout=30):
    """Until the sentinel's event, and its property block if any, has been printed completely."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as handle:
            text = handle.read()
        index = text.rfind(scenarios.SENTINEL)
        if index >= 0 and ("--property" not in text and text.endswith("\n") or "\n\n" in text[index:]):
            return
        time.sleep(0.02)
    raise RuntimeError(f"the sentinel did not show up in {path}")


def inject(name, variant):
    """Runs inside the namespace: sends the scenario, plus udevd-style copies when the variant has them."""
    steps, _ = scenarios.SCENARIOS[name]
    injector = Injector()
    listener = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15)
    listener.bind((0, 1))
    with_udev = "udev" in variant
    for step in steps + [scenarios.sentinel()]:
        if "await" in step:
            time.sleep(1.5)  # past the replay's 1 s probe timeout: a fixture's timing, not synchronisation
            continue
        injector.send(step["action"], step["devpath"], step["props"])
        seqnum = kernel_seqnum(listener, step)
        if with_udev:
            injector.send_udev(step["action"], step["devpath"], step["props"], seqnum)


def kernel_seqnum(listener, step):
    """The SEQNUM the kernel gave our event, read back from the broadcast."""
    while True:
        fields = listener.recv(65536).split(b"\0")
        values = dict(field.split(b"=", 1) for field in fields[1:] if b"=" in field)
        if values.get(b"DEVPATH") == step["devpath"].encode() and values.get(b"ACTION") == step["action"].encode():
            return int(values[b"SEQNUM"])


def main(argv):
    if argv[1:2] == ["--inject"]:
        inject(argv[2], argv[3])
        return 0
    output_dir = argv[1] if len(argv) > 1 else DEFAULT_OUTPUT
    os.makedirs(output_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        for name, variant in PLAN:
            path = os.path.join(output_dir, f"{name}.{variant}.txt")
            with open(path, "w") as handle:
                handle.write(capture(name, variant, workdir))
            print(path, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
