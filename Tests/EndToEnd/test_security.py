"""Forged uevents and an overflowed socket: only the kernel is believed, and an error leaves no busy loop.

Each forged message is followed by a real uevent through the kernel (the positive control): the daemon's socket
delivers in order, so once the control's record is out, the forged message was read and ignored.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from faults_support import cpu_nanoseconds
from namespaces import HERE
from security_netlink import uevent_portids, uevent_sockets
from test_storm import send_until_received

SCRIPT = os.path.join(HERE, "security_netlink.py")
FORGED = "/devices/pwsec/forged"


def control(name):
    return {"action": "add", "devpath": f"/devices/pwsec/{name}", "props": {"SUBSYSTEM": "pwsec"}}


def in_namespace(namespace, *args):
    result = subprocess.run(namespace.command([sys.executable, SCRIPT, *args]), capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def daemon_portid(daemon):
    portids = uevent_portids(daemon.process.pid)
    assert len(portids) == 1, f"expected one uevent socket in the daemon, found portids {portids}"
    return portids[0]


def wait_until_drained(daemon, timeout=30):
    """Polls the daemon's socket queue (Rmem in /proc/PID/net/netlink) until it is empty."""
    deadline = time.monotonic() + timeout
    while int(uevent_sockets(daemon.process.pid)[0]["Rmem"]) > 0:
        assert time.monotonic() < deadline and daemon.process.poll() is None, "the daemon did not drain its socket"
        time.sleep(0.01)


def assert_only_the_control_arrived(namespace, daemon, name):
    namespace.inject([control(name)])
    daemon.wait_for_event(f"/devices/pwsec/{name}")
    forged = [r for r in daemon.of_type("event") if r["devpath"].startswith(FORGED)]
    assert forged == [], "a uevent forged by a userspace port was accepted"
    assert daemon.process.poll() is None


@pytest.mark.parametrize("sender", ["root", "nobody"])
def test_unicast_from_a_userspace_port_is_ignored(sender, netns, start_daemon):
    daemon = start_daemon(netns)
    portid = daemon_portid(daemon)
    args = ["unicast", str(portid), f"{FORGED}-{sender}"] + (["--as-nobody"] if sender == "nobody" else [])
    sent = in_namespace(netns, *args)
    if sender == "root":
        # A unicast send only succeeds when the port exists: the message is in the daemon's socket queue.
        assert sent["sent"] and sent["sender_portid"] != 0, sent
    else:
        # NETLINK_KOBJECT_UEVENT lets non-root receive but not send (NL_CFG_F_NONROOT_RECV only); had the
        # kernel let it through, libudev would still drop it for its sender uid (SCM_CREDENTIALS).
        assert sent == {"sent": False, "error": "EPERM", "uid": 65534} or sent["sent"], sent
    assert_only_the_control_arrived(netns, daemon, f"control-{sender}")
    assert daemon.stop() == 0


def test_multicast_to_the_kernel_group_from_a_userspace_port_is_ignored(netns, start_daemon):
    daemon = start_daemon(netns)
    sent = in_namespace(netns, "multicast", f"{FORGED}-multicast")
    # Delivered to every group-1 member (a listener in the namespace got it), from a port that is not the
    # kernel's: libudev takes group-1 messages only from port 0.
    assert sent["received_groups"] == 1 and sent["received_from_portid"] == sent["sender_portid"] != 0, sent
    assert_only_the_control_arrived(netns, daemon, "control-multicast")
    assert daemon.stop() == 0


def test_after_an_overflow_the_daemon_goes_back_to_sleep(netns, start_daemon):
    """ENOBUFS is reported through POLLERR; a loop that did not clear it would spin. Quiet means no CPU."""
    daemon = start_daemon(netns, "--receive-buffer", "65536", "--console", "none")
    daemon.process.send_signal(signal.SIGSTOP)  # a daemon that cannot read: the storm must overflow
    try:
        netns.storm(5_000)
    finally:
        daemon.process.send_signal(signal.SIGCONT)
    daemon.wait_for(lambda records: any(r["type"] == "lost" for r in records), what="the overflow")
    wait_until_drained(daemon)  # or the first message after the storm could be dropped as well
    send_until_received(netns, daemon, "/devices/probewatch-test/after-overflow")
    before = cpu_nanoseconds(daemon.process.pid)
    time.sleep(2)  # the measurement itself, not a wait for anything
    used = cpu_nanoseconds(daemon.process.pid) - before
    assert daemon.process.poll() is None
    assert used < 5_000_000, f"{used / 1e6:.1f} ms of CPU in 2 s of quiet after the overflow"
    assert daemon.stop() == 0
