"""Real kernel uevents for tests, sent through the kernel in the caller's network namespace.

A root process in a network namespace that sends `action@devpath\\0KEY=VAL\\0...` to the kernel (port 0) on a
NETLINK_KOBJECT_UEVENT socket makes the kernel broadcast it to that namespace's group-1 listeners as a
genuine kernel uevent with a real SEQNUM appended (lib/kobject_uevent.c: uevent_net_rcv(), Linux >= 4.18).
The message needs a netlink header with NLM_F_REQUEST and a type >= NLMSG_MIN_TYPE, or netlink_rcv_skb()
drops it silently; the kernel rejects payloads that do not leave room for SEQNUM in UEVENT_BUFFER_SIZE.

Group 2 is where udevd multicasts processed events with libudev's header; a root process can do the same.

Run as a script inside a namespace (`nsenter --net=... python3 kernel_uevents.py send < events.json`).
"""
import json
import socket
import struct
import sys

NETLINK_KOBJECT_UEVENT = 15
NLM_F_REQUEST = 1
UEVENT_MSG_TYPE = 0x14  # any type >= NLMSG_MIN_TYPE (0x10)
UDEV_MONITOR_MAGIC = 0xFEEDCAFE


def payload(action, devpath, props):
    """The kernel's own format: a header line, then KEY=VALUE strings, all NUL-terminated."""
    fields = {"ACTION": action, "DEVPATH": devpath}
    fields.update(props)
    head = f"{action}@{devpath}".encode("utf-8", "surrogateescape") + b"\0"
    return head + b"".join(_kv(k, v) for k, v in fields.items() if v is not None)


def _kv(key, value):
    raw = value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogateescape")
    return key.encode() + b"=" + raw + b"\0"


class Injector:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
        self.sock.bind((0, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        self.sequence = 0

    def send_raw(self, data):
        """Sends bytes to the kernel as one uevent message; the kernel appends SEQNUM and broadcasts."""
        self.sequence += 1
        header = struct.pack("=IHHII", 16 + len(data), UEVENT_MSG_TYPE, NLM_F_REQUEST, self.sequence, 0)
        self.sock.sendto(header + data, (0, 0))

    def send(self, action, devpath, props):
        self.send_raw(payload(action, devpath, props))

    def send_udev(self, action, devpath, props, seqnum):
        """Multicasts a libudev-format copy to group 2, as udevd does after rule processing."""
        fields = {"ACTION": action, "DEVPATH": devpath, **props, "SEQNUM": str(seqnum),
                  "USEC_INITIALIZED": "1"}
        properties = b"".join(_kv(k, v) for k, v in fields.items() if v is not None)
        header_size = 40
        header = b"libudev\0" + struct.pack("!I", UDEV_MONITOR_MAGIC) + struct.pack(
            "=IIIIIII", header_size, header_size, len(properties), 0, 0, 0, 0)
        udev = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
        udev.bind((0, 0))
        udev.sendto(header + properties, (0, 2))
        udev.close()


def storm(count, prefix="/devices/probewatch-storm"):
    """Valid add/change events on `count // 2` devices, as fast as the kernel takes them."""
    injector = Injector()
    for index in range(count):
        action = "add" if index % 2 == 0 else "change"
        injector.send(action, f"{prefix}/dev{index // 2}", {"SUBSYSTEM": "pwstorm"})
    return count


def main(argv):
    if argv[1:2] == ["storm"]:
        print(storm(int(argv[2])), flush=True)
        return 0
    if argv[1:2] == ["send"]:
        injector = Injector()
        for event in json.load(sys.stdin):
            if "raw_hex" in event:
                injector.send_raw(bytes.fromhex(event["raw_hex"]))
            elif event.get("group") == "udev":
                injector.send_udev(event["action"], event["devpath"], event.get("props", {}), event["seqnum"])
            else:
                injector.send(event["action"], event["devpath"], event.get("props", {}))
        return 0
    print("usage: kernel_uevents.py send < events.json | storm N", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
