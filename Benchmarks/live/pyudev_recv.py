#!/usr/bin/env python3
"""pyudev peer for bench_live.py: the Python receive loop a user would write.

    pyudev_recv.py [SENTINEL_DEVPATH]

`pyudev.Monitor.from_netlink(context, source="kernel")`, 128 MiB receive buffer (SO_RCVBUFFORCE through
libudev), `monitor.poll()` for every device, every property read (`device.properties.items()`), and the same
stdout protocol as udev_recv_baseline.c, so the harness treats both alike:

  READY pid=<pid> rcvbuf=<bytes>                  monitor is receiving
  SENTINEL count=<n> all=<n>                      the sentinel's bind arrived (count: storm events, the
                                                  sentinel's own events excluded; all: every event)
  TOTAL count=<n> all=<n> props=<n> prop_bytes=<n>  on SIGTERM/SIGINT, then exit 0
"""
import os
import signal
import socket
import sys

import pyudev

SENTINEL_DRIVER_PREFIX = "/bus/pwsentinel/"


class Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler to leave the receive loop (also out of a blocking poll)."""


def main() -> int:
    sentinel = sys.argv[1] if len(sys.argv) > 1 else None

    def stop(*_):
        raise Stop

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    context = pyudev.Context()
    monitor = pyudev.Monitor.from_netlink(context, source="kernel")
    monitor.set_receive_buffer_size(128 * 1024 * 1024)
    monitor.start()
    rcvbuf = socket.socket(fileno=os.dup(monitor.fileno())).getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    print(f"READY pid={os.getpid()} rcvbuf={rcvbuf // 2}", flush=True)

    count = every = props = prop_bytes = 0
    try:
        for device in iter(monitor.poll, None):
            every += 1
            devpath = device.device_path
            is_sentinel = sentinel is not None and devpath == sentinel
            if not is_sentinel and not devpath.startswith(SENTINEL_DRIVER_PREFIX):
                count += 1
            for name, value in device.properties.items():
                props += 1
                prop_bytes += len(name) + len(value)
            if is_sentinel and device.action == "bind":
                print(f"SENTINEL count={count} all={every}", flush=True)
    except Stop:
        pass
    print(f"TOTAL count={count} all={every} props={props} prop_bytes={prop_bytes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
