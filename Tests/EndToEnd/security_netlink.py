"""Forged uevents from userspace ports, for the security tests. Run inside a network namespace:

    security_netlink.py unicast PORTID DEVPATH [--as-nobody]   # to one socket, as the kernel's format
    security_netlink.py multicast DEVPATH                      # to group 1, the kernel's group

Prints one JSON object: what the kernel did with the send (and, for multicast, what a group-1 listener in the
same namespace received, proving the message was delivered to group members). `uevent_sockets(PID)`, used
from the host, finds PID's NETLINK_KOBJECT_UEVENT sockets in /proc/PID/net/netlink (PID's own network
namespace) by their inodes: the portid to send to, and the bytes queued.
"""
import json
import os
import socket
import sys

NETLINK_KOBJECT_UEVENT = 15
KERNEL_GROUP = 1
NOBODY = 65534


def forged(devpath, seqnum=999_999_999):
    """Exactly what the kernel broadcasts: a header line and KEY=VALUE strings, SEQNUM included, no nlmsghdr."""
    fields = [f"add@{devpath}", "ACTION=add", f"DEVPATH={devpath}", "SUBSYSTEM=pwsec", f"SEQNUM={seqnum}"]
    return b"".join(field.encode() + b"\0" for field in fields)


def uevent_portids(pid):
    return [int(row["Pid"]) for row in uevent_sockets(pid)]


def uevent_sockets(pid):
    """PID's NETLINK_KOBJECT_UEVENT sockets as rows of /proc/PID/net/netlink (Pid is the portid, Rmem the bytes
    queued for reading)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    rows = []
    with open(f"/proc/{pid}/net/netlink") as table:
        header = table.readline().split()
        for line in table:
            row = dict(zip(header, line.split()))
            if int(row["Eth"]) == NETLINK_KOBJECT_UEVENT and int(row["Inode"]) in inodes:
                rows.append(row)
    return rows


def drop_to_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def unicast(portid, devpath, as_nobody):
    if as_nobody:
        drop_to_nobody()
    sender = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
    sender.bind((0, 0))
    try:
        sender.sendto(forged(devpath), (portid, 0))
    except PermissionError:
        return {"sent": False, "error": "EPERM", "uid": os.getuid()}
    return {"sent": True, "sender_portid": sender.getsockname()[0], "uid": os.getuid()}


def multicast(devpath):
    listener = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
    listener.bind((0, 1 << (KERNEL_GROUP - 1)))
    listener.settimeout(10)
    sender = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
    sender.bind((0, 0))
    message = forged(devpath)
    # Port 0 as well as group 1: the kernel also gets a copy, which has no nlmsghdr and is dropped unread.
    sender.sendto(message, (0, 1 << (KERNEL_GROUP - 1)))
    while True:  # host uevents reach namespaces owned by the initial user namespace too: skip those
        data, (portid, groups) = listener.recvfrom(65536)
        if data == message:
            return {"sent": True, "sender_portid": sender.getsockname()[0], "received_from_portid": portid,
                    "received_groups": groups}


def main(argv):
    if argv[1] == "unicast":
        result = unicast(int(argv[2]), argv[3], "--as-nobody" in argv)
    elif argv[1] == "multicast":
        result = multicast(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
